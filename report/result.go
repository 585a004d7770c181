// Package report turns a review into the JSON result (the contract other
// tools read, schema qreview/result/v1) and renders it for people.
package report

import (
	"fmt"
	"sort"
	"strings"

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
	// Approved are findings on statements a DBA approved (approval.go):
	// reported with who, when and why, not counted.
	Approved []Finding `json:"approved,omitempty"`
	// Approvals are the approvals that match a reviewed statement, in force
	// or expired.
	Approvals []Approval `json:"approvals,omitempty"`
	// Rollbacks are the change's migrations and their down/undo parts.
	Rollbacks []Rollback `json:"rollbacks,omitempty"`
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
	// Size says where the row count came from: "profile" (scale:),
	// "assumed" (no profile at all: scale-default-rows), "unsized" (the
	// profile leaves the table out: what the migrations gave it).
	Size string `json:"size,omitempty"`
	Note string `json:"note,omitempty"` // why a table is unsized, and the profile key that sizes it
}

// SizeNote says which table sizes the plans rest on without a profile
// behind them; "" when the profile sized every table.
func SizeNote(tables []Table) string {
	var assumed, unsized []string
	for _, t := range tables {
		switch t.Size {
		case "assumed":
			assumed = append(assumed, t.Name)
		case "unsized":
			unsized = append(unsized, t.Name)
		}
	}
	var parts []string
	if len(assumed) > 0 {
		parts = append(parts, fmt.Sprintf("assumed sizes, no scale: profile (%s): set scale: to production's sizes", strings.Join(assumed, ", ")))
	}
	if len(unsized) > 0 {
		parts = append(parts, fmt.Sprintf("unsized, left out of scale: (%s): rows from the migrations only", strings.Join(unsized, ", ")))
	}
	return strings.Join(parts, "; ")
}

type Statement struct {
	ID          string       `json:"id"`
	File        string       `json:"file"`
	Line        int          `json:"line"`
	EndLine     int          `json:"end_line"`
	Kind        string       `json:"kind"`
	Name        string       `json:"name,omitempty"`
	Fingerprint string       `json:"fingerprint"`
	SQL         string       `json:"sql"`                   // as the file says it
	PlannedSQL  string       `json:"planned_sql,omitempty"` // what was planned, when it differs (sqlc's @name → $n)
	ParamNames  []string     `json:"param_names,omitempty"` // index n-1 names $n; "" for a $n written as such
	NameLine    int          `json:"name_line,omitempty"`   // the line of the header that names the query
	Plan        *PlanSummary `json:"plan"`
	Error       *string      `json:"error"`
	Migration   *Migration   `json:"migration,omitempty"` // a statement of the change, measured on the seeded database
	// A parameterized query's plans: generic, and custom for each value
	// set, and the plan cache's choice between them (plans.go). Plan is
	// the one production runs (for custom plans: the typical value's).
	Plans     []PlanSummary        `json:"plans,omitempty"`
	PlanCache *explain.CacheChoice `json:"plan_cache,omitempty"`
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
	TotalCost float64   `json:"total_cost"`
	PlanRows  float64   `json:"plan_rows"`
	ActualMS  *float64  `json:"actual_ms"`
	Generic   bool      `json:"generic"`
	Nodes     []string  `json:"nodes"`
	Tree      *PlanNode `json:"tree,omitempty"` // the whole tree, for the HTML report (plantree.go)

	// Of a parameterized query's plans (statements[].plans): which plan
	// ("generic plan", "custom plan for the rare value ($1='closed')"),
	// the values, and whether production runs it (plans.go).
	Label  string       `json:"label,omitempty"`
	Values []ParamValue `json:"values,omitempty"`
	Runs   *bool        `json:"runs,omitempty"`
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
	// Citations say, for people, why each of Postmortems is cited ("this
	// query shape caused PM-2025-12-05: payments failed for 30 min (file)").
	Citations []string  `json:"citations,omitempty"`
	Approval  *Approval `json:"approval,omitempty"` // approved, or an approval that expired
	// Plan names the plan it was found in; PlanCache says in one line
	// which plan the plan cache runs and why (parameterized queries).
	Plan      string `json:"plan,omitempty"`
	PlanCache string `json:"plan_cache,omitempty"`
}

type Summary struct {
	Statements int `json:"statements"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Notices    int `json:"notices"`
	Baselined  int `json:"baselined,omitempty"`
	Approved   int `json:"approved,omitempty"`
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
	Judged     map[*analyzer.Statement]*explain.Judged // every plan of each query (nil: Plans only)
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
			Name: st.Name, Fingerprint: st.Fingerprint, SQL: st.SQL, Plan: summarize(r.Plans[st]), ParamNames: st.ParamNames}
		if st.Text != "" && st.Text != st.SQL {
			s.SQL, s.PlannedSQL = st.Text, st.SQL
		}
		if st.Header != nil {
			s.NameLine = st.Header.Line
		}
		if err := r.Errors[st]; err != nil {
			msg := err.Error()
			s.Error = &msg
		}
		if m, ok := r.Measured[st]; ok {
			s.Migration = migration(m)
		}
		s.Plans, s.PlanCache = judgedPlans(r.Judged[st])
		res.Statements = append(res.Statements, s)
	}
	for _, f := range r.Findings {
		res.Findings = append(res.Findings, Finding{
			Rule: f.Rule.ID, Severity: string(f.Severity), Statement: f.Statement.ID,
			File: f.Statement.File, Line: f.Statement.Line, Message: f.Message, Suggestion: f.Suggestion,
			Evidence: orEmpty(f.Evidence), Postmortems: []string{}, Plan: f.Plan, PlanCache: f.PlanCache,
		})
	}
	res.Recount()
	return res
}

// Recount makes the summary and the verdict those of the findings, after
// the baseline, approvals or postmortem links moved or re-levelled some.
func (r *Result) Recount() {
	r.Summary.Errors, r.Summary.Warnings, r.Summary.Notices = 0, 0, 0
	r.Verdict = "pass"
	failOn := rules.Severity(r.FailOn)
	for _, f := range r.Findings {
		switch rules.Severity(f.Severity) {
		case rules.Error:
			r.Summary.Errors++
		case rules.Warning:
			r.Summary.Warnings++
		case rules.Notice:
			r.Summary.Notices++
		}
		if rules.Severity(f.Severity).Rank() >= failOn.Rank() {
			r.Verdict = "fail"
		}
	}
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
	s := brief(p)
	s.Tree = planTree(p.Root, p.Analyzed)
	return s
}

// brief is a plan's summary without its tree.
func brief(p *explain.Plan) *PlanSummary {
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
