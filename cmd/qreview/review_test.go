package main

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/explain/provider"
	"github.com/qreview/qreview/report"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// lineOf is the 1-based line of the first line in file containing text.
func lineOf(t *testing.T, file, text string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, file))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, text) {
			return i + 1
		}
	}
	t.Fatalf("%q not in %s", text, file)
	return 0
}

// decode validates a JSON result against the v1 schema and decodes it.
func decode(t *testing.T, out string) *report.Result {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join(repoRoot, "report/result.v1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("result does not match the v1 schema: %v", err)
	}
	var res report.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

func TestPaymentsExampleFailsOnTheOutageQuery(t *testing.T) {
	// Cold, to see every phase on standard error; the golden corpus
	// (review/golden_test.go) runs it warm and in the other contexts.
	r := qreview(t, []string{"QREVIEW_CACHE_DIR=" + scratchTmp(t)}, "review", "testdata/payments", "--format", "json", "--db", "local")
	if r.code != exitFail {
		t.Fatalf("exit %d, want %d (gate failed)\nstderr:\n%s", r.code, exitFail, r.stderr)
	}
	res := decode(t, r.stdout)
	file := "testdata/payments/queries/payments.sql"
	line := lineOf(t, file, "SELECT id, order_id, amount_cents, retry_count")
	errs := untimed(errorFindings(res))
	if res.Verdict != "fail" || len(errs) != 1 {
		t.Fatalf("verdict %s with findings %+v; want exactly the outage query flagged as an error", res.Verdict, res.Findings)
	}
	// The config's traffic can saturate the pool only with the outage
	// query: the others are index lookups (whether it does depends on this
	// machine's speed).
	for _, f := range res.Findings {
		if f.Rule == "pool-saturation" && f.Line != line {
			t.Errorf("pool-saturation on %s:%d: %s", f.File, f.Line, f.Message)
		}
		if f.Rule == "pool-saturation" {
			t.Logf("ListPendingPayments: %s", f.Message)
		}
	}
	f := errs[0]
	if f.Rule != "seq-scan-large-table" || f.Severity != "error" || f.File != file || f.Line != line {
		t.Errorf("finding %s %s at %s:%d, want seq-scan-large-table error at %s:%d", f.Rule, f.Severity, f.File, f.Line, file, line)
	}
	if f.Evidence["table"] != "payments" {
		t.Errorf("evidence table %v, want payments", f.Evidence["table"])
	}
	// The example's postmortem records this very query (postmortem_test.go).
	if len(f.Postmortems) != 1 || f.Postmortems[0] != "PM-2025-12-05" {
		t.Errorf("postmortems %v, want the outage's PM-2025-12-05", f.Postmortems)
	}
	// The row estimate comes from ANALYZE of the 1,000,000 seeded rows.
	if rows, _ := f.Evidence["estimated_rows"].(float64); math.Abs(rows-1e6) > 0.05e6 {
		t.Errorf("estimated_rows %v, want about 1,000,000", f.Evidence["estimated_rows"])
	}
	// The suggested index is proven on the seeded database: the planner
	// uses it and the cost falls.
	if !strings.HasPrefix(f.Suggestion, "CREATE INDEX CONCURRENTLY ON payments (status, created_at); -- verified") {
		t.Errorf("suggestion %q is not the proven (status, created_at) index", f.Suggestion)
	}
	if before, after := f.Evidence["cost_before"].(float64), f.Evidence["cost_after"].(float64); after <= 0 || after > before/10 {
		t.Errorf("cost %g → %g, want the index to cut it tenfold", before, after)
	}
	if !strings.Contains(f.Message, "payments reads ~1,0") {
		t.Errorf("message %q does not say how many rows are read", f.Message)
	}
	var stmt *report.Statement
	for i := range res.Statements {
		if res.Statements[i].ID == f.Statement {
			stmt = &res.Statements[i]
		}
	}
	if stmt == nil || stmt.Name != "ListPendingPayments" || stmt.Plan == nil || !stmt.Plan.Generic {
		t.Fatalf("statement of the finding: %+v", stmt)
	}
	if !strings.Contains(strings.Join(stmt.Plan.Nodes, ","), "Seq Scan on payments") {
		t.Errorf("plan nodes %v have no Seq Scan on payments", stmt.Plan.Nodes)
	}
	if res.Database.Provider != "local" || !strings.HasPrefix(res.Database.ServerVersion, "1") || len(res.Database.Tables) != 3 {
		t.Errorf("database block %+v", res.Database)
	}
	for _, phase := range []string{"ready in", "applied 3 migrations", "seeded payments: 1,000,000 rows",
		"change: 000004_add_payment_retries.up.sql, the newest migration", "planned 6 queries"} {
		if !strings.Contains(r.stderr, phase) {
			t.Errorf("stderr lacks %q:\n%s", phase, r.stderr)
		}
	}
}

func TestFixedPaymentsExamplePasses(t *testing.T) {
	r := qreview(t, nil, "review", "testdata/payments-fixed", "--db", "local")
	if r.code != exitPass {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); !strings.HasPrefix(lines[len(lines)-1], "PASS: 0 errors") {
		t.Errorf("text output:\n%s", r.stdout)
	}
}

// errorFindings are the findings that fail the gate at fail-on error.
func errorFindings(res *report.Result) []report.Finding {
	var out []report.Finding
	for _, f := range res.Findings {
		if f.Severity == "error" {
			out = append(out, f)
		}
	}
	return out
}

// writeProject writes a small project (path → SQL) in a temp dir.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestBrokenSQLExits2WithFileLine(t *testing.T) {
	dir := writeProject(t, map[string]string{"queries/q.sql": "SELECT 1;\n\nSELECT * FROM t WHERE;\n"})
	r := qreview(t, nil, "review", dir)
	if r.code != exitBroken {
		t.Fatalf("exit %d, want 2", r.code)
	}
	want := filepath.Join(dir, "queries/q.sql") + `:3:22: syntax error at or near ";"`
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q lacks %q", r.stderr, want)
	}
}

