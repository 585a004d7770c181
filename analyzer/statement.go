// Package analyzer finds SQL in files, splits it into statements with the
// PostgreSQL parser (pg_query_go) and locates each one: file, lines,
// fingerprint, parameters, and the migration it belongs to.
package analyzer

import (
	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// Kind says whether a statement changes the schema or is a query the
// application runs.
type Kind string

const (
	KindQuery     Kind = "query"
	KindMigration Kind = "migration"
)

// Statement is one SQL statement with where it came from.
type Statement struct {
	ID          string // S1, S2, … in review order
	File        string // path as the user named it
	Line        int    // first line of the statement (1-based), comments excluded
	EndLine     int
	Kind        Kind
	Name        string // from a sqlc-style "-- name: X :one" comment
	Fingerprint string // pg_query fingerprint: equal for statements that differ only in constants
	SQL         string
	Params      int // highest $n the statement uses
	Comments    []Comment
	Tree        *pg_query.Node
	Migration   *Migration // the migration it belongs to, for KindMigration

	paramUses []ParamUse // ParamUses, once worked out
}

// Comment is a "--" comment line directly above a statement, where names
// and qreview directives live.
type Comment struct {
	Line int
	Text string // without the leading "--", trimmed
}

// Explainable reports whether EXPLAIN accepts the statement: plannable
// DML, not DDL or utility commands.
func (s *Statement) Explainable() bool {
	if s.Tree == nil {
		return false
	}
	switch s.Tree.Node.(type) {
	case *pg_query.Node_SelectStmt, *pg_query.Node_InsertStmt, *pg_query.Node_UpdateStmt,
		*pg_query.Node_DeleteStmt, *pg_query.Node_MergeStmt:
		return true
	}
	return false
}

// ReadOnly reports whether the statement only reads: a plain SELECT
// without data-modifying CTEs or locking clauses.
func (s *Statement) ReadOnly() bool {
	sel, ok := s.Tree.GetNode().(*pg_query.Node_SelectStmt)
	if !ok || sel.SelectStmt.GetIntoClause() != nil || len(sel.SelectStmt.GetLockingClause()) > 0 {
		return false
	}
	readOnly := true
	Walk(s.Tree, func(n *pg_query.Node) {
		switch n.Node.(type) {
		case *pg_query.Node_InsertStmt, *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt, *pg_query.Node_MergeStmt:
			readOnly = false
		}
	})
	return readOnly
}
