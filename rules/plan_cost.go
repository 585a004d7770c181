package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var planCost = &Rule{
	ID:       "plan-cost",
	Severity: Warning,
	Summary:  "the planner's cost estimate is above max-cost",
	Doc: `The planner's total cost is its estimate of the work a statement does, in units
of one sequential page read. A cost above max-cost (default 100,000) on
production-sized data means the statement reads a great deal, whatever the
node types: many index probes, a large sort, a big join.

Fix: look at the most expensive node the finding names; narrow the query, add
the index it needs, or move the work off the request path.`,
	Options: Options{"max-cost": 100_000},
	Check: func(in *Input, opts Options) []Finding {
		if in.Plan == nil || in.Plan.Root.TotalCost <= opts["max-cost"] {
			return nil
		}
		costly := in.Plan.Root
		in.Plan.Walk(func(n *explain.Node, _ []*explain.Node) {
			if selfCost(n) > selfCost(costly) {
				costly = n
			}
		})
		return []Finding{{
			Message: fmt.Sprintf("plan costs %s (max-cost %s); most of it in %s",
				format.Count(in.Plan.Root.TotalCost), format.Count(opts["max-cost"]), costly.Label()),
			Evidence: map[string]any{"total_cost": in.Plan.Root.TotalCost, "max_cost": opts["max-cost"], "costliest_node": costly.Label()},
		}}
	},
}

// selfCost is a node's cost less its children's: the work it does itself.
func selfCost(n *explain.Node) float64 {
	c := n.TotalCost
	for _, child := range n.Plans {
		c -= child.TotalCost
	}
	return c
}
