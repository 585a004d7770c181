package main

import (
	"bufio"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qreview/qreview/report"
	"github.com/qreview/qreview/review"
)

// loadProject has a change to apply (column b), queries load runs (one
// reading b, one with a pinned parameter, one whose parameter gets a
// typical value from the seeded data), one that writes, and a service whose pool is smaller than the workers.
func loadProject(t *testing.T) string {
	return writeProject(t, map[string]string{
		"migrations/1_t.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, a text, n int);",
		"migrations/2_b.up.sql": "ALTER TABLE t ADD COLUMN b int;",
		"queries/q.sql": `-- name: Count :one
SELECT count(*) FROM t WHERE n > 5;

-- name: ByID :one
SELECT a, b FROM t WHERE id = 42;

-- name: Pinned :one
-- qreview:params $1=7
SELECT a FROM t WHERE id = $1;

-- name: Open :one
SELECT a FROM t WHERE id = $1;

-- name: Add :exec
INSERT INTO t (id, a) VALUES (0, 'x');
`,
		".qreview.yaml": "scale:\n  t: {rows: 20000}\nservices:\n  app:\n    pool: {size: 2}\n    traffic: {Count: 50, ByID: 1000}\n",
	})
}

// TestLoadRunsTheQueriesOnTheSeededDatabase runs qreview load for two
// seconds: the runnable queries all ran without error with ordered
// percentiles, the counts add up, the rest say why they were skipped, and
// the pool numbers follow from the measured means.
func TestLoadRunsTheQueriesOnTheSeededDatabase(t *testing.T) {
	dir := loadProject(t)
	r := qreview(t, nil, "load", dir, "--duration", "2s", "--concurrency", "4", "--format", "json", "--db", "local")
	if r.code != exitPass {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var res review.LoadResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if res.Schema != "qreview/load/v1" || res.Provider != "local" || res.Concurrency != 4 || res.PoolSize != 2 {
		t.Errorf("result header %+v; want local, 4 workers and the config's one pool of 2", res)
	}
	if !strings.Contains(r.stderr, "seeding afresh") || !strings.Contains(r.stderr, "change: 2_b.up.sql") {
		t.Errorf("stderr does not show the change applied on a fresh database:\n%s", r.stderr)
	}
	byName := map[string]review.LoadQuery{}
	calls := 0
	for _, q := range res.Queries {
		byName[q.Name] = q
		calls += q.Calls
	}
	for _, name := range []string{"Count", "ByID", "Pinned", "Open"} {
		q := byName[name]
		// ByID reads the column the change adds: no errors proves the
		// change was committed where the pool's sessions see it.
		if q.Skipped != "" || q.Calls == 0 || q.Errors != 0 {
			t.Errorf("%s: %+v; want calls and no errors", name, q)
			continue
		}
		if !(0 < q.P50MS && q.P50MS <= q.P95MS && q.P95MS <= q.P99MS && q.P99MS <= q.MaxMS && q.MeanMS > 0 && q.MeanMS <= q.MaxMS) {
			t.Errorf("%s: percentiles p50 %g p95 %g p99 %g max %g mean %g are not ordered and positive", name, q.P50MS, q.P95MS, q.P99MS, q.MaxMS, q.MeanMS)
		}
	}
	if q := byName["Pinned"]; q.Values != "$1='7'" {
		t.Errorf("Pinned ran with %q; want its pinned $1='7'", q.Values)
	}
	if q := byName["Open"]; !strings.HasPrefix(q.Values, "$1='") || q.Values == "$1='7'" {
		t.Errorf("Open ran with %q; want a typical id from the seeded statistics", q.Values)
	}
	if q := byName["Add"]; q.Calls != 0 || !strings.HasPrefix(q.Skipped, "writes") {
		t.Errorf("Add: %+v; want skipped as a write", q)
	}
	if calls != res.Calls || res.Errors != 0 || res.Calls == 0 {
		t.Errorf("%d calls, %d errors in all; the queries' calls add up to %d", res.Calls, res.Errors, calls)
	}
	// The run starts no call after --duration and finishes those under way.
	if res.DurationS < 2 || math.Abs(res.Throughput-float64(res.Calls)/res.DurationS) > 1e-6 {
		t.Errorf("%d calls in %gs, throughput %g", res.Calls, res.DurationS, res.Throughput)
	}
	// Four workers share two connections: calls wait for one.
	if res.WaitedCalls == 0 || res.MeanWaitMS <= 0 {
		t.Errorf("waited acquires %d, mean wait %g ms; want waits with 4 workers on 2 connections", res.WaitedCalls, res.MeanWaitMS)
	}
	count := byName["Count"]
	if len(count.Pools) != 1 {
		t.Fatalf("Count pools %+v; want service app's", count.Pools)
	}
	p := count.Pools[0]
	if p.Service != "app" || p.CallsPerSecond != 50 || p.PoolSize != 2 ||
		math.Abs(p.BusyConnections-50*count.MeanMS/1000) > 1e-9 || math.Abs(p.Share-p.BusyConnections/2) > 1e-9 {
		t.Errorf("Count at app's traffic: %+v with mean %g ms", p, count.MeanMS)
	}
	if len(byName["Pinned"].Pools) != 0 {
		t.Errorf("Pinned has no traffic entry, yet %+v", byName["Pinned"].Pools)
	}

	// The text report: one line per query run, the skipped ones, the totals.
	r = qreview(t, nil, "load", dir, "--duration", "1s", "--concurrency", "2", "--pool-size", "3", "--db", "local", "-q")
	for _, want := range []string{"p50 ms", " Count\n", " ByID\n", "q.sql:12 Open: with $1='", "q.sql:15 Add: skipped (writes",
		"Count: at 50 calls/s (service app)", "2 workers on a pool of 3 (local PostgreSQL 1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestLoadInterruptLeavesNothing: Ctrl-C while the workers run stops
// them and removes the database.
func TestLoadInterruptLeavesNothing(t *testing.T) {
	tmp := scratchTmp(t)
	cmd, _, _ := command(t, tmp, nil, "load", loadProject(t), "--duration", "10m", "--db", "local")
	lines := bufio.NewScanner(startReading(t, cmd))
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.Contains(lines.Text(), "load: 4 queries for 10m0s") {
			time.Sleep(200 * time.Millisecond) // into the calls
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	for lines.Scan() {
		seen = append(seen, lines.Text())
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitBroken || !strings.Contains(seen[len(seen)-1], "interrupted") {
		t.Errorf("exit %d after SIGINT, want 2 saying interrupted; stderr:\n%s", code, strings.Join(seen, "\n"))
	}
	assertNothingLeft(t, tmp)
}

// TestTrafficConfigErrors: what is wrong in services: stops review and
// load with the config line, before a database starts.
func TestTrafficConfigErrors(t *testing.T) {
	tests := []struct{ services, want string }{
		{"services:\n  app:\n    pool: {size: 5}\n    traffic:\n      Count: 10\n      NoSuch: 3\n",
			".qreview.yaml:7: services.app.traffic: no reviewed query is named NoSuch"},
		{"services:\n  app:\n    traffic: {Count: 10}\n", "services.app.pool.size: give the size of the service's connection pool"},
		{"services:\n  app:\n    pool: {size: 5}\n    traffic: {Count: -1}\n", `line 5: traffic: Count: "-1" is not a number of calls per second`},
		{"services:\n  app:\n    pool: {size: 5}\n    traffic: {Count: lots}\n", `line 5: traffic: Count: "lots" is not a number of calls per second`},
		{"services:\n  app:\n    pool: {size: 5, max: 3}\n", `unknown key "max"`},
	}
	for _, tt := range tests {
		dir := writeProject(t, map[string]string{
			"queries/q.sql": "-- name: Count :one\nSELECT 1;\n",
			".qreview.yaml": "fail-on: error\n" + tt.services,
		})
		for _, command := range []string{"review", "load"} {
			r := qreview(t, nil, command, dir, "--db", "local")
			if r.code != exitBroken || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "ready in") {
				t.Errorf("%s with\n%s: exit %d, stderr %q; want exit 2 saying %q before any database", command, tt.services, r.code, r.stderr, tt.want)
			}
		}
	}
}

// TestPoolSaturationFromTheConfigsTraffic reviews a query at two rates,
// so far apart that no machine's speed puts them on the same side of the
// line: the hot one is flagged with its numbers, the cold one is not.
func TestPoolSaturationFromTheConfigsTraffic(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"migrations/1_t.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, a text, n int);",
		"queries/q.sql":         "-- name: Hot :one\nSELECT count(*) FROM t WHERE n > 5;\n\n-- name: Cold :one\nSELECT count(*) FROM t WHERE a <> 'x';\n",
		".qreview.yaml": "scale:\n  t: {rows: 20000}\n" +
			"services:\n  api:\n    pool: {size: 10}\n    traffic: {Hot: 1000000, Cold: 0.001}\n  worker:\n    pool: {size: 4}\n    traffic: {Hot: 0.001}\n",
	})
	r := qreview(t, nil, "review", dir, "--format", "json", "--db", "local")
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	var found []report.Finding
	for _, f := range res.Findings {
		if f.Rule == "pool-saturation" {
			found = append(found, f)
		}
	}
	if len(found) != 1 || found[0].Line != 2 || found[0].Severity != "error" || found[0].File != filepath.Join(dir, "queries/q.sql") {
		t.Fatalf("pool-saturation findings %+v; want one error, on Hot for service api", found)
	}
	f := found[0]
	ev := f.Evidence
	rate, ms, busy, share := ev["calls_per_second"].(float64), ev["latency_ms"].(float64), ev["busy_connections"].(float64), ev["share"].(float64)
	if ev["service"] != "api" || ev["pool_size"] != 10.0 || rate != 1e6 || ev["speed_source"] != "default" || ev["max_share"] != 0.6 ||
		ms <= 0 || math.Abs(busy-rate*ms/1000) > 1e-6*busy || math.Abs(share-busy/10) > 1e-9 {
		t.Errorf("evidence %v", ev)
	}
	if !strings.HasPrefix(f.Message, "service api: 1,000,000 calls/s × ") || !strings.Contains(f.Message, "ms (estimated) = ") ||
		!strings.Contains(f.Message, "of its pool of 10 (max-share 60%): the pool runs dry") {
		t.Errorf("message %q", f.Message)
	}
}

// untimed leaves out the findings of timed rules (container_test.go),
// which may differ between two runs whose plans agree.
func untimed(fs []report.Finding) []report.Finding {
	var out []report.Finding
	for _, f := range fs {
		if !timed[f.Rule] {
			out = append(out, f)
		}
	}
	return out
}

// TestLoadFlagErrors: bad flags stop load before a database starts.
func TestLoadFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--duration", "0s"}, "--duration 0s: give a positive duration"},
		{[]string{"--concurrency", "0"}, "--concurrency 0: give 1 or more workers"},
		{[]string{"--pool-size", "-1"}, "--pool-size -1: give 1 or more connections"},
		{[]string{"--format", "sarif"}, `--format "sarif": use text or json`},
	}
	for _, tt := range tests {
		r := qreview(t, nil, append([]string{"load", "testdata/payments", "--db", "local"}, tt.args...)...)
		if r.code != exitBroken || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "ready in") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying %q before any database", tt.args, r.code, r.stderr, tt.want)
		}
	}
}
