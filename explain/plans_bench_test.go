package explain

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain/seed"
	"gopkg.in/yaml.v3"
)

// The cost of judging queries by the plans production runs: the EXPLAIN
// phase with custom plans for representative values (PlanAll) against
// generic plans only (Explain), in the same run on the same seeded
// payments database (seeding excluded). Goal: at most 2×.
//
//	go test ./explain -run '^$' -bench Planning -benchtime 20x

func BenchmarkPlanningPayments(b *testing.B) {
	src, err := analyzer.Load([]string{"../testdata/payments/queries"})
	if err != nil {
		b.Fatal(err)
	}
	benchPlanning(b, src.Queries)
}

func BenchmarkPlanning100Queries(b *testing.B) {
	benchPlanning(b, hundredQueries(b))
}

func benchPlanning(b *testing.B, queries []*analyzer.Statement) {
	ctx := context.Background()
	conn := paymentsDatabase(b)
	var generic, judged time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx, err := conn.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for _, st := range queries {
			if _, err := Explain(ctx, tx, st); err != nil {
				b.Fatalf("%s: %v", st.SQL, err)
			}
		}
		generic += time.Since(start)
		start = time.Now()
		stats := NewStats(tx) // a run reads statistics afresh
		if err := stats.Preload(ctx, queries); err != nil {
			b.Fatal(err)
		}
		for _, st := range queries {
			if _, err := PlanAll(ctx, tx, st, stats, PlanOptions{CacheMode: CacheAuto, Values: ValueOptions{Limit: 50, Offset: 100}}); err != nil {
				b.Fatalf("%s: %v", st.SQL, err)
			}
		}
		judged += time.Since(start)
		tx.Rollback(ctx)
	}
	perQuery := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N*len(queries)) }
	b.ReportMetric(perQuery(generic), "µs/query-generic")
	b.ReportMetric(perQuery(judged), "µs/query-judged")
	b.ReportMetric(float64(judged)/float64(generic), "ratio")
}

var benchDatabase struct {
	dsn string
	err error
}

// paymentsDatabase is the payments example, migrated and seeded at its
// configured scale (1,000,000 payments), once per test binary.
func paymentsDatabase(b *testing.B) *pgx.Conn {
	b.Helper()
	ctx := context.Background()
	if benchDatabase.dsn == "" && benchDatabase.err == nil {
		benchDatabase.dsn, benchDatabase.err = seedPayments(ctx)
	}
	if benchDatabase.err != nil {
		b.Fatal(benchDatabase.err)
	}
	conn, err := pgx.Connect(ctx, benchDatabase.dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(ctx) })
	return conn
}

func seedPayments(ctx context.Context) (string, error) {
	admin, err := pgx.Connect(ctx, server.DSN)
	if err != nil {
		return "", err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE bench_payments"); err != nil {
		return "", err
	}
	dsn := server.DSN + " dbname=bench_payments" // a later keyword wins
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	ups, _ := filepath.Glob("../testdata/payments/migrations/*.up.sql")
	sort.Strings(ups)
	for _, up := range ups {
		sql, err := os.ReadFile(up)
		if err != nil {
			return "", err
		}
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			return "", fmt.Errorf("%s: %w", up, err)
		}
	}
	data, err := os.ReadFile("../testdata/payments/.qreview.yaml")
	if err != nil {
		return "", err
	}
	var example struct {
		Scale seed.Profile `yaml:"scale"`
	}
	if err := yaml.Unmarshal(data, &example); err != nil {
		return "", err
	}
	_, err = seed.Load(ctx, dsn, example.Scale, nil)
	return dsn, err
}

// hundredQueries are 100 parameterized queries of the shapes services
// run on the payments schema: lookups by key, lists by foreign key with
// LIMIT/OFFSET pages, ranges, ANY arrays, optional filters, joins, DML.
func hundredQueries(b *testing.B) []*analyzer.Statement {
	shapes := []string{
		"SELECT id, status FROM payments WHERE id = $1 AND amount_cents > %d",
		"SELECT id FROM payments WHERE order_id = $1 AND amount_cents > %d ORDER BY created_at",
		"SELECT id FROM payments WHERE status = $1 AND amount_cents > %d ORDER BY created_at LIMIT $2",
		"SELECT id FROM payments WHERE created_at BETWEEN $1 AND $2 AND amount_cents > %d LIMIT 100",
		"SELECT id FROM payments WHERE id = ANY($1::bigint[]) AND amount_cents > %d",
		"SELECT id FROM payments WHERE ($1::bigint = 0 OR order_id = $1) AND amount_cents > %d LIMIT 50",
		"SELECT o.id, p.id FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.customer_id = $1 AND p.amount_cents > %d",
		"SELECT id FROM orders WHERE customer_id = $1 AND total_cents > %d ORDER BY created_at DESC LIMIT $2 OFFSET $3",
		"UPDATE payments SET status = $2, updated_at = now() WHERE id = $1 AND amount_cents > %d",
		"SELECT count(*) FROM payments WHERE provider = $1 AND amount_cents > %d",
	}
	var out []*analyzer.Statement
	for i := 0; i < 100; i++ {
		stmts, err := analyzer.ParseSQL("bench.sql", fmt.Sprintf(shapes[i%len(shapes)], i), analyzer.KindQuery)
		if err != nil {
			b.Fatal(err)
		}
		stmts[0].ID = fmt.Sprintf("S%d", i+1)
		out = append(out, stmts[0])
	}
	return out
}
