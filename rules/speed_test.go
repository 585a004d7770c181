package rules

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/qreview/qreview/explain"
)

// TestFindingsDoNotDependOnTheMachinesSpeed runs every rule on the same
// recorded plans and migration measurements as an idle, a loaded and a
// very fast review machine would time them (every measured time scaled):
// the findings must be identical, to the message and evidence.
func TestFindingsDoNotDependOnTheMachinesSpeed(t *testing.T) {
	plans := []string{"analyze_misestimate", "analyze_filter_removes_most", "analyze_sort_spill", "analyze_hash_spill",
		"analyze_index_filter_removes_most", "analyze_nested_loop_large_outer", "analyze_lossy_bitmap", "parallel_seq_scan_under_limit"}
	measures := []*explain.Measured{
		nil,
		{Took: 1150 * time.Millisecond, Locks: map[string]string{"payments": "ShareLock"}},          // an index build
		{Took: 2 * time.Millisecond, Locks: map[string]string{"payments": "AccessExclusiveLock"}},   // catalogue only
		{Took: 900 * time.Millisecond, Locks: map[string]string{"payments": "AccessExclusiveLock"}}, // a rewrite
	}
	speeds := []explain.Speed{{}, {MsPerCost: 0.004, Source: "production's pg_stat_statements on db:5432/app at 2026-11-29 20:00 UTC"}}
	cfg := map[string]Config{"long-lock": {Options: map[string]float64{"max-ms": 150}}} // the 1,000,000-row pass (200 ms at the default) is judged
	for _, plan := range plans {
		for mi, m := range measures {
			for _, speed := range speeds {
				var want []string
				for _, machine := range []float64{1, 0.2, 5} { // idle, ten times faster than loaded, loaded
					in := input(t, plan)
					in.Tables = map[string]explain.Table{"payments": {Name: "payments", Rows: 1_000_000, Pages: 10_000}}
					in.Statement.Kind = "query"
					in.Speed = speed
					in.Traffic = []Traffic{{Service: "api", CallsPerSecond: 60, PoolSize: 20}}
					scaleTimes(in.Plan, machine)
					if m != nil {
						scaled := *m
						scaled.Took = time.Duration(float64(m.Took) * machine)
						in.Measured = &scaled
					}
					got := describe(check(t, cfg, in))
					if machine == 1 {
						want = got
						continue
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s, measurement %d, speed %+v: at %g× the idle machine's times\n got %q\nwant %q", plan, mi, speed, machine, got, want)
					}
				}
				if plan == "analyze_misestimate" && len(want) == 0 {
					t.Errorf("%s: no finding at all: the comparison proves nothing", plan)
				}
			}
		}
	}
}

// scaleTimes multiplies every time EXPLAIN ANALYZE measured.
func scaleTimes(p *explain.Plan, by float64) {
	p.ExecutionMS *= by
	p.Walk(func(n *explain.Node, _ []*explain.Node) { n.ActualTotalMS *= by })
}

func describe(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s: %s %v", f.Rule.ID, f.Severity, f.Message, f.Evidence))
	}
	return out
}
