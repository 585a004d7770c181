package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var nestedLoopLargeOuter = &Rule{
	ID:       "nested-loop-large-outer",
	Severity: Warning,
	Summary:  "a Nested Loop runs its inner side once per row of a large outer side",
	Doc: `A Nested Loop runs its inner plan once for every row of its outer plan. With a
few outer rows that is the fastest join there is; with more than max-outer-rows
(default 10,000) it is that many index probes or scans, and it grows with the
data. It often comes from an underestimate: the planner expected few rows.

Fix: check the estimate of the outer side (stale statistics, correlated
conditions: CREATE STATISTICS); narrow the outer side; make sure the join
columns are indexed so a hash or merge join is possible.`,
	Options: Options{"max-outer-rows": 10_000},
	Check: func(in *Input, opts Options) []Finding {
		var out []Finding
		in.Plan.Walk(func(n *explain.Node, ancestors []*explain.Node) {
			if !n.Is("Nested Loop") || len(n.Plans) < 2 {
				return
			}
			outer := n.Plans[0]
			rows := rowsOut(in.Plan, outer, append(ancestors, n))
			if rows <= opts["max-outer-rows"] {
				return
			}
			out = append(out, Finding{
				Message: fmt.Sprintf("Nested Loop runs its inner side (%s) %s times, once per row of %s",
					n.Plans[1].Label(), format.Count(rows), outer.Label()),
				Evidence: map[string]any{"outer": outer.Label(), "outer_rows": rows, "inner": n.Plans[1].Label()},
			})
		})
		return out
	},
}
