package report

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qreview/qreview/explain"
)

// recordedPlans are the real plans in explain/testdata/plans, by name.
func recordedPlans(tb testing.TB) map[string]*explain.Plan {
	tb.Helper()
	files, err := filepath.Glob("../explain/testdata/plans/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no recorded plans: %v", err)
	}
	plans := map[string]*explain.Plan{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		p, err := explain.ParsePlan(data)
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		plans[strings.TrimSuffix(filepath.Base(f), ".json")] = p
	}
	return plans
}

// planResult is a result of one query statement with the recorded plan
// name and the findings given.
func planResult(tb testing.TB, name string, findings ...Finding) *Result {
	tb.Helper()
	p := recordedPlans(tb)[name]
	if p == nil {
		tb.Fatalf("no recorded plan %s", name)
	}
	r := &Result{
		Schema: SchemaV1, Tool: Tool{Name: "qreview", Version: "test"}, Verdict: "pass", FailOn: "error",
		Database: Database{Provider: "local", ServerVersion: "15.18", ScaleProfile: "sha256:" + strings.Repeat("0", 64)},
		Statements: []Statement{{ID: "S1", File: "q.sql", Line: 1, EndLine: 3, Kind: "query", Name: name,
			Fingerprint: "0123456789abcdef", SQL: "SELECT 1", Plan: summarize(p)}},
		Findings: findings, Summary: Summary{Statements: 1},
	}
	for _, f := range findings {
		if f.Severity == "error" {
			r.Verdict = "fail"
			r.Summary.Errors++
		}
	}
	return r
}

func renderHTML(t *testing.T, r *Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The tree shows every node of the plan, nested as EXPLAIN nests them:
// the labels in document order are the plan's depth-first walk, and each
// label sits inside as many node elements as it has ancestors (one more
// when it has a body of its own to expand).
func TestHTMLShowsTheWholePlanTree(t *testing.T) {
	token := regexp.MustCompile(`<details class="node|<details class="more"|</details>|<span class="name">(?:<span class="rel">[^<]*</span>)?<b>([^<]*)</b>`)
	for name, p := range recordedPlans(t) {
		out := renderHTML(t, planResult(t, name))
		type at struct {
			label string
			depth int
		}
		var got, want []at
		var stack []bool // open <details>: true for plan nodes
		for _, m := range token.FindAllStringSubmatch(out, -1) {
			switch {
			case m[0] == "</details>":
				if len(stack) == 0 {
					t.Fatalf("%s: </details> closes nothing", name)
				}
				stack = stack[:len(stack)-1]
			case strings.HasPrefix(m[0], "<details"):
				stack = append(stack, strings.Contains(m[0], "node"))
			default:
				depth := 0
				for _, node := range stack {
					if node {
						depth++
					}
				}
				got = append(got, at{html.UnescapeString(m[1]), depth})
			}
		}
		if len(stack) != 0 {
			t.Errorf("%s: %d <details> left open", name, len(stack))
		}
		p.Walk(func(n *explain.Node, ancestors []*explain.Node) {
			depth := len(ancestors)
			if len(n.Plans) > 0 || n.IndexCond != "" || n.Filter != "" || len(n.SortKey) > 0 || n.RowsRemovedByFilter > 0 || n.JoinType != "" {
				depth++
			}
			want = append(want, at{n.Label(), depth})
		})
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: nodes in the HTML (label, nesting)\n%v\nwant the plan's walk\n%v", name, got, want)
		}
	}
}

