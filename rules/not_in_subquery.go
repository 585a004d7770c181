package rules

import (
	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var notInSubquery = &Rule{
	ID:       "not-in-subquery",
	Severity: Warning,
	Summary:  "NOT IN (SELECT …) is wrong with NULLs and cannot be planned as an anti-join",
	Doc: `"x NOT IN (SELECT y FROM t)" has two problems. If the subquery returns a single
NULL, the condition is never true and the query returns no rows: a silent wrong
answer the day a nullable column gets its first NULL. And because of those NULL
semantics the planner cannot turn it into an anti-join: it runs a hashed SubPlan
if the subquery's result fits in work_mem, and otherwise re-scans the subquery
for every outer row, which on large tables runs for hours. "x <> ALL (SELECT …)"
is the same thing and is reported too.

Fix: NOT EXISTS (SELECT 1 FROM t WHERE t.y = x), which means what was intended
and plans as a Hash Anti Join; or a LEFT JOIN … WHERE t.y IS NULL.

Example: SELECT id FROM accounts WHERE country NOT IN (SELECT code FROM countries).`,
	Check: func(in *Input, _ Options) []Finding {
		var out []Finding
		analyzer.Walk(in.Statement.Tree, func(n *pg_query.Node) {
			if b := n.GetBoolExpr(); b != nil && b.Boolop == pg_query.BoolExprType_NOT_EXPR && len(b.Args) == 1 {
				// x NOT IN (SELECT …) parses as NOT (x = ANY (SELECT …)).
				if l := b.Args[0].GetSubLink(); l != nil && l.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK && (len(l.OperName) == 0 || lastName(l.OperName) == "=") {
					out = append(out, notInFinding("NOT IN (SELECT …)"))
				}
			}
			if l := n.GetSubLink(); l != nil && l.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK && lastName(l.OperName) == "<>" {
				out = append(out, notInFinding("<> ALL (SELECT …)"))
			}
		})
		return out
	},
}

func notInFinding(form string) Finding {
	return Finding{
		Message:    form + " returns no rows once the subquery yields a NULL, and cannot be planned as an anti-join",
		Suggestion: "use NOT EXISTS (SELECT 1 FROM … WHERE … = outer.column)",
		Evidence:   map[string]any{"form": form},
	}
}
