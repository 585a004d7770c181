package rules

import (
	"fmt"
	"strings"

	"github.com/qreview/qreview/explain"
)

// LargeShare is the share of a table above which the most common value's
// scan is what the query asks for: a plan returning that much of a table
// reads it whole whatever the indexes.
const LargeShare = 0.2

// CheckPlans runs the rules on every plan of a statement (j: the generic
// plan and the custom plans, see explain.PlanAll) and keeps what matters
// for the plans production runs:
//   - a finding in a plan production runs stands, from the typical value's
//     plan first, then the rare value's, then the most common value's;
//   - a finding only in the most common value's plan, when that plan
//     returns a large share of the table, is dropped: the query needs the
//     rows;
//   - a finding only in the generic plan, when the plan cache runs custom
//     plans, becomes a warning that says so;
//   - a finding only in custom plans, when the plan cache runs the
//     generic plan, is dropped.
//
// Notes say, for --verbose, what was dropped and why. Without plans (j
// nil, or a statement that could not be planned) it is Check.
func (s *Set) CheckPlans(in *Input, j *explain.Judged) (findings []Finding, notes []string) {
	if j == nil || len(j.Candidates) == 0 {
		return s.Check(in), nil
	}
	if j.Cache == nil {
		with := *in
		with.Plan = j.Candidates[0].Plan
		return s.Check(&with), nil
	}
	hits, keys := s.checkEach(in, j)
	runsCustom := !j.Cache.Generic()
	common, share := -1, 0.0 // the most common value's plan, and the share of a table it returns
	for i, c := range j.Candidates {
		if c.Set != nil && c.Set.Name == "common" {
			common, share = i, commonShare(c.Plan, in.Tables)
		}
	}
	for _, key := range keys {
		byPlan := hits[key]
		pick := -1
		for _, i := range preference(j) {
			if len(byPlan[i]) > 0 {
				pick = i
				break
			}
		}
		switch {
		case len(byPlan[0]) > 0 && byPlan[0][0].Rule.GenericOnly:
			findings = append(findings, annotate(byPlan[0], j, 0)...)
		case pick == common && runsCustom && share >= LargeShare:
			notes = append(notes, fmt.Sprintf("%s: not a finding: only the %s returns it, and that plan returns %.0f%% of the table: the query needs those rows",
				byPlan[pick][0].Rule.ID, j.Candidates[pick].Label(), 100*share))
		case pick >= 0:
			findings = append(findings, annotate(byPlan[pick], j, pick)...)
		case runsCustom && len(byPlan[0]) > 0:
			for _, f := range annotate(byPlan[0], j, 0) {
				if f.Severity.Rank() > Warning.Rank() {
					f.Severity = Warning
				}
				f.Message += " — only in the generic plan, which the plan cache would not run" + optionalNote(j)
				findings = append(findings, f)
			}
		default:
			for i, fs := range byPlan {
				if len(fs) > 0 {
					notes = append(notes, fmt.Sprintf("%s: not a finding: only the %s has it, and the plan cache %s", fs[0].Rule.ID, j.Candidates[i].Label(), j.Cache.Reason))
					break
				}
			}
		}
	}
	return findings, notes
}

// checkEach runs the rules on each plan and groups the findings by rule
// and table, in the order first found.
func (s *Set) checkEach(in *Input, j *explain.Judged) (map[string][][]Finding, []string) {
	hits := map[string][][]Finding{}
	var keys []string
	for i, c := range j.Candidates {
		with := *in
		with.Plan = c.Plan
		if i > 0 {
			with.Before, with.Cause = nil, nil // before/after comparisons are of generic plans
		}
		for _, f := range s.Check(&with) {
			if i > 0 && f.Rule.GenericOnly {
				continue
			}
			table, _ := f.Evidence["table"].(string)
			key := f.Rule.ID + "\x00" + table
			if hits[key] == nil {
				hits[key] = make([][]Finding, len(j.Candidates))
				keys = append(keys, key)
			}
			hits[key][i] = append(hits[key][i], f)
		}
	}
	return hits, keys
}

// preference lists the plans production runs, in the order their
// findings are reported: typical, rare, then the most common value.
func preference(j *explain.Judged) []int {
	if j.Cache.Generic() {
		return []int{0}
	}
	var out []int
	for _, name := range []string{"typical", "rare", "common"} {
		for i, c := range j.Candidates {
			if c.Set != nil && c.Set.Name == name {
				out = append(out, i)
			}
		}
	}
	return out
}

func annotate(fs []Finding, j *explain.Judged, i int) []Finding {
	out := make([]Finding, len(fs))
	for k, f := range fs {
		f.Plan, f.Params, f.PlanCache = j.Candidates[i].Label(), j.Candidates[i].Set, j.Cache.Reason
		out[k] = f
	}
	return out
}

// optionalNote names the optional-filter pattern that makes the generic
// plan read everything, when the statement has one.
func optionalNote(j *explain.Judged) string {
	if len(j.Optional) == 0 {
		return ""
	}
	return fmt.Sprintf(": the optional filter %s keeps every branch in the generic plan, while each custom plan folds it away", strings.Join(j.Optional, ", "))
}

// commonShare is the largest share of a table any node of the plan
// returns.
func commonShare(p *explain.Plan, tables map[string]explain.Table) float64 {
	share := 0.0
	p.Walk(func(n *explain.Node, ancestors []*explain.Node) {
		if t, ok := tables[n.RelationName]; ok && t.Rows > 0 {
			share = max(share, explain.ReturnedRows(n, ancestors)/t.Rows)
		}
	})
	return share
}
