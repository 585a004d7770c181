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
	Name        string  // from its header ("-- name: X :one", "-- :name x")
	Header      *Header // the header that names it, in a query file; nil if none
	Fingerprint string  // pg_query fingerprint: equal for statements that differ only in constants
	// SQL is what is planned: the text with sqlc's syntax (@id,
	// sqlc.arg(id), …) translated to $n. Text is what the file says.
	SQL    string
	Text   string
	Params int // highest $n the statement uses
	// ParamNames names $1…$Params (index n-1) when the statement names its
	// parameters (@id, sqlc.arg(id)); "" for one written as $n. nil if
	// none is named.
	ParamNames []string
	Comments   []Comment
	Tree       *pg_query.Node
	Migration  *Migration // the migration it belongs to, for KindMigration
	// CopyData holds the rows of a COPY … FROM stdin that a psql script
	// (pg_dump output) gives inline after the statement; nil otherwise.
	// Load them by running SQL with COPY FROM STDIN fed Rows, as psql does.
	CopyData *CopyData

	paramUses []ParamUse // ParamUses, once worked out
}

// CopyData is the inline data of a COPY … FROM stdin, as psql sends it.
type CopyData struct {
	Rows          string // the data lines, in the COPY's format (text for pg_dump), without the closing "\."
	Line, EndLine int    // where they lie in the file, the "\." line included
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

// ReadOnly reports whether the statement only reads, as far as its text
// shows: a plain SELECT with no data-modifying CTE, no locking clause
// (FOR UPDATE/SHARE, at any depth), no INTO, and no call to a function
// known to write (nextval, setval). Functions it cannot see into, user
// ones included, need the database: explain.SafeToRun.
func (s *Statement) ReadOnly() bool {
	sel, ok := s.Tree.GetNode().(*pg_query.Node_SelectStmt)
	if !ok || sel.SelectStmt.GetIntoClause() != nil {
		return false
	}
	readOnly := true
	Walk(s.Tree, func(n *pg_query.Node) {
		switch n.Node.(type) {
		case *pg_query.Node_InsertStmt, *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt, *pg_query.Node_MergeStmt,
			*pg_query.Node_LockingClause, *pg_query.Node_IntoClause:
			readOnly = false
		case *pg_query.Node_FuncCall:
			if writingFunctions[FuncName(n.GetFuncCall()).Name] {
				readOnly = false
			}
		}
	})
	return readOnly
}

// writingFunctions are built-in functions that change the database when
// called, whatever their schema.
var writingFunctions = map[string]bool{"nextval": true, "setval": true}

// QualifiedName is a function's name as a statement writes it; Schema is
// "" when unqualified.
type QualifiedName struct{ Schema, Name string }

// FuncName is the name a function call is written with.
func FuncName(f *pg_query.FuncCall) QualifiedName {
	var parts []string
	for _, n := range f.GetFuncname() {
		parts = append(parts, n.GetString_().GetSval())
	}
	switch len(parts) {
	case 0:
		return QualifiedName{}
	case 1:
		return QualifiedName{Name: parts[0]}
	}
	return QualifiedName{Schema: parts[len(parts)-2], Name: parts[len(parts)-1]}
}

// Functions lists the distinct functions a statement calls by name,
// anywhere in its tree (CTEs, subqueries, FROM, arguments).
func Functions(n *pg_query.Node) []QualifiedName {
	var out []QualifiedName
	seen := map[QualifiedName]bool{}
	Walk(n, func(n *pg_query.Node) {
		if f := n.GetFuncCall(); f != nil {
			if q := FuncName(f); q.Name != "" && !seen[q] {
				seen[q] = true
				out = append(out, q)
			}
		}
	})
	return out
}