// The costly node is marked and shown open, with the rule that flagged
// it; a cheap sibling subtree stays collapsed.
func TestHTMLMarksAndOpensTheExpensiveNode(t *testing.T) {
	r := planResult(t, "parallel_seq_scan_under_limit", Finding{Rule: "seq-scan-large-table", Severity: "error", Statement: "S1",
		File: "q.sql", Line: 1, Message: "Parallel Seq Scan on payments reads ~1,000,000 rows",
		Evidence: map[string]any{"node": "Parallel Seq Scan on payments"}})
	view := newHTMLPage(r).Flagged[0].Tree
	var scan *htmlNode
	var walk func(v *htmlNode, path []*htmlNode)
	walk = func(v *htmlNode, path []*htmlNode) {
		if v.Label == "Parallel Seq Scan on payments" {
			scan = v
			for _, a := range path {
				if !a.Open {
					t.Errorf("%s, above the flagged scan, is collapsed", a.Label)
				}
			}
		}
		for _, c := range v.Children {
			walk(c, append(path, v))
		}
	}
	walk(view, nil)
	if scan == nil {
		t.Fatal("no Parallel Seq Scan on payments in the tree")
	}
	if !scan.Expensive || scan.CostShare < 50 || len(scan.Flags) != 1 || scan.Flags[0] != "seq-scan-large-table" {
		t.Errorf("scan: expensive %v, cost share %.1f%%, flags %v; want expensive, most of the cost, flagged by seq-scan-large-table",
			scan.Expensive, scan.CostShare, scan.Flags)
	}
	out := renderHTML(t, r)
	if !strings.Contains(out, `<b>Parallel Seq Scan on payments</b><span class="tag hot"`) ||
		!strings.Contains(out, `<span class="tag flag">seq-scan-large-table</span>`) {
		t.Errorf("the scan's row lacks the expensive and rule tags")
	}

	// A primary-key lookup's only node is all of its plan, but cheap: not
	// expensive, and nothing to open it for.
	small := newHTMLPage(planResult(t, "index_scan")).Others[0].Tree
	if small.Expensive || small.Open || small.CostShare != 100 {
		t.Errorf("index scan: expensive %v, open %v, share %.1f; want a collapsed cheap node with the whole cost", small.Expensive, small.Open, small.CostShare)
	}
}

// Under EXPLAIN ANALYZE the tree carries actual rows, loops and time, the
// time shares add up to the whole, and a misestimate is called out.
func TestHTMLShowsActualRowsAndTime(t *testing.T) {
	r := planResult(t, "analyze_misestimate")
	tree := newHTMLPage(r).Others[0].Tree
	if tree.ActualTotalMS == nil || tree.TimeShare < 0 {
		t.Fatalf("root of an analyzed plan has no actual time (%v) or time share (%v)", tree.ActualTotalMS, tree.TimeShare)
	}
	var total float64
	var off []string
	var walk func(v *htmlNode)
	walk = func(v *htmlNode) {
		total += v.TimeShare
		if v.Misestimate != "" {
			off = append(off, v.Label+": "+v.Misestimate)
		}
		for _, c := range v.Children {
			walk(c)
		}
	}
	walk(tree)
	if total < 99.5 || total > 100.5 {
		t.Errorf("time shares add up to %.2f%%, want 100%%", total)
	}
	if len(off) == 0 {
		t.Errorf("no node of the misestimate plan is marked as misestimated")
	}
	out := renderHTML(t, r)
	if !strings.Contains(out, "Rows est. / actual") || !strings.Contains(out, "share of time") || !strings.Contains(out, `class="bar time"`) {
		t.Errorf("the analyzed plan's table has no actual rows or time bars")
	}
	// A plan that was not analyzed has no time bars.
	if out := renderHTML(t, planResult(t, "index_scan")); strings.Contains(out, `class="bar time"`) {
		t.Errorf("an estimated plan shows time bars")
	}
}

// Everything the report shows from the result is escaped: SQL, messages,
// plan conditions. Nothing in it can run or load anything.
func TestHTMLEscapesWhatItShows(t *testing.T) {
	r := planResult(t, "index_scan", Finding{Rule: "plan-cost", Severity: "warning", Statement: "S1", File: "q.sql", Line: 1,
		Message: `<img src=x onerror=alert(1)>`, Suggestion: `</p><script>alert(2)</script>`, Evidence: map[string]any{}})
	r.Statements[0].SQL = "SELECT '</code></pre><script>alert(3)</script>' -- <b>\nFROM t"
	r.Statements[0].Name = `<svg onload=alert(4)>`
	r.Statements[0].Plan.Tree.Filter = `(a < '<script>alert(5)</script>')`
	r.Database.Tables = []Table{{Name: `<iframe src="http://evil">`, Rows: 1}}
	out := renderHTML(t, r)
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "<iframe", "<b>\n"} {
		if strings.Contains(out, bad) {
			t.Errorf("the report holds %q unescaped", bad)
		}
	}
	if strings.Count(out, "<script>") != 1 {
		t.Errorf("%d <script> elements, want the report's own one", strings.Count(out, "<script>"))
	}
}

