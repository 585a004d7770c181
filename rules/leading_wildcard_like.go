package rules

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// likeOperators are LIKE, ILIKE and their negations as the parser names
// them.
var likeOperators = map[string]string{"~~": "LIKE", "~~*": "ILIKE", "!~~": "NOT LIKE", "!~~*": "NOT ILIKE"}

var leadingWildcardLike = &Rule{
	ID:       "leading-wildcard-like",
	Severity: Warning,
	Summary:  "a LIKE or ILIKE pattern starts with a wildcard, so no B-tree index can serve it",
	Doc: `A B-tree index finds rows by the start of a value. "name LIKE 'abc%'" can use
one; "name LIKE '%abc'" and "name LIKE '_bc%'" cannot, because the pattern says
nothing about how the value starts. PostgreSQL reads every row and matches each:
fine on a small table, a full scan that grows with the table on a large one.
ILIKE cannot use a plain B-tree index at all, so its leading wildcard is the same
problem. Patterns built as '%' || $1 are caught too.

A trigram index (pg_trgm, GIN or GiST with gin_trgm_ops/gist_trgm_ops) on the
column serves these patterns; a column that has one is not reported.

Fix: search by prefix if the feature allows it, or create a trigram index:
CREATE EXTENSION pg_trgm; CREATE INDEX CONCURRENTLY ON t USING gin (col
gin_trgm_ops). For word search, full-text search (tsvector) fits better.

Example: SELECT id FROM accounts WHERE email LIKE '%@example.com'.`,
	Check: func(in *Input, _ Options) []Finding {
		var out []Finding
		conditions(in.Statement.Tree, func(s scope, e *pg_query.A_Expr) {
			if likeOperators[lastName(e.Name)] == "" {
				return
			}
			pattern, ok := patternStart(e.Rexpr)
			if !ok || (!strings.HasPrefix(pattern, "%") && !strings.HasPrefix(pattern, "_")) {
				return
			}
			table, column, known := s.columnIn(e.Lexpr, in.Tables)
			if known && hasTrigramIndex(in, table, column) {
				return
			}
			f := Finding{
				Message: fmt.Sprintf("%s %s %s: the pattern starts with a wildcard, so no B-tree index can serve it and every row is read and matched",
					exprSQL(e.Lexpr), likeOperators[lastName(e.Name)], exprSQL(e.Rexpr)),
				Evidence: map[string]any{"pattern": pattern},
			}
			if known {
				f.Evidence["table"], f.Evidence["column"] = table, column
			} else {
				table, column = "<table>", "<column>"
			}
			f.Suggestion = fmt.Sprintf("search by prefix, or create a trigram index (pg_trgm): CREATE INDEX CONCURRENTLY ON %s USING gin (%s gin_trgm_ops);", table, column)
			out = append(out, f)
		})
		return out
	},
}

// patternStart is the constant text a pattern starts with: a string, or
// the first string of a concatenation ('%' || $1 || '%').
func patternStart(n *pg_query.Node) (string, bool) {
	if e := n.GetAExpr(); e != nil && lastName(e.Name) == "||" {
		return patternStart(e.Lexpr)
	}
	return stringConst(n)
}

// hasTrigramIndex reports whether a pg_trgm index covers the column.
func hasTrigramIndex(in *Input, table, column string) bool {
	for _, ix := range in.Tables[table].Indexes {
		for _, el := range indexElems(ix) {
			if op := lastName(el.Opclass); el.Name == column && (op == "gin_trgm_ops" || op == "gist_trgm_ops") {
				return true
			}
		}
	}
	return false
}
