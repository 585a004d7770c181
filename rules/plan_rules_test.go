package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
)

// recordedCases run plan rules on plans recorded from PostgreSQL 15 with
// EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) on 1,000,000 payments
// (explain/testdata/plans/analyze_*.json), for conditions the fixture
// database is too small or too fast to show reliably (lossy bitmaps,
// timings), and long-lock on measurements taken by the change test
// (cmd/qreview TestChangeIsMeasuredOnSeededDataAndRolledBack). A case with
// want flags; one without is a near miss.
var recordedCases = []struct {
	rule, plan string
	measured   *explain.Measured
	cfg        map[string]Config
	want       string
	before     string // plan-regression: the plan before the change
	sql        string // the statement, when the rule reads it (default: a query)
	traffic    []Traffic
}{
	{rule: "misestimate", plan: "analyze_misestimate", want: "warning: planner expected 51 rows from Seq Scan on payments, got 10,000 (196× off)"},
	{rule: "misestimate", plan: "analyze_filter_removes_most"},   // 10,167 expected, 10,000 got
	{rule: "misestimate", plan: "parallel_seq_scan_under_limit"}, // not analyzed: nothing to compare
	{rule: "disk-spill", plan: "analyze_sort_spill", want: "warning: Sort spilled 9,824 kB to disk (external merge) sorting 199,999 rows"},
	{rule: "disk-spill", plan: "analyze_hash_spill", want: "warning: Hash of 99,999 rows split into 64 batches on disk"},
	{rule: "disk-spill", plan: "analyze_index_lookup"},
	{rule: "lossy-bitmap", plan: "analyze_lossy_bitmap", want: "warning: Bitmap Heap Scan on payments went lossy: 2,596 heap blocks (of 3,354) rechecked row by row"},
	{rule: "lossy-bitmap", plan: "analyze_index_lookup"},
	{rule: "rows-removed-by-filter", plan: "analyze_index_filter_removes_most",
		want: "warning: Index Scan using payments_pkey on payments reads 499,999 rows to keep 4,999: Filter (status = 'pending'::text) removes 99%"},
	{rule: "rows-removed-by-filter", plan: "analyze_filter_removes_most"}, // a Seq Scan: seq-scan-large-table's business
	{rule: "nested-loop-large-outer", plan: "analyze_nested_loop_large_outer",
		want: "warning: Nested Loop runs its inner side (Memoize) 59,999 times, once per row of Index Scan using payments_pkey on payments"},
	{rule: "nested-loop-large-outer", plan: "analyze_index_lookup"},
	// slow-plan decides on cost 25,834 at the default 0.01 ms per cost
	// unit (258 ms); the 145 ms measured under ANALYZE is only quoted.
	{rule: "slow-plan", plan: "analyze_misestimate",
		want: "warning: estimated at 258 ms on production-sized data (max-ms 200): cost 25,834 at the default 0.01 ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)"},
	{rule: "slow-plan", plan: "analyze_misestimate", cfg: map[string]Config{"slow-plan": {Options: map[string]float64{"max-ms": 300}}}}, // 258 ms estimated
	{rule: "slow-plan", plan: "analyze_misestimate", cfg: map[string]Config{"slow-plan": {Options: map[string]float64{"max-ms": 140}}}, // 145 ms measured decides nothing
		want: "warning: estimated at 258 ms on production-sized data (max-ms 140): cost 25,834 at the default 0.01 ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)"},
	// long-lock on 1,000,000 payments (10,000 pages): a full pass costs
	// 20,000, 200 ms at the default speed; max-ms 150 puts it over.
	{rule: "long-lock", plan: "index_scan", measured: &explain.Measured{Took: 1150 * time.Millisecond, Locks: map[string]string{"payments": "ShareLock"}},
		cfg: map[string]Config{"long-lock": {Options: map[string]float64{"max-ms": 150}}},
		want: "error: holds ShareLock on payments (1,000,000 rows) through a pass over the table: writes on payments wait at least 200ms in production (max-ms 150): " +
			"cost 20,000 at the default 0.01 ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)"},
	{rule: "long-lock", plan: "index_scan", measured: &explain.Measured{Took: 1150 * time.Millisecond, Locks: map[string]string{"payments": "ShareLock"}}}, // 200 ms: under the default max-ms 500
	{rule: "long-lock", plan: "index_scan", measured: &explain.Measured{Took: time.Millisecond, Locks: map[string]string{"payments": "AccessExclusiveLock"}}, // catalogue only
		cfg: map[string]Config{"long-lock": {Options: map[string]float64{"max-ms": 150}}}},
	{rule: "long-lock", plan: "index_scan", measured: &explain.Measured{Took: 1385 * time.Millisecond, Locks: map[string]string{"payments": "ShareUpdateExclusiveLock"}}, // blocks neither
		cfg: map[string]Config{"long-lock": {Options: map[string]float64{"max-ms": 150}}}},
	{rule: "plan-regression", before: "index_scan", plan: "parallel_seq_scan_under_limit",
		want: "error: plan got worse after the change's ANALYZE: Parallel Seq Scan on payments where Index Scan using payments_pkey on payments was used; " +
			"index payments_pkey, which the query used, is gone; cost 8 → 14,716"},
	{rule: "plan-regression", before: "parallel_seq_scan_under_limit", plan: "index_scan",
		want: "notice: plan improved after the change's ANALYZE: Parallel Seq Scan on payments → Index Scan using payments_pkey on payments; cost 14,716 → 8"},
	{rule: "plan-regression", before: "index_scan", plan: "index_scan"},
	{rule: "unused-index", plan: "index_scan", sql: "CREATE INDEX payments_status_idx ON payments (status)", measured: &explain.Measured{},
		want: "notice: no query of the repository uses payments_status_idx on payments"},
	{rule: "unused-index", plan: "index_scan", sql: "CREATE INDEX payments_pkey ON payments (id)", measured: &explain.Measured{}}, // the recorded plan uses it
	{rule: "pool-saturation", plan: "analyze_misestimate", traffic: []Traffic{{Service: "payments", CallsPerSecond: 50, PoolSize: 20}},
		want: "error: service payments: 50 calls/s × 258 ms (estimated) = 12.9 busy connections, 65% of its pool of 20 (max-share 60%): most of the pool is held by this one statement; " +
			"latency: cost 25,834 at the default 0.01 ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)"},
	{rule: "pool-saturation", plan: "analyze_misestimate", traffic: []Traffic{{Service: "payments", CallsPerSecond: 40, PoolSize: 20}}}, // 10.3 busy, 52%
	{rule: "pool-saturation", plan: "analyze_misestimate"},                                                                              // no traffic entry: not checked
}

