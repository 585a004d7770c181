package postmortem

import (
	"bytes"
	"strings"
	"testing"

	"github.com/qreview/qreview/report"
	"github.com/sethvargo/go-githubactions"
)

// paymentsResult is a real result: qreview review testdata/payments
// --format json, with its one error, seq-scan-large-table on
// ListPendingPayments (S13).
func paymentsResult(t *testing.T) *report.Result {
	t.Helper()
	r, err := report.ReadResultFile("../report/testdata/payments.result.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Rule != "seq-scan-large-table" {
		t.Fatalf("the recorded result has findings %+v", r.Findings)
	}
	return r
}

// record is a minimal record that implicates q.
func record(t *testing.T, q string) *Record {
	t.Helper()
	r, err := Parse("pm.md", []byte("---\nid: PM-X\ndate: 2025-01-01\ntitle: x\nimpact: {summary: it broke}\nqueries:\n"+q+"---\n"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// slowPlan adds the timing warning the payments example gets on a slow
// machine: a finding of another rule on the same statement, with no table
// in its evidence.
func slowPlan(r *report.Result) *report.Finding {
	f := r.Findings[0]
	r.Findings = append(r.Findings, report.Finding{Rule: "slow-plan", Severity: "warning", Statement: f.Statement, File: f.File, Line: f.Line,
		Message: "estimated at 218 ms on production-sized data (max-ms 200)", Evidence: map[string]any{"estimated_ms": 218.0}, Postmortems: []string{}})
	r.Summary.Warnings++
	return &r.Findings[1]
}

func TestLinkByFingerprint(t *testing.T) {
	res := paymentsResult(t)
	warning := slowPlan(res)
	if n := Link(res, []*Record{readRecord(t, bundled)}); n != 1 {
		t.Errorf("linked %d findings, want 1", n)
	}
	f := res.Findings[0]
	want := "this query shape caused PM-2025-12-05: payments failed for 30 min (" + bundled + ")"
	if len(f.Postmortems) != 1 || f.Postmortems[0] != "PM-2025-12-05" || len(f.Citations) != 1 || f.Citations[0] != want {
		t.Errorf("finding cites %v: %q, want %q", f.Postmortems, f.Citations, want)
	}
	// The bundled record names seq-scan-large-table: the timing warning on
	// the same query is not what caused the outage.
	if len(warning.Postmortems) != 0 || warning.Severity != "warning" {
		t.Errorf("slow-plan linked: %+v", warning)
	}
	if res.Summary.Errors != 1 || res.Summary.Warnings != 1 || res.Verdict != "fail" {
		t.Errorf("summary %+v, verdict %s", res.Summary, res.Verdict)
	}

	// A record naming the shape without rules takes every finding on it,
	// and a linked warning becomes an error that fails the gate.
	res = paymentsResult(t)
	slowPlan(res)
	res.Findings = res.Findings[1:] // the warning alone
	res.Summary.Errors, res.Verdict = 0, "pass"
	// And what payments-fixed reports on the same shape: a notice, which
	// such a record leaves alone.
	improved := res.Findings[0]
	improved.Rule, improved.Severity, improved.Message = "plan-regression", "notice", "plan improved after the change's ANALYZE"
	res.Findings = append(res.Findings, improved)
	res.Summary.Notices++
	warning, notice := &res.Findings[0], &res.Findings[1]
	Link(res, []*Record{record(t, "  - fingerprint: c9f8db4c1eb0baa5\n")})
	if warning.Severity != "error" || len(warning.Citations) != 1 || !strings.HasSuffix(warning.Citations[0], "(pm.md); raised from warning to error") {
		t.Errorf("warning on the shape: %s %q", warning.Severity, warning.Citations)
	}
	if notice.Severity != "notice" || len(notice.Postmortems) != 0 {
		t.Errorf("notice on the shape linked: %+v", notice)
	}
	if res.Summary.Errors != 1 || res.Summary.Warnings != 0 || res.Summary.Notices != 1 || res.Verdict != "fail" {
		t.Errorf("summary %+v, verdict %s after escalating", res.Summary, res.Verdict)
	}
}

func TestLinkByTableAndRule(t *testing.T) {
	// Another query shape: only the table and the rule can match.
	for _, tt := range []struct {
		name, query string
		want        string // citation prefix; "" for no link
	}{
		{"table and rule", "  - tables: [orders, payments]\n    rules: [seq-scan-large-table]\n", "seq-scan-large-table on payments caused PM-X: it broke (pm.md)"},
		{"same table, other rule", "  - tables: [payments]\n    rules: [slow-plan, unbounded-select]\n", ""},
		{"same rule, other table", "  - tables: [orders]\n    rules: [seq-scan-large-table]\n", ""},
		{"same shape, other rule", "  - fingerprint: c9f8db4c1eb0baa5\n    rules: [slow-plan]\n", ""},
		{"other shape", "  - fingerprint: 0123456789abcdef\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := paymentsResult(t)
			Link(res, []*Record{record(t, tt.query)})
			f := res.Findings[0]
			got := strings.Join(f.Citations, "; ")
			if got != tt.want || (tt.want == "") != (len(f.Postmortems) == 0) {
				t.Errorf("citations %q, postmortems %v; want %q", got, f.Postmortems, tt.want)
			}
		})
	}
	// A finding whose evidence names no table is matched on the tables
	// its statement reads, from its SQL.
	res := paymentsResult(t)
	warning := slowPlan(res)
	Link(res, []*Record{record(t, "  - tables: [payments]\n    rules: [slow-plan]\n")})
	if len(warning.Citations) != 1 || !strings.HasPrefix(warning.Citations[0], "slow-plan on payments caused PM-X") || len(res.Findings[0].Postmortems) != 0 {
		t.Errorf("slow-plan: %q; seq scan: %v", warning.Citations, res.Findings[0].Postmortems)
	}
}

// The citation reaches every output format.
func TestCitationInEveryFormat(t *testing.T) {
	res := paymentsResult(t)
	Link(res, []*Record{readRecord(t, bundled)})
	const cite = "this query shape caused PM-2025-12-05: payments failed for 30 min"
	var text, md, sarif, gh, js bytes.Buffer
	if err := report.Text(&text, res); err != nil {
		t.Fatal(err)
	}
	if err := report.Markdown(&md, res, report.MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := report.SARIF(&sarif, res); err != nil {
		t.Fatal(err)
	}
	report.Annotations(githubactions.New(githubactions.WithWriter(&gh), githubactions.WithGetenv(func(string) string { return "" })), res, "")
	if err := report.JSON(&js, res); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{
		"text":     text.String(),
		"markdown": md.String(),
		"sarif":    sarif.String(),
		"github":   gh.String(),
		"json":     js.String(),
	} {
		if !strings.Contains(out, cite) {
			t.Errorf("%s output does not cite the postmortem:\n%s", name, out)
		}
	}
	if !strings.Contains(text.String(), "    postmortem: "+cite) || !strings.Contains(js.String(), `"postmortems": [
        "PM-2025-12-05"
      ]`) {
		t.Errorf("text:\n%s\njson:\n%s", text.String(), js.String())
	}
}
