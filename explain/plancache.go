package explain

import (
	"fmt"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/internal/format"
)

// Plan cache modes, as PostgreSQL's plan_cache_mode setting names them.
const (
	CacheAuto          = "auto"
	CacheForceGeneric  = "force_generic_plan"
	CacheForceCustom   = "force_custom_plan"
	defaultCPUOperator = 0.0025
)

// CacheChoice is which plan a prepared statement runs in production, as
// PostgreSQL's plan cache decides (plancache.c, choose_custom_plan):
// after five custom plans it keeps the generic plan when that costs less
// than the custom plans' average, counting a charge for planning each
// call in the custom plans' cost.
type CacheChoice struct {
	Mode          string  `json:"mode"`   // auto, force_generic_plan or force_custom_plan
	Choice        string  `json:"choice"` // generic or custom
	GenericCost   float64 `json:"generic_cost"`
	AvgCustomCost float64 `json:"average_custom_cost"` // planning charge included
	PlanningCost  float64 `json:"planning_cost"`       // the charge for planning one call
	Reason        string  `json:"reason"`
}

// Generic says production runs the generic plan.
func (c CacheChoice) Generic() bool { return c.Choice == "generic" }

// ChoosePlan decides as the plan cache does. planning is the charge
// planning one call adds to a custom plan's cost (PlanningCost).
func ChoosePlan(mode string, genericCost float64, customCosts []float64, planning float64) CacheChoice {
	c := CacheChoice{Mode: mode, GenericCost: genericCost, PlanningCost: planning}
	for _, cost := range customCosts {
		c.AvgCustomCost += (cost + planning) / float64(len(customCosts))
	}
	switch {
	case len(customCosts) == 0:
		c.Choice, c.Reason = "generic", "runs the generic plan: no custom plan could be made"
	case mode == CacheForceGeneric:
		c.Choice, c.Reason = "generic", "runs the generic plan: plan_cache_mode = force_generic_plan"
	case mode == CacheForceCustom:
		c.Choice, c.Reason = "custom", "runs custom plans: plan_cache_mode = force_custom_plan"
	case genericCost < c.AvgCustomCost:
		c.Choice = "generic"
		c.Reason = fmt.Sprintf("runs the generic plan: its cost %s is below the custom plans' average %s (planning included)",
			format.Count(genericCost), format.Count(c.AvgCustomCost))
	default:
		c.Choice = "custom"
		c.Reason = fmt.Sprintf("runs custom plans, planning each call: the generic plan's cost %s is not below the custom plans' average %s (planning included)",
			format.Count(genericCost), format.Count(c.AvgCustomCost))
	}
	return c
}

// PlanningCost is the charge the plan cache adds to each custom plan for
// planning it: 1000 × cpu_operator_cost × (range table entries + 1). The
// range table is counted from the parse tree (tables, subqueries,
// functions, joins), which matches the planner's for plain queries.
func PlanningCost(st *analyzer.Statement, cpuOperatorCost float64) float64 {
	if cpuOperatorCost <= 0 {
		cpuOperatorCost = defaultCPUOperator
	}
	entries := analyzer.RangeEntries(st.Tree)
	return 1000 * cpuOperatorCost * float64(entries+1)
}