func TestPlanRulesOnRecordedPlans(t *testing.T) {
	for _, tt := range recordedCases {
		in := input(t, tt.plan)
		if tt.rule == "long-lock" { // a full pass over 1,000,000 payments costs 20,000
			in.Tables = map[string]explain.Table{"payments": {Name: "payments", Rows: 1_000_000, Pages: 10_000}}
		}
		in.Measured = tt.measured
		in.Traffic = tt.traffic
		in.Statement.Kind = "query"
		if tt.before != "" {
			in.Before = input(t, tt.before).Plan
		}
		if tt.sql != "" {
			stmts, err := analyzer.ParseSQL("m.sql", tt.sql, analyzer.KindMigration)
			if err != nil {
				t.Fatal(err)
			}
			in.Statement = stmts[0]
			in.Plans = map[*analyzer.Statement]*explain.Plan{{}: in.Plan}
		}
		got := messages(check(t, tt.cfg, in), tt.rule)
		want := []string{}
		if tt.want != "" {
			want = []string{tt.want}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s on %s %v:\n got %q\nwant %q", tt.rule, tt.plan, tt.measured, got, want)
		}
	}
}

func TestSlowPlanEstimatesFromTheCalibratedCost(t *testing.T) {
	in := input(t, "parallel_seq_scan_under_limit") // cost 14,716, not run
	in.Speed = explain.Speed{MsPerCost: 0.02, Source: "production's pg_stat_statements on db:5432/app at 2026-11-29 20:00 UTC"}
	if got := messages(check(t, nil, in), "slow-plan"); len(got) != 1 ||
		got[0] != "warning: estimated at 294 ms on production-sized data (max-ms 200): cost 14,716 at 0.02 ms per cost unit from production's pg_stat_statements on db:5432/app at 2026-11-29 20:00 UTC" {
		t.Errorf("got %q", got)
	}
	in.Speed = explain.Speed{MsPerCost: 0.001, Source: "production's pg_stat_statements"}
	if got := messages(check(t, nil, in), "slow-plan"); got != nil {
		t.Errorf("15 ms estimated, still flagged: %q", got)
	}
	in.Speed = explain.Speed{}
	if got := messages(check(t, nil, in), "slow-plan"); got != nil {
		t.Errorf("147 ms at the default speed, flagged: %q", got)
	}
}
