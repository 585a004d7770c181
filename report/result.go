// Package report turns a review into the JSON result (the contract other
// tools read, schema qreview/result/v1) and renders it for people.
package report

import (
	"sort"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/rules"
)

// SchemaV1 names the JSON result's schema. Fields are only ever added
// within v1.
const SchemaV1 = "qreview/result/v1"

// Result is the JSON result.
type Result struct {
	Schema     string      `json:"schema"`
	Tool       Tool        `json:"tool"`
	Database   Database    `json:"database"`
	Verdict    string      `json:"verdict"` // pass | fail
	FailOn     string      `json:"fail_on"`
	Statements []Statement `json:"statements"`
	Findings   []Finding   `json:"findings"`
	Summary    Summary     `json:"summary"`
	// Baselined are findings recorded in the baseline file: reported, but
	// not counted in the summary or the verdict.
	Baselined []Finding `json:"baselined,omitempty"`
	// Change says which migrations were taken as the change, and why.
	Change string `json:"change,omitempty"`
}

type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Database says what the plans were taken on.
type Database struct {
	Provider      string  `json:"provider"`
	Image         string  `json:"image,omitempty"`
	ServerVersion string  `json:"server_version"`
	ScaleProfile  string  `json:"scale_profile"`
	Tables        []Table `json:"tables,omitempty"` // seeded tables and their row counts
}

type Table struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

type Statement struct {
	ID          string       `json:"id"`
	File        string       `json:"file"`
	Line        int          `json:"line"`
	EndLine     int          `json:"end_line"`
	Kind        string       `json:"kind"`
	Name        string       `json:"name,omitempty"`
	Fingerprint string       `json:"fingerprint"`
	SQL         string       `json:"sql"`
	Plan        *PlanSummary `json:"plan"`
	Error       *string      `json:"error"`
	Migration   *Migration   `json:"migration,omitempty"` // a statement of the change, measured on the seeded database
}

// Migration is what applying a statement of the change showed.
type Migration struct {
	TookMS float64 `json:"took_ms"`
	Locks  []Lock  `json:"locks"`
	Note   string  `json:"note,omitempty"`
}

// Lock is a table lock a migration statement holds, and what it blocks.
type Lock struct {
	Table  string `json:"table"`
	Mode   string `json:"mode"`
	Blocks string `json:"blocks,omitempty"` // "reads and writes", "writes", or empty
}

// PlanSummary is the judged plan in brief; Nodes lists every node of the
// tree in depth-first order as EXPLAIN labels them.
type PlanSummary struct {
	TotalCost float64  `json:"total_cost"`
	PlanRows  float64  `json:"plan_rows"`
	ActualMS  *float64 `json:"actual_ms"`
	Generic   bool     `json:"generic"`
	Nodes     []string `json:"nodes"`
}

type Finding struct {
	Rule        string         `json:"rule"`
	Severity    string         `json:"severity"`
	Statement   string         `json:"statement"`
	File        string         `json:"file"`
	Line        int            `json:"line"`
	Message     string         `json:"message"`
	Suggestion  string         `json:"suggestion"`
	Evidence    map[string]any `json:"evidence"`
	Postmortems []string       `json:"postmortems"`
}

type Summary struct {
	Statements int `json:"statements"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Notices    int `json:"notices"`
	Baselined  int `json:"baselined,omitempty"`
}

// Review is what the pipeline hands the report: every statement, the
// plans and errors it got, and the findings.
type Review struct {
	Version    string
	Database   Database
	FailOn     rules.Severity
	Statements []*analyzer.Statement
	Plans      map[*analyzer.Statement]*explain.Plan
	Errors     map[*analyzer.Statement]error
	Findings   []rules.Finding
	Measured   map[*analyzer.Statement]explain.Measured
	Change     string
}

// Build makes the JSON result of a review.
func Build(r Review) *Result {
	res := &Result{
		Schema:     SchemaV1,
		Tool:       Tool{Name: "qreview", Version: r.Version},
		Database:   r.Database,
		Verdict:    "pass",
		FailOn:     string(r.FailOn),
		Statements: []Statement{},
		Findings:   []Finding{},
		Summary:    Summary{Statements: len(r.Statements)},
		Change:     r.Change,
	}
	for _, st := range r.Statements {
		s := Statement{ID: st.ID, File: st.File, Line: st.Line, EndLine: st.EndLine, Kind: string(st.Kind),
			Name: st.Name, Fingerprint: st.Fingerprint, SQL: st.SQL, Plan: summarize(r.Plans[st])}
		if err := r.Errors[st]; err != nil {
			msg := err.Error()
			s.Error = &msg
		}
		if m, ok := r.Measured[st]; ok {
			s.Migration = migration(m)
		}
		res.Statements = append(res.Statements, s)
	}
	for _, f := range r.Findings {
		res.Findings = append(res.Findings, Finding{
			Rule: f.Rule.ID, Severity: string(f.Severity), Statement: f.Statement.ID,
			File: f.Statement.File, Line: f.Statement.Line, Message: f.Message, Suggestion: f.Suggestion,
			Evidence: orEmpty(f.Evidence), Postmortems: []string{},
		})
		switch f.Severity {
		case rules.Error:
			res.Summary.Errors++
		case rules.Warning:
			res.Summary.Warnings++
		case rules.Notice:
			res.Summary.Notices++
		}
		if f.Severity.Rank() >= r.FailOn.Rank() {
			res.Verdict = "fail"
		}
	}
	return res
}

func migration(m explain.Measured) *Migration {
	out := &Migration{TookMS: float64(m.Took.Microseconds()) / 1000, Locks: []Lock{}, Note: m.Note}
	for table, mode := range m.Locks {
		out.Locks = append(out.Locks, Lock{Table: table, Mode: mode, Blocks: explain.LockBlocks(mode)})
	}
	sort.Slice(out.Locks, func(i, j int) bool { return out.Locks[i].Table < out.Locks[j].Table })
	return out
}

func summarize(p *explain.Plan) *PlanSummary {
	if p == nil {
		return nil
	}
	s := &PlanSummary{TotalCost: p.Root.TotalCost, PlanRows: p.Root.PlanRows, Generic: p.Generic, Nodes: []string{}}
	if p.Analyzed {
		ms := p.ExecutionMS
		s.ActualMS = &ms
	}
	for _, n := range p.Nodes() {
		s.Nodes = append(s.Nodes, n.Label())
	}
	return s
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