func TestNothingToReviewIsAnErrorAndStartsNoDatabase(t *testing.T) {
	dir := writeProject(t, map[string]string{"README.md": "no SQL here"})
	r := qreview(t, nil, "review", dir)
	if r.code != exitBroken || !strings.Contains(r.stderr, "no SQL statements in the .sql files under "+dir) {
		t.Errorf("exit %d, stderr %q; want exit 2 saying there is nothing to review", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "ready in") {
		t.Errorf("a database was started for nothing:\n%s", r.stderr)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct{ config, want string }{
		{"fail-on: error\ndatabse:\n  provider: local\n", `.qreview.yaml: line 2: unknown key "databse"`},
		{"rules:\n  seq-scan-large-tabel: {min-rows: 10}\n", "rules.seq-scan-large-tabel: unknown rule"},
		{"rules:\n  seq-scan-large-table: {min-row: 10}\n", "rules.seq-scan-large-table.min-row: unknown option"},
		{"fail-on: critical\n", `fail-on: severity "critical"`},
	}
	for _, tt := range tests {
		dir := writeProject(t, map[string]string{".qreview.yaml": tt.config, "q.sql": "SELECT 1;"})
		r := qreview(t, nil, "review", dir)
		if r.code != exitBroken || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("config %q: exit %d, stderr %q; want exit 2 naming %q", tt.config, r.code, r.stderr, tt.want)
		}
	}
}

func TestServerErrorsBecomeFindingsAndTheRunGoesOn(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"migrations/1_t.up.sql":     "CREATE TABLE t (id int PRIMARY KEY, a text);",
		"migrations/2_bad.up.sql":   "SET lock_timeout = '2s';\nALTER TABLE missing ADD COLUMN b int;",
		"migrations/2_bad.down.sql": "ALTER TABLE missing DROP COLUMN b;", // no missing-rollback
		// Bad fails at PREPARE inside the review's transaction (the newest
		// migration is the change): After must still be planned.
		"queries/q.sql": "-- name: Good :one\nSELECT a FROM t WHERE id = $1;\n\n-- name: Bad :one\nSELECT nope FROM t WHERE id = $1;\n\n-- name: After :one\nSELECT a FROM t WHERE id = $1;\n",
	})
	r := qreview(t, nil, "review", dir, "--format", "json", "--db", "local")
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	got := map[string]string{}
	for _, f := range res.Findings {
		got[filepath.Base(f.File)+":"+strconv.Itoa(f.Line)] = f.Rule + ": " + f.Message
	}
	wants := map[string]string{
		"2_bad.up.sql:2": `sql-error: relation "missing" does not exist`,
		"q.sql:5":        `sql-error: column "nope" does not exist`,
	}
	for at, want := range wants {
		if got[at] != want {
			t.Errorf("finding at %s = %q, want %q", at, got[at], want)
		}
	}
	if len(res.Findings) != len(wants) {
		t.Errorf("findings %v, want only %v", got, wants)
	}
	planned := 0
	for _, s := range res.Statements {
		if s.Plan != nil {
			planned++
		}
	}
	if planned != 2 {
		t.Errorf("%d statements planned, want the good queries planned before and after the failures", planned)
	}
}