// One file with nothing to fetch: no external scripts, styles, images or
// fonts, and a Content-Security-Policy that would block them anyway.
func TestHTMLIsSelfContained(t *testing.T) {
	out := renderHTML(t, payments(t))
	for _, ref := range []string{"<script src", "<link rel=\"stylesheet\"", "@import", "url(", "<img", "<iframe", "@font-face"} {
		if strings.Contains(out, ref) {
			t.Errorf("the report refers to an external asset: %q", ref)
		}
	}
	if !strings.Contains(out, `content="default-src 'none';`) {
		t.Errorf("no Content-Security-Policy denying what is not inline")
	}
	if !strings.Contains(out, "@media print") || !strings.Contains(out, "beforeprint") {
		t.Errorf("no print stylesheet or print handler")
	}
}

// What the DBA sees first: the verdict with its counts, the database with
// its seeded tables, the findings; then the change's timings and locks,
// the statements with findings and their proven index, the others, and
// the sign-off. Expectations come from the result, which is regenerated
// as the review grows.
func TestHTMLPaymentsReport(t *testing.T) {
	r := payments(t)
	out := renderHTML(t, r)
	f := r.Findings[outage(t, r)]
	var migration Statement
	for _, s := range r.Statements {
		if s.Migration != nil && len(s.Migration.Locks) > 0 {
			migration = s
		}
	}
	flagged := map[string]bool{}
	for _, f := range r.Findings {
		flagged[f.Statement] = true
	}
	lock := migration.Migration.Locks[0]
	order := []string{
		`<div class="mark">FAIL</div>`,
		fmt.Sprintf("<b>%s</b>, <b>%s</b>, <b>%s</b> in %s; the gate fails on error and above.",
			plural(r.Summary.Errors, "error"), plural(r.Summary.Warnings, "warning"), plural(r.Summary.Notices, "notice"), plural(r.Summary.Statements, "statement")),
		"<dt>PostgreSQL</dt><dd>" + r.Database.ServerVersion + "</dd>",
		fmt.Sprintf(`<td>payments</td><td class="num">%s</td>`, countOf(r.Database.Tables[0].Rows)),
		`<a href="#` + f.Statement + `">ListPendingPayments</a>`,
		"The change, applied to the seeded database",
		fmt.Sprintf(`<code>%s</code> on %s <span class="blocks">blocks %s</span>`, lock.Mode, lock.Table, lock.Blocks),
		`<article class="stmt error" id="` + f.Statement + `">`,
		`CREATE</span> <span class="k">INDEX</span> <span class="k">CONCURRENTLY</span> <span class="k">ON</span> payments (status, created_at)`,
		fmt.Sprintf("Plan cost %s → %s", countOf(f.Evidence["cost_before"]), countOf(f.Evidence["cost_after"])),
		fmt.Sprintf("Other statements (%d)", len(r.Statements)-len(flagged)),
		`<details class="more"><summary>`,
		"Sign-off",
		`<input type="text" id="so-name"`,
	}
	at := 0
	for _, want := range order {
		i := strings.Index(out[at:], want)
		if i < 0 {
			t.Fatalf("after byte %d the report lacks %q", at, want)
		}
		at += i + len(want)
	}
}

