package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/provider"
	"github.com/qreview/qreview/explain/seed"
	"github.com/qreview/qreview/rules"
	"gopkg.in/yaml.v3"
)

// The outage query of testdata/payments, as the repository writes it.
const outageQuery = `SELECT id, order_id, amount_cents, created_at
FROM payments
WHERE status = 'pending' AND created_at < $1
ORDER BY created_at
LIMIT 100`

// TestCalibrationFromPgStatStatements: "production" is a PostgreSQL 15
// with pg_stat_statements preloaded that has served a few queries; its
// exported calibration is sane, loads from the config, matches the
// repository's query by fingerprint and is what the rules estimate with
// and name.
func TestCalibrationFromPgStatStatements(t *testing.T) {
	ctx := context.Background()
	db, err := provider.StartLocal(ctx, map[string]string{"shared_preload_libraries": "pg_stat_statements"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `
		CREATE EXTENSION pg_stat_statements;
		CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint NOT NULL, amount_cents bigint NOT NULL,
		                       status text NOT NULL, created_at timestamptz NOT NULL);
		INSERT INTO payments SELECT i, i % 5000, i % 997, CASE WHEN i % 100 = 0 THEN 'pending' ELSE 'succeeded' END,
		                            '2026-01-01'::timestamptz + i * interval '1 minute'
		FROM generate_series(1, 100000) i;
		CREATE INDEX payments_order_id_idx ON payments (order_id);
		ANALYZE payments;
		SELECT pg_stat_statements_reset();`); err != nil {
		t.Fatal(err)
	}
	production := []struct {
		sql   string
		calls int
		args  func(i int) []any
	}{
		{"SELECT amount_cents FROM payments WHERE id = $1", 40, func(i int) []any { return []any{i * 7} }},
		{"SELECT id FROM payments WHERE order_id = $1", 30, func(i int) []any { return []any{i} }},
		{"SELECT count(*) FROM payments WHERE amount_cents > $1", 8, func(i int) []any { return []any{i} }},
		{strings.Replace(outageQuery, "'pending'", "$2", 1), 10, func(int) []any { return []any{"2026-02-01", "pending"} }},
	}
	for _, q := range production {
		for i := 0; i < q.calls; i++ {
			rows, err := conn.Query(ctx, q.sql, q.args(i)...)
			if err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
	}

	cal, note, err := seed.ExportCalibration(ctx, conn)
	if err != nil || cal == nil {
		t.Fatalf("export: %+v, %q, %v", cal, note, err)
	}
	// Sane: a positive speed within two orders of magnitude of the
	// default, fitted on the four statements called five times or more.
	if cal.MsPerCost < explain.DefaultMsPerCost/100 || cal.MsPerCost > explain.DefaultMsPerCost*100 || cal.Statements != 4 ||
		!strings.HasPrefix(cal.Source, "production's pg_stat_statements on local socket ") {
		t.Errorf("calibration %+v", cal)
	}
	outage, err := analyzer.ParseSQL("queries/payments.sql", outageQuery, analyzer.KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	st := outage[0]
	var matched *seed.CalibratedQuery
	for i, q := range cal.Queries {
		if q.Fingerprint == st.Fingerprint {
			matched = &cal.Queries[i]
		}
	}
	if matched == nil || matched.Calls != 10 || matched.MeanMS <= 0 || matched.CallsPerSecond <= 0 || matched.Cost <= 0 {
		t.Fatalf("the repository's query (fingerprint %s) in %+v: %+v", st.Fingerprint, cal.Queries, matched)
	}

	// The export writes it under calibration:, beside services.
	data, err := yaml.Marshal(map[string]any{"calibration": cal})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), FileName)
	services := "services:\n  payments: {pool: {size: 20}}\n"
	if err := os.WriteFile(path, append(data, services...), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	speed := cfg.Speed()
	if speed.MsPerCost != cal.MsPerCost || speed.Source != cal.Source {
		t.Errorf("speed %+v from %+v", speed, cal)
	}

	// The rules estimate with it and say so; pool-saturation takes the
	// exported call rate. Thresholds at the floor make both report.
	var plan string
	if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+strings.Replace(outageQuery, "$1", "'2026-02-01'", 1)).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	p, err := explain.ParsePlan([]byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Configure(map[string]rules.Config{
		"slow-plan":       {Options: map[string]float64{"max-ms": 0}},
		"pool-saturation": {Options: map[string]float64{"max-share": 0}},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &rules.Input{Statement: st, Plan: p, Speed: speed, Traffic: cfg.ProductionTraffic(st),
		Tables: map[string]explain.Table{"payments": {Name: "payments", Rows: 100_000}}}
	found := map[string]rules.Finding{}
	for _, f := range set.Check(in) {
		found[f.Rule.ID] = f
	}
	slow, pool := found["slow-plan"], found["pool-saturation"]
	named := "ms per cost unit from production's pg_stat_statements on local socket "
	if !strings.Contains(slow.Message, named) || slow.Evidence["ms"] != p.Root.TotalCost*cal.MsPerCost || slow.Evidence["speed_source"] != "pg_stat_statements" {
		t.Errorf("slow-plan: %q %v", slow.Message, slow.Evidence)
	}
	if !strings.Contains(pool.Message, "calls/s (production's pg_stat_statements, all instances)") || !strings.Contains(pool.Message, named) ||
		pool.Evidence["calls_per_second"] != matched.CallsPerSecond || pool.Evidence["pool_size"] != 20 {
		t.Errorf("pool-saturation: %q %v", pool.Message, pool.Evidence)
	}
	t.Logf("fitted %g ms per cost unit on %d statements; the outage query: mean %g ms at cost %g, %g calls/s",
		cal.MsPerCost, cal.Statements, matched.MeanMS, matched.Cost, matched.CallsPerSecond)
}
