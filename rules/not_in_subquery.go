package rules

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
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

When the migrations make both x and y NOT NULL (NOT NULL, a primary key column,
serial or identity, SET NOT NULL), neither can be NULL and NOT IN means what
NOT EXISTS means: the form is reported only when the plan re-runs the subquery
for every row (a SubPlan that is not hashed: a result too large for work_mem,
or <> ALL, which PostgreSQL never hashes). A column on the nullable side of
an outer join, an expression, or a column the migrations do not declare keeps
the finding.

Fix: NOT EXISTS (SELECT 1 FROM t WHERE t.y = x), which means what was intended
and plans as a Hash Anti Join; or a LEFT JOIN … WHERE t.y IS NULL.

Example: SELECT id FROM accounts WHERE country NOT IN (SELECT code FROM countries).`,
	Check: func(in *Input, _ Options) []Finding {
		var out []Finding
		report := func(form string, l *pg_query.SubLink, at *pg_query.Node) {
			switch {
			case !nullSafe(in, l, at):
				out = append(out, notInFinding(form))
			case rescansPerRow(in.Plan):
				out = append(out, Finding{
					Message:    form + " runs its subquery again for every outer row (the plan's SubPlan is not hashed): the planner cannot make it an anti-join",
					Suggestion: "use NOT EXISTS (SELECT 1 FROM … WHERE … = outer.column)",
					Evidence:   map[string]any{"form": form, "subplan": "per row"},
				})
			}
		}
		analyzer.Walk(in.Statement.Tree, func(n *pg_query.Node) {
			if b := n.GetBoolExpr(); b != nil && b.Boolop == pg_query.BoolExprType_NOT_EXPR && len(b.Args) == 1 {
				// x NOT IN (SELECT …) parses as NOT (x = ANY (SELECT …)).
				if l := b.Args[0].GetSubLink(); l != nil && l.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK && (len(l.OperName) == 0 || lastName(l.OperName) == "=") {
					report("NOT IN (SELECT …)", l, n)
				}
			}
			if l := n.GetSubLink(); l != nil && l.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK && lastName(l.OperName) == "<>" {
				report("<> ALL (SELECT …)", l, n)
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

// nullSafe reports that neither side of a NOT IN can be NULL: the tested
// column and every column the subquery returns are NOT NULL in the
// migrations, and no outer join may fill them with NULL. at is the node
// the condition starts at, to find the scope its column belongs to.
func nullSafe(in *Input, l *pg_query.SubLink, at *pg_query.Node) bool {
	if in.Source == nil {
		return false
	}
	var migrations []*analyzer.Statement
	for _, st := range in.Source.Statements() {
		if st.Migration != nil {
			migrations = append(migrations, st)
		}
	}
	safe := func(s scope, n *pg_query.Node) bool {
		ref := n.GetColumnRef()
		if ref == nil || s.outerJoin {
			return false
		}
		table, column, ok := s.resolve(ref, in.Tables)
		notNull, _ := notNullColumns(migrations, table)
		return ok && notNull[column]
	}
	outer, found := scopeOf(in.Statement.Tree, at)
	if !found || !safe(outer, l.Testexpr) {
		return false
	}
	leaves := leafSelects(l.Subselect.GetSelectStmt())
	for _, leaf := range leaves {
		if len(leaf.TargetList) != 1 || !safe(newScope(leaf.FromClause, leaf.WhereClause, leaf.WithClause), leaf.TargetList[0].GetResTarget().GetVal()) {
			return false
		}
	}
	return len(leaves) > 0
}

// scopeOf finds the SELECT, UPDATE or DELETE whose conditions hold the
// node.
func scopeOf(tree, node *pg_query.Node) (scope, bool) {
	for _, s := range scopes(tree) {
		found := false
		for _, q := range s.quals {
			walkOwn(q, func(x *pg_query.Node) { found = found || x == node })
		}
		if found {
			return s, true
		}
	}
	return scope{}, false
}

// rescansPerRow reports a plan that runs a SubPlan for each row instead of
// hashing its result once ("SubPlan 1" rather than "hashed SubPlan 1").
func rescansPerRow(p *explain.Plan) bool {
	found := false
	p.Walk(func(n *explain.Node, _ []*explain.Node) {
		if strings.Contains(n.Filter, "SubPlan") && !strings.Contains(n.Filter, "hashed SubPlan") {
			found = true
		}
	})
	return found
}
