package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
)

var planRegression = &Rule{
	ID:       "plan-regression",
	Severity: Error,
	Summary:  "the change's migrations make a query's plan worse, or break it; improvements are notices",
	Doc: `The riskiest change may touch no query at all: a migration that drops or
replaces an index, narrows it to a partial index, changes a column's type or
drops a column turns a query that has run fine for years into a sequential
scan or an error. qreview plans every query of the repository on the seeded
database before the change's migrations and again after them, and re-plans
after each migration statement to find the one that did it.

Worse (error): a table of min-rows (default 100,000) or more now read whole
(Seq Scan, or an index walked with no Index Cond) where an index served; an
index the query used is gone; the cost up by factor (default 10) or more, for
plans of at least min-cost (default 1,000). A query that no longer plans is an
error that names the migration statement too. Better (notice): the reverse,
the evidence a DBA wants that a new index is used.

Fix: keep (or recreate) the index the query needs before dropping the old
one; change the query along with the column it reads.`,
	Options:          Options{"min-rows": 100_000, "factor": 10, "min-cost": 1000},
	GenericOnly:      true,
	CountsEverywhere: true,
	Compare: func(before, after *explain.Plan, tables map[string]explain.Table, opts Options) explain.PlanChange {
		return explain.ComparePlans(before, after, tables, regressionThresholds(opts))
	},
	Check: func(in *Input, opts Options) []Finding {
		if in.Before == nil || in.Statement.Kind != "query" {
			return nil
		}
		cause := "the change's ANALYZE"
		evidence := map[string]any{"before": planBrief(in.Before)}
		if in.Cause != nil {
			cause = fmt.Sprintf("%s:%d", in.Cause.File, in.Cause.Line)
			evidence["migration"] = cause
		}
		if in.Err != nil && in.Cause == nil {
			return nil // it failed, but not because of a change statement: sql-error reports it
		}
		if in.Err != nil {
			return []Finding{{
				Message:  fmt.Sprintf("no longer plans after the change (%s): %v", cause, in.Err),
				Evidence: evidence,
			}}
		}
		if in.Plan == nil {
			return nil
		}
		c := explain.ComparePlans(in.Before, in.Plan, in.Tables, regressionThresholds(opts))
		evidence["after"] = planBrief(in.Plan)
		switch {
		case c.Worse:
			return []Finding{{Message: fmt.Sprintf("plan got worse after %s: %s", cause, c.Reason), Evidence: evidence}}
		case c.Better:
			return []Finding{{Severity: Notice, Message: fmt.Sprintf("plan improved after %s: %s", cause, c.Reason), Evidence: evidence}}
		}
		return nil
	},
}

// planBrief is a plan in the few fields a before/after comparison shows.
func planBrief(p *explain.Plan) map[string]any {
	var nodes []string
	for _, n := range p.Nodes() {
		nodes = append(nodes, n.Label())
	}
	return map[string]any{"cost": p.Root.TotalCost, "rows": p.Root.PlanRows, "nodes": nodes}
}

// regressionThresholds are the configured options as ComparePlans takes
// them: the check and the search for the cause use the same ones.
func regressionThresholds(opts Options) explain.Thresholds {
	return explain.Thresholds{MinRows: opts["min-rows"], Factor: opts["factor"], MinCost: opts["min-cost"]}
}