// A field the result does not have renders nothing: no empty change,
// baseline or approvals section.
func TestHTMLLeavesOutWhatIsAbsent(t *testing.T) {
	r := planResult(t, "index_scan")
	out := renderHTML(t, r)
	for _, absent := range []string{"The change, applied", "Recorded in the baseline", "Approvals on record", "Findings approved", "Postmortem:", "(generic)", "<table class=\"tables\">"} {
		if strings.Contains(out, absent) {
			t.Errorf("the report shows %q for a result without it", absent)
		}
	}
	for _, present := range []string{`<div class="mark">PASS</div>`, "No findings.", "Sign-off", "Statements (1)"} {
		if !strings.Contains(out, present) {
			t.Errorf("the report lacks %q", present)
		}
	}
}

func TestHTMLListsApprovalsInTheSignOff(t *testing.T) {
	f := Finding{Rule: "seq-scan-large-table", Severity: "error", Statement: "S1", File: "q.sql", Line: 1, Message: "reads it all",
		Evidence: map[string]any{}, Approval: &Approval{Fingerprint: "0123456789abcdef", By: "dba@example.com", Reason: "nightly batch", Approved: "2026-01-05", Expires: "2026-06-30", Status: ApprovalInForce}}
	r := planResult(t, "index_scan")
	r.Approved = []Finding{f}
	r.Approvals = []Approval{*f.Approval}
	r.Approvals[0].Statements = []string{"S1"}
	r.Summary.Approved = 1
	out := renderHTML(t, r)
	signoff := out[strings.Index(out, `<section id="signoff"`):]
	for _, want := range []string{"Approvals on record", "dba@example.com", "2026-01-05", "2026-06-30", "nightly batch", "in force: not counted", "Findings approved (not counted)", `<a href="#S1">index_scan</a>`} {
		if !strings.Contains(signoff, want) {
			t.Errorf("the sign-off lacks %q", want)
		}
	}
	if !strings.Contains(out, "1 finding approved by a DBA not counted.") {
		t.Errorf("the verdict does not say that a finding was approved")
	}
}

// A parameterized query's other plans are listed in brief, the one
// production runs marked; a finding in another plan says which, and does
// not mark the tree of the plan shown.
func TestHTMLShowsTheOtherPlans(t *testing.T) {
	rare := "custom plan for the rare value ($1='closed')"
	r := planResult(t, "parallel_seq_scan_under_limit",
		Finding{Rule: "seq-scan-large-table", Severity: "error", Statement: "S1", File: "q.sql", Line: 1, Message: "reads it all",
			Plan: "generic plan", Evidence: map[string]any{"node": "Parallel Seq Scan on payments"}},
		Finding{Rule: "nested-loop-large-outer", Severity: "warning", Statement: "S1", File: "q.sql", Line: 1, Message: "loops a lot",
			Plan: rare, Evidence: map[string]any{"outer": "Limit"}})
	yes, no := true, false
	main := *r.Statements[0].Plan
	main.Tree, main.Label, main.Runs = nil, "generic plan", &yes
	r.Statements[0].Plans = []PlanSummary{main, {TotalCost: 12.5, PlanRows: 3, Nodes: []string{"Limit", "Index Scan using x on payments"}, Label: rare, Runs: &no}}
	r.Statements[0].PlanCache = &explain.CacheChoice{Reason: "runs the generic plan: its cost is below the custom plans' average"}
	out := renderHTML(t, r)
	for _, want := range []string{
		"<b>Plans for its parameter values</b>: runs the generic plan: its cost is below the custom plans&#39; average",
		`generic plan <span class="tag runs">production runs it</span> <span class="muted">(the tree above)</span>`,
		"custom plan for the rare value ($1=&#39;closed&#39;)</td>",
		"Limit → Index Scan using x on payments",
		"loops a lot <span class=\"muted\">(in the custom plan for the rare value ($1=&#39;closed&#39;))</span>",
		`<span class="tag flag">seq-scan-large-table</span>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if strings.Contains(out, `<span class="tag flag">nested-loop-large-outer</span>`) {
		t.Errorf("a finding in another plan marks a node of the plan shown")
	}
}

func TestHighlightSQL(t *testing.T) {
	sql := "-- name: X\nSELECT id, status FROM payments WHERE status = 'pending' AND id > $1 LIMIT 10 /* c */"
	got := string(highlightSQL(sql))
	for _, want := range []string{
		`<span class="c">-- name: X</span>`, `<span class="k">SELECT</span>`, `<span class="s">&#39;pending&#39;</span>`,
		`<span class="p">$1</span>`, `<span class="n">10</span>`, `<span class="c">/* c */</span>`, ` status `,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("highlighted SQL lacks %s:\n%s", want, got)
		}
	}
	// Lower-case "status" is a column here, not the keyword.
	if strings.Contains(got, `<span class="k">status</span>`) {
		t.Errorf("a column named status is marked as a keyword")
	}
	// Markup taken off, the SQL is as it was, also where the scanner fails.
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, in := range []string{sql, "SELECT 'unterminated", "SELECT $$a<b>$$, E'\\x41' -- ü\n", "SELECT \"Weird \"\"id\"\"\" FROM t"} {
		if back := html.UnescapeString(tags.ReplaceAllString(string(highlightSQL(in)), "")); back != in {
			t.Errorf("highlighting changed the SQL:\n%q\nbecame\n%q", in, back)
		}
	}
}

