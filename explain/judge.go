package explain

import (
	"context"
	"fmt"

	"github.com/qreview/qreview/analyzer"
)

// Candidate is one plan production may run for a statement.
type Candidate struct {
	Set  *ParamSet // the values of a custom plan; nil for the generic plan
	Plan *Plan
}

// Label names the plan for people: "generic plan", "custom plan for the
// rare value ($1='closed')".
func (c Candidate) Label() string {
	if c.Set == nil {
		if c.Plan != nil && c.Plan.Generic {
			return "generic plan"
		}
		return "plan"
	}
	return fmt.Sprintf("custom plan for the %s value (%s)", c.Set.Name, c.Set)
}

// Judged is every plan taken for one statement and which of them
// production runs.
type Judged struct {
	Candidates []Candidate  // the generic plan first, then one custom plan per value set
	Cache      *CacheChoice // nil for a statement without parameters
	Optional   []string     // optional-filter patterns in the statement
	CustomErr  error        // a custom plan the server refused; the rest were not made
}

// Runs lists the plans production runs: the generic plan, or the custom
// plans, as the plan cache decides.
func (j *Judged) Runs() []Candidate {
	if j.Cache == nil || j.Cache.Generic() {
		return j.Candidates[:1]
	}
	return j.Candidates[1:]
}

// Main is the one plan to show and to prove indexes on: the generic plan
// when production runs it, else the custom plan for the typical value.
func (j *Judged) Main() Candidate { return j.Runs()[0] }

// PlanOptions say how parameterized statements are planned.
type PlanOptions struct {
	Analyze         bool // a statement with one plan runs under EXPLAIN ANALYZE (rolled back)
	Values          ValueOptions
	CacheMode       string  // auto, force_generic_plan or force_custom_plan
	CPUOperatorCost float64 // the server's, for the planning charge
}

// PinnedError is a pinned parameter value the parameter's type rejects.
type PinnedError struct {
	Statement *analyzer.Statement
	N         int
	Err       error
}

func (e *PinnedError) Error() string {
	name := e.Statement.Name
	if name == "" {
		name = "the statement"
	}
	return fmt.Sprintf("%s:%d: %s: pinned value of $%d: %v", e.Statement.File, e.Statement.Line, name, e.N, e.Err)
}

// PlanAll plans st the ways production may run it. A statement without
// parameters has one plan. A parameterized one is prepared once and
// planned generically and for each value set Stats gives; the plan cache
// rule then says which production runs.
//
// A statement whose parameters are only assigned (INSERT … VALUES ($1),
// UPDATE … SET a = $1 without a filter on them) has the same plan for
// any values, so it too has one plan.
func PlanAll(ctx context.Context, db DB, st *analyzer.Statement, stats *Stats, opts PlanOptions) (*Judged, error) {
	if st.Params == 0 || onlyAssigned(st) {
		run := Explain
		if opts.Analyze {
			run = ExplainAnalyze
		}
		plan, err := run(ctx, db, st)
		if err != nil {
			return nil, err
		}
		return &Judged{Candidates: []Candidate{{Plan: plan}}}, nil
	}
	return withPrepared(ctx, db, st, func(p *Prepared) (*Judged, error) { return planPrepared(ctx, p, st, stats, opts) })
}

// planPrepared takes the generic and the custom plans of a prepared
// statement and the plan cache's choice between them.
func planPrepared(ctx context.Context, p *Prepared, st *analyzer.Statement, stats *Stats, opts PlanOptions) (*Judged, error) {
	for n, v := range opts.Values.Pinned {
		if err := p.CheckValue(ctx, n, v); err != nil {
			return nil, &PinnedError{Statement: st, N: n, Err: err}
		}
	}
	sets, err := stats.Sets(ctx, st, p.Types, opts.Values)
	if err != nil {
		return nil, err
	}
	plans, err := p.Plans(ctx, sets)
	if len(plans) == 0 {
		return nil, err
	}
	generic := plans[0]
	j := &Judged{Candidates: []Candidate{{Plan: generic}}, Optional: st.OptionalFilters()}
	if err != nil {
		// The savepoint is aborted: judge with the plans made so far.
		failed := sets[len(plans)-1]
		j.CustomErr = fmt.Errorf("custom plan for the %s value (%s): %w", failed.Name, failed, err)
	}
	var costs []float64
	for i, plan := range plans[1:] {
		j.Candidates = append(j.Candidates, Candidate{Set: &sets[i], Plan: plan})
		costs = append(costs, plan.Root.TotalCost)
	}
	choice := ChoosePlan(opts.CacheMode, generic.Root.TotalCost, costs, PlanningCost(st, opts.CPUOperatorCost))
	j.Cache = &choice
	return j, nil
}

func onlyAssigned(st *analyzer.Statement) bool {
	for _, u := range st.ParamUses() {
		if u.Kind != analyzer.UseValue {
			return false
		}
	}
	return true
}