func TestDSNProviderWorksInItsOwnDatabaseAndDropsIt(t *testing.T) {
	ctx := context.Background()
	server, err := provider.StartLocal(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	dir := writeProject(t, map[string]string{
		"migrations/1_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a text);",
		"queries/q.sql":         "SELECT a FROM t WHERE id = 1;",
	})
	r := qreview(t, []string{"QREVIEW_DSN=" + server.DSN}, "review", dir, "--format", "json")
	if r.code != exitPass {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if res := decode(t, r.stdout); res.Database.Provider != "dsn" {
		t.Errorf("auto with QREVIEW_DSN used %s, want dsn", res.Database.Provider)
	}
	conn, err := pgx.Connect(ctx, server.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var scratch, kept, tables int
	conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'qreview_%' AND datname NOT LIKE 'qreview_tpl_%'").Scan(&scratch)
	conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'qreview_tpl_%'").Scan(&kept)
	conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables)
	if scratch != 0 || tables != 0 || kept != 1 {
		t.Errorf("after the run: %d scratch databases left, %d tables created in the user's database, %d kept templates; want 0, 0 and 1", scratch, tables, kept)
	}
	// A second run works in a copy of the kept template.
	again := qreview(t, []string{"QREVIEW_DSN=" + server.DSN}, "review", dir, "--format", "json")
	if again.code != exitPass || !strings.Contains(again.stderr, "warm:") {
		t.Errorf("second run: exit %d, not warm:\n%s", again.code, again.stderr)
	}
	clean := qreview(t, nil, "cache", "clean", "--dsn", server.DSN)
	conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'qreview_%'").Scan(&kept)
	if clean.code != 0 || kept != 0 {
		t.Errorf("cache clean --dsn: exit %d, %d qreview databases left\n%s", clean.code, kept, clean.stderr)
	}
}

func TestDeadDatabaseSaysWhichAndWhy(t *testing.T) {
	r := qreview(t, nil, "review", "testdata/payments", "--db", "dsn", "--dsn", "postgres://qreview:secret@127.0.0.1:1/app")
	if r.code != exitBroken {
		t.Fatalf("exit %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, "database at 127.0.0.1:1 (--dsn): cannot connect") || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("stderr does not say which database and why: %q", r.stderr)
	}
	if strings.Contains(r.stderr, "secret") {
		t.Errorf("stderr shows the password: %q", r.stderr)
	}
}

// TestInterruptLeavesNothing sends SIGINT at each phase of a run: the
// server, its data directory and the temp dir must all be gone.
func TestInterruptLeavesNothing(t *testing.T) {
	for _, phase := range []string{"ready in", "seeded "} {
		t.Run(strings.TrimSpace(phase), func(t *testing.T) {
			tmp := scratchTmp(t)
			cmd, _, _ := command(t, tmp, nil, "review", "testdata/payments", "--db", "local", "--no-cache")
			stderr := startReading(t, cmd)
			lines := bufio.NewScanner(stderr)
			var seen []string
			for lines.Scan() {
				seen = append(seen, lines.Text())
				if strings.Contains(lines.Text(), phase) {
					if len(processesMentioning(tmp)) == 0 {
						t.Error("no server running from the temp dir at this phase; the test proves nothing")
					}
					cmd.Process.Signal(syscall.SIGINT)
					break
				}
			}
			for lines.Scan() {
				seen = append(seen, lines.Text())
			}
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != exitBroken {
				t.Errorf("exit %d after SIGINT, want 2; stderr:\n%s", code, strings.Join(seen, "\n"))
			}
			if last := seen[len(seen)-1]; !strings.Contains(last, "interrupted") {
				t.Errorf("last line %q does not say it was interrupted", last)
			}
			assertNothingLeft(t, tmp)
		})
	}
}

// TestWarmRerunSkipsSeedingAndAgrees reviews the example twice with one
// cache dir: the second run reuses the seeded cluster and finds the same.
func TestWarmRerunSkipsSeedingAndAgrees(t *testing.T) {
	cache := []string{"QREVIEW_CACHE_DIR=" + scratchTmp(t)}
	args := []string{"review", "testdata/payments", "--format", "json", "--db", "local"}
	start := time.Now()
	cold := qreview(t, cache, args...)
	coldTook := time.Since(start)
	start = time.Now()
	warm := qreview(t, cache, args...)
	warmTook := time.Since(start)
	if cold.code != exitFail || warm.code != exitFail {
		t.Fatalf("exit codes %d and %d, want 1 and 1\n%s\n%s", cold.code, warm.code, cold.stderr, warm.stderr)
	}
	if !strings.Contains(cold.stderr, "cache: kept the seeded cluster") || !strings.Contains(warm.stderr, "warm: schema and 1,600,000 seeded rows") {
		t.Fatalf("cold run did not keep its cluster or warm run did not use it:\n%s\n%s", cold.stderr, warm.stderr)
	}
	if strings.Contains(warm.stderr, "seeded payments") {
		t.Errorf("warm run seeded again:\n%s", warm.stderr)
	}
	c, w := decode(t, cold.stdout), decode(t, warm.stdout)
	if !reflect.DeepEqual(untimed(c.Findings), untimed(w.Findings)) || !reflect.DeepEqual(c.Database, w.Database) {
		t.Errorf("warm run differs:\ncold %+v\nwarm %+v", c.Findings, w.Findings)
	}
	t.Logf("cold %s, warm %s: warm takes %.0f%% of cold", coldTook.Round(time.Millisecond), warmTook.Round(time.Millisecond), 100*warmTook.Seconds()/coldTook.Seconds())
	// --no-cache seeds afresh even with a kept cluster.
	fresh := qreview(t, cache, append(args, "--no-cache")...)
	if !strings.Contains(fresh.stderr, "seeded payments") || strings.Contains(fresh.stderr, "warm:") {
		t.Errorf("--no-cache did not seed afresh:\n%s", fresh.stderr)
	}
}
