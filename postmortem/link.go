package postmortem

import (
	"fmt"
	"slices"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/report"
	"github.com/qreview/qreview/rules"
)

// Link cites records in the findings of res that repeat their query
// shapes: a finding on a statement with a record's fingerprint, or of a
// record's rule on one of its tables. A linked finding becomes an error,
// names the record in Postmortems and says why in Citations; the summary
// and the verdict are recomputed. It returns how many findings it linked.
//
// It works on the result, after report.Build, like the baseline: the
// result has each statement's fingerprint and SQL, which is all a match
// needs, and the pipeline stays as it is.
func Link(res *report.Result, recs []*Record) int {
	if len(recs) == 0 {
		return 0
	}
	byID := map[string]report.Statement{}
	for _, s := range res.Statements {
		byID[s.ID] = s
	}
	linked := 0
	for i := range res.Findings {
		f := &res.Findings[i]
		st := byID[f.Statement]
		tables := findingTables(*f, st)
		for _, r := range recs {
			how := r.match(*f, st.Fingerprint, tables)
			if how == "" || slices.Contains(f.Postmortems, r.ID) {
				continue
			}
			cite := fmt.Sprintf("%s caused %s: %s (%s)", how, r.ID, r.Summary(), r.Path)
			if f.Severity != string(rules.Error) {
				cite += fmt.Sprintf("; raised from %s to error", f.Severity)
				f.Severity = string(rules.Error)
			}
			f.Postmortems = append(f.Postmortems, r.ID)
			f.Citations = append(f.Citations, cite)
		}
		if len(f.Postmortems) > 0 {
			linked++
		}
	}
	res.Recount()
	return linked
}

// match says how a finding repeats one of r's query shapes ("this query
// shape", "seq-scan-large-table on payments"), or "" when it does not.
// A shape named without rules takes its warnings and errors, not its
// notices: "plan improved" on the outage's query is no repeat of it.
func (r *Record) match(f report.Finding, fingerprint string, tables []string) string {
	rule := f.Rule
	for _, q := range r.Queries {
		if q.Fingerprint == "" || q.Fingerprint != fingerprint {
			continue
		}
		if slices.Contains(q.Rules, rule) || (len(q.Rules) == 0 && f.Severity != string(rules.Notice)) {
			return "this query shape"
		}
	}
	for _, q := range r.Queries {
		if !slices.Contains(q.Rules, rule) {
			continue
		}
		for _, t := range tables {
			if slices.Contains(q.Tables, t) {
				return rule + " on " + t
			}
		}
	}
	return ""
}

// findingTables are the tables a finding is about: the one its rule names
// in the evidence, else every relation its statement mentions.
func findingTables(f report.Finding, st report.Statement) []string {
	if t, ok := f.Evidence["table"].(string); ok && t != "" {
		return []string{t}
	}
	if st.SQL == "" {
		return nil
	}
	stmts, err := analyzer.ParseSQL(st.File, st.SQL, analyzer.Kind(st.Kind))
	if err != nil {
		return nil // it parsed when it was reviewed; a result edited since links by fingerprint only
	}
	var tables []string
	for _, s := range stmts {
		tables = append(tables, analyzer.Relations(s.Tree)...)
	}
	return tables
}
