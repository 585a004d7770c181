package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var nonSargablePredicate = &Rule{
	ID:       "non-sargable-predicate",
	Severity: Warning,
	Summary:  "a function or cast around an indexed column keeps its index out of the filter",
	Doc: `A B-tree index on email serves "email = $1", not "lower(email) = $1" or
"created_at::date = $1": the index holds the column's values, not the function's
results, so the planner reads every row and computes the function for each. The
query looks indexed and works in development; on a large table it is a full scan.

This rule looks at WHERE and JOIN … ON conditions in every SELECT, UPDATE and
DELETE, and reports a function call or cast wrapped around a column that has an
index when no expression index covers the same expression. Nested calls are
one finding, on the outermost: to_tsvector(concat(a, b)) is reported, not also
the concat(a, b) inside it.

Fix: compare the bare column (created_at >= $1::date AND created_at < $1::date +
1, or store emails lowercased), or create an expression index on exactly the
expression the query uses.

Example: SELECT id FROM accounts WHERE lower(email) = lower($1), with a unique
index on accounts (email): add CREATE INDEX CONCURRENTLY ON accounts (lower(email)).`,
	Check: func(in *Input, _ Options) []Finding {
		var out []Finding
		// conditions visits an expression before the ones inside it:
		// once to_tsvector(lower(email) || name) is reported, the
		// lower(email) inside it is the same finding.
		inside := map[*pg_query.Node]bool{}
		conditions(in.Statement.Tree, func(s scope, e *pg_query.A_Expr) {
			for _, operand := range []*pg_query.Node{e.Lexpr, e.Rexpr} {
				if inside[operand] {
					continue
				}
				if f, ok := nonSargable(s, operand, in); ok {
					out = append(out, f)
					analyzer.Walk(operand, func(n *pg_query.Node) { inside[n] = true })
				}
			}
		})
		return out
	},
}

// nonSargable reports an operand that wraps an indexed column in a
// function call or cast that no expression index matches.
func nonSargable(s scope, operand *pg_query.Node, in *Input) (Finding, bool) {
	if operand.GetFuncCall() == nil && operand.GetTypeCast() == nil {
		return Finding{}, false
	}
	table, column, ok := s.columnIn(operand, in.Tables)
	ix := indexOn(in.Tables[table], column)
	if !ok || ix == nil {
		return Finding{}, false
	}
	expr := exprSQL(operand)
	for _, other := range in.Tables[table].Indexes {
		for _, el := range indexElems(other) {
			if el.Expr != nil && exprSQL(el.Expr) == expr {
				return Finding{}, false
			}
		}
	}
	return Finding{
		Message: fmt.Sprintf("%s hides %s.%s from its index %s: the planner must compute it for every row", expr, table, column, ix.Name),
		Suggestion: fmt.Sprintf("compare the bare column, or create an expression index: CREATE INDEX CONCURRENTLY ON %s ((%s));",
			table, expr),
		Evidence: map[string]any{"table": table, "column": column, "expression": expr, "index": ix.Name},
	}, true
}
