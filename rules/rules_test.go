package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
)

// Table sizes of the cluster the plans in explain/testdata/plans were
// recorded on (PostgreSQL 15, after ANALYZE).
var recordedTables = map[string]explain.Table{
	"payments":   {Name: "payments", Rows: 1_000_000},
	"currencies": {Name: "currencies", Rows: 50},
}

func input(t *testing.T, plan string) *Input {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../explain/testdata/plans", plan+".json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := explain.ParsePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	return &Input{Statement: &analyzer.Statement{ID: "S1", File: "q.sql", Line: 1}, Plan: p, Tables: recordedTables}
}

func check(t *testing.T, cfg map[string]Config, in *Input) []Finding {
	t.Helper()
	set, err := Configure(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return set.Check(in)
}

func messages(fs []Finding, rule string) []string {
	var out []string
	for _, f := range fs {
		if f.Rule.ID == rule {
			out = append(out, string(f.Severity)+": "+f.Message)
		}
	}
	return out
}

func TestSeqScanLargeTable(t *testing.T) {
	tests := []struct {
		plan string
		want []string
	}{
		{"parallel_seq_scan_under_limit", []string{"error: Parallel Seq Scan on payments reads ~1,000,000 rows to return ~10,166"}},
		{"seq_scan_in_subplan", []string{"error: Seq Scan on payments reads ~1,000,000 rows to return ~500,000"}},
		{"seq_scan_in_cte", []string{"error: Parallel Seq Scan on payments reads ~1,000,000 rows to return ~10,166"}},
		{"seq_scan_in_initplan", []string{"error: Parallel Seq Scan on payments reads ~1,000,000 rows to return ~2"}},
		{"index_scan", nil},
		{"small_table_seq_scan", nil}, // 50 rows: reading them all is fine
	}
	for _, tt := range tests {
		got := messages(check(t, nil, input(t, tt.plan)), "seq-scan-large-table")
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tt.plan, got, tt.want)
		}
	}
}

func TestSeqScanFindingCarriesEvidenceAndSuggestion(t *testing.T) {
	fs := check(t, nil, input(t, "parallel_seq_scan_under_limit"))
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if f.Evidence["table"] != "payments" || f.Evidence["estimated_rows"] != 1_000_000.0 || f.Evidence["filter"] != "(status = 'pending'::text)" {
		t.Errorf("evidence %v", f.Evidence)
	}
	if !strings.Contains(f.Suggestion, "(status = 'pending'::text)") {
		t.Errorf("suggestion %q does not name the filter", f.Suggestion)
	}
	if f.Statement.ID != "S1" || f.Rule != Lookup("seq-scan-large-table") {
		t.Errorf("finding not tied to its statement and rule: %+v", f)
	}
}

func TestConfigReLevelsAndTunesRules(t *testing.T) {
	off := false
	in := input(t, "parallel_seq_scan_under_limit")
	if got := messages(check(t, map[string]Config{"seq-scan-large-table": {Options: map[string]float64{"min-rows": 2_000_000}}}, in), "seq-scan-large-table"); got != nil {
		t.Errorf("min-rows 2,000,000 still flags a 1,000,000-row table: %v", got)
	}
	if got := messages(check(t, map[string]Config{"seq-scan-large-table": {Severity: "warning"}}, in), "seq-scan-large-table"); len(got) != 1 || !strings.HasPrefix(got[0], "warning:") {
		t.Errorf("severity warning: got %v", got)
	}
	if got := messages(check(t, map[string]Config{"seq-scan-large-table": {Enabled: &off}}, in), "seq-scan-large-table"); got != nil {
		t.Errorf("disabled rule still reports: %v", got)
	}
	if got := messages(check(t, map[string]Config{"plan-cost": {Options: map[string]float64{"max-cost": 1000}}}, in), "plan-cost"); len(got) != 1 ||
		!strings.Contains(got[0], "most of it in Parallel Seq Scan on payments") {
		t.Errorf("plan-cost with max-cost 1,000: %v", got)
	}
	if got := messages(check(t, map[string]Config{"seq-scan-large-table": {Tables: map[string]Table{"payments": {Enabled: &off}}}}, in), "seq-scan-large-table"); got != nil {
		t.Errorf("seq scan of payments reported though payments is exempted: %v", got)
	}
	if got := messages(check(t, map[string]Config{"seq-scan-large-table": {Tables: map[string]Table{"payments": {Severity: "notice"}, "other": {Enabled: &off}}}}, in), "seq-scan-large-table"); len(got) != 1 || !strings.HasPrefix(got[0], "notice:") {
		t.Errorf("per-table severity notice: got %v", got)
	}
	if got := messages(check(t, nil, in), "plan-cost"); got != nil {
		t.Errorf("plan-cost flags a cost under the default max-cost: %v", got)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		cfg  map[string]Config
		want string
	}{
		{map[string]Config{"seq-scan-large-tabel": {}}, "rules.seq-scan-large-tabel: unknown rule"},
		{map[string]Config{"plan-cost": {Options: map[string]float64{"min-rows": 1}}}, "rules.plan-cost.min-rows: unknown option (known: enabled, severity, max-cost)"},
		{map[string]Config{"plan-cost": {Severity: "fatal"}}, `rules.plan-cost.severity: severity "fatal"`},
	}
	for _, tt := range tests {
		if _, err := Configure(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Configure(%v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestSQLErrorCarriesTheServerMessage(t *testing.T) {
	in := &Input{Statement: &analyzer.Statement{ID: "S2"}, Err: errors.New(`column "nope" does not exist`)}
	if got := messages(check(t, nil, in), "sql-error"); len(got) != 1 || got[0] != `error: column "nope" does not exist` {
		t.Errorf("got %v", got)
	}
}

func TestEveryRuleIsDocumented(t *testing.T) {
	for _, r := range All() {
		if r.Summary == "" || len(r.Doc) < 100 || r.Severity.Rank() == 0 || r.Check == nil {
			t.Errorf("rule %s lacks a summary, a doc, a severity or a check", r.ID)
		}
		if strings.ToLower(r.ID) != r.ID || strings.ContainsAny(r.ID, " _") {
			t.Errorf("rule ID %q is not kebab-case", r.ID)
		}
	}
}