func TestReadResult(t *testing.T) {
	data, err := os.ReadFile("testdata/payments.result.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadResult("r.json", data); err != nil {
		t.Fatalf("the payments result: %v", err)
	}
	bad := strings.Replace(string(data), `"kind": "query"`, `"kind": "view"`, 1)
	tests := map[string]struct{ in, want string }{
		"not JSON":       {"{\n  \"schema\": 1,\n}", "r.json:3:1: not JSON"},
		"another schema": {`{"version": "2.1.0", "runs": []}`, `r.json: not a qreview result: its "schema" is missing, want "qreview/result/v1"`},
		"a baseline":     {`{"schema": "qreview/baseline/v1"}`, `its "schema" is "qreview/baseline/v1"`},
		"invalid":        {bad, "r.json: not a valid qreview/result/v1 result: at /statements/7/kind: value must be one of"},
	}
	for name, tt := range tests {
		_, err := ReadResult("r.json", []byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tt.want)
		}
	}
}

// BenchmarkHTML renders a large review: 500 statements whose plans are the
// recorded real ones, a third of them with findings on their costliest
// node. It reports the time per statement.
func BenchmarkHTML(b *testing.B) {
	const n = 500
	plans := recordedPlans(b)
	var names []string
	for name := range plans {
		names = append(names, name)
	}
	sqlText, err := os.ReadFile("../testdata/payments/queries/payments.sql")
	if err != nil {
		b.Fatal(err)
	}
	r := &Result{Schema: SchemaV1, Tool: Tool{Name: "qreview", Version: "bench"}, Verdict: "fail", FailOn: "error",
		Database: Database{Provider: "local", ServerVersion: "15.18", ScaleProfile: "sha256:" + strings.Repeat("0", 64)}}
	for i := range n {
		p := plans[names[i%len(names)]]
		id := fmt.Sprintf("S%d", i+1)
		r.Statements = append(r.Statements, Statement{ID: id, File: "queries/q.sql", Line: 10*i + 1, EndLine: 10*i + 4, Kind: "query",
			Name: names[i%len(names)], Fingerprint: fmt.Sprintf("%016x", i), SQL: string(sqlText), Plan: summarize(p)})
		if i%3 == 0 {
			costly := p.Root
			p.Walk(func(n *explain.Node, _ []*explain.Node) {
				if len(n.Plans) == 0 && n.TotalCost > costly.TotalCost/2 {
					costly = n
				}
			})
			r.Findings = append(r.Findings, Finding{Rule: "plan-cost", Severity: "error", Statement: id, File: "queries/q.sql", Line: 10*i + 1,
				Message: "costly", Evidence: map[string]any{"costliest_node": costly.Label()}})
		}
	}
	var buf bytes.Buffer
	start := time.Now()
	for b.Loop() {
		buf.Reset()
		if err := HTML(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N)/n, "µs/statement")
	b.ReportMetric(float64(buf.Len())/n, "bytes/statement")
}
