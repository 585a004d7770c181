package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var misestimate = &Rule{
	ID:       "misestimate",
	Severity: Warning,
	Summary:  "the planner's row estimate is off by factor or more",
	Doc: `Every choice the planner makes (index or scan, join method, join order) rests on
its row estimates. When a node returns factor (default 100) times more or fewer
rows than estimated, and at least min-rows (default 1,000), the plan was chosen
for a different query than the one that runs, and may flip to a bad one as
data grows. Seen only under EXPLAIN ANALYZE.

Fewer rows than estimated under a Limit, a semi or anti join, or a sub-plan
is early termination, not a misestimate, and is not reported.

Causes: correlated conditions (status = 'pending' AND id % 100 = 0), functions
and expressions without statistics, stale statistics.

Fix: CREATE STATISTICS on correlated columns, an expression index (which gets
statistics), rewriting the condition so statistics apply; ANALYZE.`,
	Options: Options{"factor": 100, "min-rows": 1000},
	Check: func(in *Input, opts Options) []Finding {
		if in.Plan == nil || !in.Plan.Analyzed {
			return nil
		}
		var out []Finding
		in.Plan.Walk(func(n *explain.Node, ancestors []*explain.Node) {
			if n.ActualLoops == 0 { // never executed
				return
			}
			est, act := n.PlanRows, n.ActualRows
			if act < est && stoppedEarly(n, ancestors) {
				return // fewer rows because nobody asked for more
			}
			hi, lo := max(est, act), max(min(est, act), 1)
			if hi/lo < opts["factor"] || hi*max(n.ActualLoops, 1) < opts["min-rows"] {
				return
			}
			out = append(out, Finding{
				Message: fmt.Sprintf("planner expected %s rows from %s, got %s (%s× off)",
					format.Count(est), n.Label(), format.Count(act), format.Count(hi/lo)),
				Evidence: map[string]any{"node": n.Label(), "estimated_rows": est, "actual_rows": act},
			})
		})
		return out
	},
}

// stoppedEarly: the node's consumer may stop before the node is done (a
// Limit, the inner side of a semi or anti join, a sub-plan that needs one
// row), so returning fewer rows than estimated is no misestimate.
func stoppedEarly(n *explain.Node, ancestors []*explain.Node) bool {
	child := n
	for i := len(ancestors) - 1; i >= 0; i-- {
		a := ancestors[i]
		switch {
		case a.Is("Limit"), child.ParentRelationship == "SubPlan", child.ParentRelationship == "InitPlan":
			return true
		case (a.JoinType == "Semi" || a.JoinType == "Anti") && child.ParentRelationship == "Inner":
			return true
		}
		child = a
	}
	return false
}
