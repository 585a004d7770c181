package seed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/explain/provider"
)

// benchRows is the row count of the seeding benchmarks:
// QREVIEW_BENCH_ROWS, default 2,000,000 (pgbench scale 20).
func benchRows(b *testing.B) int64 {
	if s := os.Getenv("QREVIEW_BENCH_ROWS"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 2_000_000
}

// BenchmarkSeedAgainstPgbench loads the same rows into the same shape of
// table, on the same cluster in the same run, with pgbench -i (client-side
// COPY in text, one stream; then VACUUM ANALYZE and the primary key) and
// with seed.Load (binary COPY, parallel streams; then the primary key and
// ANALYZE), and reports both rates and their ratio.
func BenchmarkSeedAgainstPgbench(b *testing.B) {
	ctx := context.Background()
	rows := benchRows(b)
	scale := max(rows/100_000, 1)
	rows = scale * 100_000
	bin, err := provider.FindBinaries()
	if err != nil {
		b.Skip(err)
	}
	cfg, _ := pgx.ParseConfig(server.DSN)
	var pgbench, ours time.Duration
	for i := 0; i < b.N; i++ {
		dsn, conn := benchDB(b, fmt.Sprintf("bench_pgbench_%d", i), "")
		start := time.Now()
		cmd := exec.Command(filepath.Join(bin, "pgbench"), "-i", "-I", "dtgvp", "-s", strconv.FormatInt(scale, 10),
			"-h", cfg.Host, "-p", strconv.Itoa(int(cfg.Port)), "-U", cfg.User, conn.Config().Database)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("pgbench -i: %v\n%s", err, out)
		}
		pgbench += time.Since(start)
		_ = dsn

		dsn, _ = benchDB(b, fmt.Sprintf("bench_qreview_%d", i),
			"CREATE TABLE accounts (aid int PRIMARY KEY, bid int NOT NULL, abalance int NOT NULL, filler char(84))")
		start = time.Now()
		if _, err := Load(ctx, dsn, Profile{"accounts": {Rows: rows}}, nil); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)
	}
	perSecond := func(d time.Duration) float64 { return float64(rows) * float64(b.N) / d.Seconds() }
	b.ReportMetric(perSecond(pgbench), "pgbench-rows/s")
	b.ReportMetric(perSecond(ours), "qreview-rows/s")
	b.ReportMetric(perSecond(ours)/perSecond(pgbench), "x-pgbench")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSeedMemory loads QREVIEW_BENCH_ROWS orders rows and reports
// the peak resident memory of the loading process itself (VmHWM, reset
// before the load): it must not grow with the row count.
func BenchmarkSeedMemory(b *testing.B) {
	ctx := context.Background()
	rows := benchRows(b)
	for i := 0; i < b.N; i++ {
		dsn, _ := benchDB(b, fmt.Sprintf("bench_memory_%d", i), shopSchema)
		resetPeakRSS(b)
		start := time.Now()
		if _, err := Load(ctx, dsn, Profile{"customers": {Rows: 100_000}, "orders": {Rows: rows}}, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rows+100_000)/time.Since(start).Seconds(), "rows/s")
		b.ReportMetric(peakRSSMB(b), "peak-RSS-MB")
	}
	b.ReportMetric(0, "ns/op")
}

func benchDB(b *testing.B, name, schema string) (string, *pgx.Conn) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, server.DSN)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatal(err)
	}
	dsn := server.DSN + " dbname=" + name
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(ctx) })
	if schema != "" {
		if _, err := conn.Exec(ctx, schema); err != nil {
			b.Fatal(err)
		}
	}
	return dsn, conn
}

// resetPeakRSS resets the kernel's high-water mark of this process's
// resident memory (Linux: "5" to clear_refs).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset peak RSS: %v", err)
	}
}

func peakRSSMB(b *testing.B) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkSeedTiedColumns loads QREVIEW_BENCH_ROWS rows into a table
// whose CHECK ties finished_at to state (the follower's value is derived
// from the leader's per row) and into the same table without the CHECK,
// on the same cluster in the same run, and reports both rates and their
// ratio: what meeting the CHECK costs.
func BenchmarkSeedTiedColumns(b *testing.B) {
	ctx := context.Background()
	rows := benchRows(b)
	const table = `CREATE TYPE job_state AS ENUM ('available', 'running', 'completed', 'cancelled', 'discarded');
		CREATE TABLE job (id bigserial PRIMARY KEY, state job_state NOT NULL, kind text NOT NULL, finalized_at timestamptz%s)`
	const tie = `, CHECK ((finalized_at IS NULL AND state NOT IN ('completed', 'cancelled', 'discarded'))
		OR (finalized_at IS NOT NULL AND state IN ('completed', 'cancelled', 'discarded')))`
	var free, tied time.Duration
	for i := 0; i < b.N; i++ {
		for _, t := range []struct {
			check string
			took  *time.Duration
		}{{"", &free}, {tie, &tied}} {
			dsn, _ := benchDB(b, fmt.Sprintf("bench_tied_%d_%d", i, len(t.check)), fmt.Sprintf(table, t.check))
			start := time.Now()
			if _, err := Load(ctx, dsn, Profile{"job": {Rows: rows}}, nil); err != nil {
				b.Fatal(err)
			}
			*t.took += time.Since(start)
		}
	}
	perSecond := func(d time.Duration) float64 { return float64(rows) * float64(b.N) / d.Seconds() }
	b.ReportMetric(perSecond(free), "free-rows/s")
	b.ReportMetric(perSecond(tied), "tied-rows/s")
	b.ReportMetric(perSecond(tied)/perSecond(free), "x-free")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkGenerateRows times the generators alone, with no COPY and no
// server work: the shop schema's rows (customers, and orders drawing
// their customers) made as the load makes them. It reports the process's
// CPU time per row, which stays comparable on a machine too busy (other
// processes on the same cores) for load rates and wall time to be.
func BenchmarkGenerateRows(b *testing.B) {
	ctx := context.Background()
	_, conn := benchDB(b, "bench_generate", shopSchema)
	tables, err := ReadSchema(ctx, conn)
	if err != nil {
		b.Fatal(err)
	}
	p := newPlanner(tables, Profile{"customers": {Rows: 100_000}, "orders": {Rows: 1_000_000}}, 0)
	if err := p.readExisting(ctx, conn); err != nil {
		b.Fatal(err)
	}
	var jobs []*job
	for _, level := range p.levels() {
		for _, name := range level {
			j, err := p.job(tables[name])
			if err != nil {
				b.Fatal(err)
			}
			jobs = append(jobs, j)
		}
	}
	b.ResetTimer()
	cpuBefore := cpuTime(b)
	var rows int64
	for i := 0; i < b.N; i++ {
		for _, j := range jobs {
			src := &rowSource{gens: j.gens, rows: j.rows, row: make([]any, len(j.gens)), i: -1}
			for src.Next() {
				if _, err := src.Values(); err != nil {
					b.Fatal(err)
				}
				rows++
			}
		}
	}
	b.ReportMetric(float64((cpuTime(b)-cpuBefore).Nanoseconds())/float64(rows), "cpu-ns/row")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
