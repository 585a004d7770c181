package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/qreview/qreview/postmortem"
	"github.com/qreview/qreview/report"
)

// reintroduced is the payments example after the rollback (the outage's
// query gone from payments.sql) with a rewrite of the retry worker that
// brings the same query shape back in another file, beside a query of
// another shape on payments, one on orders, and a SELECT * on payments.
func reintroduced(t *testing.T) (dir, file string) {
	t.Helper()
	dir = copyTree(t, filepath.Join(repoRoot, "testdata/payments"))
	queries := filepath.Join(dir, "queries/payments.sql")
	data, err := os.ReadFile(queries)
	if err != nil {
		t.Fatal(err)
	}
	before, _, ok := strings.Cut(string(data), "-- name: ListPendingPayments")
	if !ok {
		t.Fatal("no ListPendingPayments in the payments example")
	}
	if err := os.WriteFile(queries, []byte(strings.TrimSpace(before)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "queries/retry_worker.sql")
	// The query is on line 4.
	rewrite := `-- The retry worker, rewritten.

-- name: ListPendingPayments :many
select id, order_id, amount_cents, retry_count, created_at from payments
where status = 'pending' and created_at < $1 order by created_at limit 25;

-- name: PaymentsByProvider :many
SELECT id, amount_cents FROM payments WHERE provider = $1 ORDER BY created_at DESC LIMIT 20;

-- name: OrdersByCurrency :many
SELECT id, total_cents FROM orders WHERE currency = $1 ORDER BY created_at DESC LIMIT 20;

-- name: PaymentRow :one
SELECT * FROM payments WHERE id = $1;
`
	if err := os.WriteFile(file, []byte(rewrite), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

// The definition of done: the outage's query, brought back in a
// new form, fails the gate citing the postmortem, in JSON and in text.
func TestReintroducedOutageQueryFailsCitingThePostmortem(t *testing.T) {
	dir, file := reintroduced(t)
	textFile := filepath.Join(t.TempDir(), "review.txt")
	r := qreview(t, nil, "review", dir, "--db", "local", "--format", "json", "--format", "text="+textFile)
	if r.code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitFail, r.stderr)
	}
	res := decode(t, r.stdout)
	record := filepath.Join(dir, "postmortems/PM-2025-12-05.md")
	shape := "this query shape caused PM-2025-12-05: payments failed for 30 min (" + record + ")"
	table := "seq-scan-large-table on payments caused PM-2025-12-05: payments failed for 30 min (" + record + ")"
	names := map[string]string{}
	for _, s := range res.Statements {
		names[s.ID] = s.Name
	}
	got := map[string]report.Finding{}
	for _, f := range res.Findings {
		if f.File == file && (f.Rule == "seq-scan-large-table" || f.Rule == "select-star") {
			got[names[f.Statement]] = f
		}
	}
	for name, want := range map[string]string{"ListPendingPayments": shape, "PaymentsByProvider": table, "OrdersByCurrency": "", "PaymentRow": ""} {
		f, ok := got[name]
		if !ok {
			t.Errorf("no seq-scan-large-table or select-star finding on %s: %+v", name, res.Findings)
			continue
		}
		cited := strings.Join(f.Citations, "; ")
		if cited != want || (want == "") != (len(f.Postmortems) == 0) {
			t.Errorf("%s: %s %s cites %v %q, want %q", name, f.Severity, f.Rule, f.Postmortems, cited, want)
		}
	}
	if f := got["PaymentRow"]; f.Severity != "notice" {
		t.Errorf("SELECT * on payments is a %s, want the notice it was (another rule than the record's)", f.Severity)
	}
	text, err := os.ReadFile(textFile)
	if err != nil {
		t.Fatal(err)
	}
	want := file + ":4: error [seq-scan-large-table] ListPendingPayments: Parallel Seq Scan on payments"
	i := strings.Index(string(text), want)
	if i < 0 || !strings.Contains(string(text)[i:], "\n    postmortem: "+shape+"\n") {
		t.Errorf("text output does not cite the postmortem under %q:\n%s", want, text)
	}
	// Two seq scans, and pool-saturation on the outage query when this
	// machine's speed makes it fire.
	if !regexp.MustCompile(`qreview: 3 findings repeat the query shapes of postmortems`).MatchString(r.stderr) {
		t.Errorf("stderr does not say what was linked:\n%s", r.stderr)
	}
}

// The life of a record: drafted from the review of the offending query,
// never overwritten, then the gate's runs recorded on its guard item
// (once per commit) and listed.
func TestPostmortemNewRecordList(t *testing.T) {
	dir := copyTree(t, filepath.Join(repoRoot, "testdata/payments"))
	folder := filepath.Join(dir, "postmortems")
	var cache []string // the shared cache: the payments example is seeded once for the test binary
	args := []string{"postmortem", "new", "--title", "Retry worker outage", "--query", filepath.Join(dir, "queries/payments.sql"),
		"--date", "2025-12-20", dir, "--db", "local"}
	r := qreview(t, cache, args...)
	draft := filepath.Join(folder, "PM-2025-12-20.md")
	if r.code != exitPass || strings.TrimSpace(r.stdout) != draft {
		t.Fatalf("exit %d, stdout %q, want %s\n%s", r.code, r.stdout, draft, r.stderr)
	}
	data, err := os.ReadFile(draft)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := postmortem.Parse(draft, data)
	if err != nil {
		t.Fatalf("the draft does not parse: %v\n%s", err, data)
	}
	if len(rec.Queries) != 1 || rec.Queries[0].Name != "ListPendingPayments" || rec.Queries[0].Fingerprint != "c9f8db4c1eb0baa5" ||
		!strings.Contains(rec.Queries[0].Plan, "Seq Scan on payments") || !strings.Contains(string(rec.Body), "Seq Scan on payments (cost") ||
		!strings.Contains(string(rec.Body), "Fix: `CREATE INDEX CONCURRENTLY ON payments (status, created_at); -- verified") {
		t.Errorf("the draft lacks the query, its plan or the verified index:\n%s", data)
	}
	guard := rec.ActionItems[len(rec.ActionItems)-1]
	if len(rec.ActionItems) < 2 || guard.Guard != postmortem.GuardReview {
		t.Errorf("action items %+v, want the fixes then the gate", rec.ActionItems)
	}

	// Again: refused before any database starts, and the draft is intact.
	r = qreview(t, cache, args...)
	if r.code != exitBroken || !strings.Contains(r.stderr, "postmortem PM-2025-12-20 already exists: "+draft) || strings.Contains(r.stderr, "ready in") {
		t.Errorf("second draft: exit %d\n%s", r.code, r.stderr)
	}
	if again, _ := os.ReadFile(draft); string(again) != string(data) {
		t.Error("the second run changed the draft")
	}

	// Evidence: a review's result recorded on both records' guard items.
	result := filepath.Join(t.TempDir(), "result.json")
	if r := qreview(t, cache, "review", dir, "--db", "local", "-q", "--format", "json="+result); r.code != exitFail {
		t.Fatalf("review: exit %d\n%s", r.code, r.stderr)
	}
	data, err = os.ReadFile(result)
	if err != nil {
		t.Fatal(err)
	}
	reviewed := decode(t, string(data)).Summary.Statements
	bundled := filepath.Join(folder, "PM-2025-12-05.md")
	r = qreview(t, nil, "postmortem", "record", "--in", result, "--commit", "1111111", "--date", "2025-12-21", dir)
	caught := regexp.MustCompile(`PM-2025-12-05 A1: recorded commit 1111111: ` + strconv.Itoa(reviewed) + ` statements reviewed, caught .*seq-scan-large-table at ` +
		regexp.QuoteMeta(filepath.Join(dir, "queries/payments.sql")) + `:35 \(ListPendingPayments\)`)
	if r.code != exitPass || !caught.MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "PM-2025-12-20 "+guard.ID+": recorded commit 1111111") {
		t.Fatalf("record: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	once, _ := os.ReadFile(bundled)
	r = qreview(t, nil, "postmortem", "record", "--in", result, "--commit", "1111111", dir)
	if twice, _ := os.ReadFile(bundled); r.code != exitPass || string(twice) != string(once) || !strings.Contains(r.stdout, "already recorded commit 1111111") {
		t.Errorf("recording the same commit again: exit %d, record changed: %v\n%s", r.code, string(twice) != string(once), r.stdout)
	}
	r = qreview(t, []string{"GITHUB_SHA=2222222"}, "postmortem", "record", "--in", result, dir)
	if r.code != exitPass || !strings.Contains(r.stdout, "PM-2025-12-05 A1: recorded commit 2222222") {
		t.Errorf("record with GITHUB_SHA: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = qreview(t, nil, "postmortem", "list", dir)
	for _, want := range []string{
		"PM-2025-12-05  2025-12-05  SEV1  Payments failed for 30 minutes",
		"guard: fired in 2 of 2 recorded reviews (last ",
		"open: A2 [open] Alert earlier: connection pool at 60%, queries slower than 5 s (sre, due 2025-12-12)",
		"PM-2025-12-20  2025-12-20  -  Retry worker outage",
		"2 postmortems, ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "A4") {
		t.Errorf("list shows the done action item A4:\n%s", r.stdout)
	}
}

// A broken record or a missing folder stops the review before a database
// starts, naming the file and line or the config key.
func TestBrokenPostmortemsExit2BeforeTheDatabase(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing folder", map[string]string{".qreview.yaml": "postmortems: docs/postmortems\n"},
			filepath.Join("docs", "postmortems") + " is not a directory (the path is relative to the config file's directory)"},
		{"broken record", map[string]string{".qreview.yaml": "postmortems: pm\n",
			"pm/PM-1.md": "---\nid: PM-1\ndate: 2025-01-01\ntitle: t\nqueries:\n  - fingerprint: nope\n---\n"},
			filepath.Join("pm", "PM-1.md") + ":6: fingerprint \"nope\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.files["q.sql"] = "SELECT 1;\n"
			dir := writeProject(t, tt.files)
			r := qreview(t, nil, "review", dir, "--db", "local")
			if r.code != exitBroken || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "ready in") {
				t.Errorf("exit %d, stderr %q; want 2 and %q before a database starts", r.code, r.stderr, tt.want)
			}
		})
	}
}
