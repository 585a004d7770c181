package rules

import (
	"fmt"

	"github.com/qreview/qreview/analyzer"
)

var selectStar = &Rule{
	ID:       "select-star",
	Severity: Notice,
	Summary:  "a query selects * and reads every column, present and future",
	Doc: `SELECT * (or t.*) returns every column of the table, including the ones added
next year: a large text or jsonb column added later makes every such query
fetch and send it (TOAST reads included), and an index-only scan is impossible
because no index holds all the columns. Application code that maps columns by
position breaks when one is added or dropped.

Only the columns of the query's result are checked: * inside EXISTS (…) and in
subqueries is harmless and not reported, and neither is a migration.

In a sqlc query file (a "-- name: X :one" header) the finding is always a
notice, whatever severity the rule is given: sqlc expands * and sqlc.embed(t)
into the table's columns when it generates code, so columns added later are
not read until the code is regenerated, and nothing maps columns by position.
What remains true is that every current column is fetched and no index-only
scan is possible.

Fix: name the columns the caller uses.

Example: SELECT * FROM accounts WHERE id = $1.`,
	Check: func(in *Input, _ Options) []Finding {
		if in.Statement.Kind != analyzer.KindQuery {
			return nil
		}
		for _, leaf := range leafSelects(in.Statement.Tree.GetSelectStmt()) {
			for _, t := range leaf.TargetList {
				ref := t.GetResTarget().GetVal().GetColumnRef()
				if ref == nil || len(ref.Fields) == 0 || ref.Fields[len(ref.Fields)-1].GetAStar() == nil {
					continue
				}
				star := "*"
				if len(ref.Fields) > 1 {
					star = lastName(ref.Fields[:len(ref.Fields)-1]) + ".*"
				}
				if h := in.Statement.Header; h != nil && h.Style == analyzer.HeaderSqlc {
					return []Finding{{
						Severity:   Notice,
						Message:    fmt.Sprintf("SELECT %s reads every column the table has when sqlc generates the code, and rules out an index-only scan (sqlc expands it, so columns added later are not read until regenerated)", star),
						Suggestion: "name the columns the caller uses if it needs few of them",
						Evidence:   map[string]any{"sqlc": true},
					}}
				}
				return []Finding{{
					Message:    fmt.Sprintf("SELECT %s reads every column, including ones added later, and rules out an index-only scan", star),
					Suggestion: "name the columns the caller uses",
				}}
			}
		}
		return nil
	},
}
