package postmortem

import (
	"fmt"
	"slices"
	"strings"

	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/report"
)

// Draft makes a new record from a review of the offending query: the
// statements of res for which inFile is true (those with findings, else
// all of them) become its queries, with their SQL, fingerprint and plan;
// the findings and their verified fixes are the root-cause evidence in the
// body and pre-fill the action items. The timeline and the five whys are
// left for people to fill.
func Draft(res *report.Result, inFile func(string) bool, id, date, title string) (*Record, error) {
	byStatement := map[string][]report.Finding{}
	for _, f := range res.Findings {
		byStatement[f.Statement] = append(byStatement[f.Statement], f)
	}
	var all, flagged []report.Statement
	for _, s := range res.Statements {
		if inFile(s.File) {
			all = append(all, s)
			if len(byStatement[s.ID]) > 0 {
				flagged = append(flagged, s)
			}
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("the review has no statement of the query file (is it excluded by include/exclude?)")
	}
	stmts := flagged
	if len(stmts) == 0 {
		stmts = all
	}
	r := &Record{
		ID: id, Date: date, Title: title,
		Timeline:   []Event{},
		RootCauses: make([]Why, 5),
	}
	var body strings.Builder
	fmt.Fprintf(&body, "# %s: %s\n\n## Summary\n\n<!-- What happened, to whom, for how long. -->\n\n", id, title)
	fmt.Fprintf(&body, "## Root-cause evidence\n\nqreview reviewed the query on %s PostgreSQL %s with production-sized data%s on %s",
		res.Database.Provider, res.Database.ServerVersion, rows(res.Database.Tables), date)
	if len(flagged) == 0 {
		body.WriteString("; it found nothing wrong with it on that data")
	}
	body.WriteString(".\n")
	fixes := map[string]bool{}
	for _, s := range stmts {
		q := Query{Name: s.Name, File: s.File, Fingerprint: s.Fingerprint, SQL: s.SQL, Plan: planLine(s.Plan)}
		where := fmt.Sprintf("%s:%d", s.File, s.Line)
		heading := "`" + where + "`"
		if s.Name != "" {
			heading = s.Name + " — " + heading
			where = s.Name + " (" + where + ")"
		}
		fmt.Fprintf(&body, "\n### %s\n\n```sql\n%s\n```\n\nFingerprint `%s`.", heading, strings.TrimRight(s.SQL, "\n"), s.Fingerprint)
		if q.Plan != "" {
			fmt.Fprintf(&body, " Plan: %s.", q.Plan)
		}
		body.WriteString("\n")
		if len(byStatement[s.ID]) > 0 {
			body.WriteString("\n")
		}
		for _, f := range byStatement[s.ID] {
			fmt.Fprintf(&body, "- **%s** `%s`: %s\n", f.Severity, f.Rule, f.Message)
			if f.Suggestion != "" {
				fmt.Fprintf(&body, "  - Fix: `%s`\n", f.Suggestion)
			}
			if !slices.Contains(q.Rules, f.Rule) {
				q.Rules = append(q.Rules, f.Rule)
			}
			for _, t := range findingTables(f, s) {
				if !slices.Contains(q.Tables, t) {
					q.Tables = append(q.Tables, t)
				}
			}
			what := fmt.Sprintf("Fix %s in %s: %s", f.Rule, where, f.Message)
			if f.Suggestion != "" {
				fix, _, _ := strings.Cut(f.Suggestion, " -- ") // the SQL without how it was verified
				what = "Apply the fix qreview verified: " + fix
			}
			if !fixes[what] {
				fixes[what] = true
				r.addItem(ActionItem{What: what})
			}
		}
		if len(q.Tables) == 0 {
			q.Tables = findingTables(report.Finding{}, s)
		}
		r.Queries = append(r.Queries, q)
	}
	r.addItem(ActionItem{What: "EXPLAIN every new query before deploy: qreview review gates every change on production-sized data", Guard: GuardReview})
	body.WriteString("\n## Timeline, five whys, impact\n\nIn the front matter above.\n\n## What went well\n\n## What went wrong\n")
	r.Body = []byte(body.String())
	return r, nil
}

func (r *Record) addItem(a ActionItem) {
	a.ID = fmt.Sprintf("A%d", len(r.ActionItems)+1)
	a.Status = "open"
	r.ActionItems = append(r.ActionItems, a)
}

// planLine is the plan in one line: its nodes and cost.
func planLine(p *report.PlanSummary) string {
	if p == nil || len(p.Nodes) == 0 {
		return ""
	}
	kind := ""
	if p.Generic {
		kind = ", generic plan"
	}
	return fmt.Sprintf("%s (cost %s%s)", strings.Join(p.Nodes, " → "), format.Count(p.TotalCost), kind)
}

func rows(tables []report.Table) string {
	var parts []string
	for _, t := range tables {
		parts = append(parts, fmt.Sprintf("%s %s", t.Name, format.Count(float64(t.Rows))))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (rows: " + strings.Join(parts, ", ") + ")"
}
