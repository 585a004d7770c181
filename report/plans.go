package report

import (
	"strconv"

	"github.com/qreview/qreview/explain"
)

// ParamValue is one parameter's value in a custom plan, and its source.
type ParamValue struct {
	Param string  `json:"param"` // $1
	Value *string `json:"value"` // null is NULL
	Why   string  `json:"why"`
}

// judgedPlans lists every plan of a parameterized query with its values
// and whether production runs it.
func judgedPlans(j *explain.Judged) ([]PlanSummary, *explain.CacheChoice) {
	if j == nil || j.Cache == nil {
		return nil, nil
	}
	runs := map[*explain.Plan]bool{}
	for _, c := range j.Runs() {
		runs[c.Plan] = true
	}
	var out []PlanSummary
	for _, c := range j.Candidates {
		s := brief(c.Plan) // the tree of the plan production runs is in statements[].plan
		s.Label = c.Label()
		r := runs[c.Plan]
		s.Runs = &r
		if c.Set != nil {
			for i, p := range c.Set.Params {
				s.Values = append(s.Values, ParamValue{Param: "$" + strconv.Itoa(i+1), Value: p.Value, Why: p.Why})
			}
		}
		out = append(out, *s)
	}
	choice := *j.Cache
	return out, &choice
}

// PlanFor is the plan a finding was found in: one of the statement's
// plans by label, else its main plan.
func (s Statement) PlanFor(f Finding) *PlanSummary {
	for i := range s.Plans {
		if s.Plans[i].Label == f.Plan {
			return &s.Plans[i]
		}
	}
	return s.Plan
}

// planNote names a plan in a "plan (cost …, NOTE)" line.
func planNote(p *PlanSummary) string {
	switch {
	case p.Label != "":
		return ", " + p.Label
	case p.Generic:
		return ", generic plan"
	}
	return ""
}

// detail is a finding as one text, for the formats that carry one per
// finding (SARIF, GitHub annotations): the message with the statement's
// name, the postmortems it repeats, the suggestion, and the plan it was
// found in with the plan cache's reasoning.
func detail(f Finding, st Statement) string {
	msg := f.Message
	if st.Name != "" {
		msg = st.Name + ": " + msg
	}
	for _, c := range f.Citations {
		msg += "\nPostmortem: " + c
	}
	if f.Suggestion != "" {
		msg += "\nSuggestion: " + f.Suggestion
	}
	if f.Plan != "" {
		msg += "\nPlan: " + f.Plan + "; the plan cache " + f.PlanCache
	}
	return msg
}
