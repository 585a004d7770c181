package rules

import (
	"math"
	"strings"
	"testing"

	"github.com/qreview/qreview/explain"
)

func TestPoolLoad(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		calls, ms   float64
		size        int
		busy, share float64
	}{
		{100, 218, 20, 21.8, 1.09}, // the payments outage: more than the pool
		{100, 2.3, 20, 0.23, 0.0115},
		{1, 1000, 1, 1, 1}, // exactly full
		{0, 218, 20, 0, 0}, // never called
		{100, 0, 20, 0, 0}, // takes no time
		{0, 0, 0, 0, 0},    // nothing at all: no share of an empty pool
		{5, 100, 0, 0.5, inf},
		{-5, 100, 20, 0, 0}, // a negative rate or time counts as none
		{5, -100, 20, 0, 0},
		{1e6, 0.001, 20, 1, 0.05},
	}
	for _, tt := range tests {
		busy, share := PoolLoad(tt.calls, tt.ms, tt.size)
		if math.Abs(busy-tt.busy) > 1e-9 || (share != tt.share && math.Abs(share-tt.share) > 1e-9) {
			t.Errorf("PoolLoad(%g calls/s, %g ms, pool %d) = %g busy, share %g; want %g, %g", tt.calls, tt.ms, tt.size, busy, share, tt.busy, tt.share)
		}
	}
}

// TestPoolSaturation: the latency is estimated from the plan's cost at
// the calibrated speed, each service's pool is judged on its own, the
// alert line is max-share, and the sources of the speed and of the calls
// per second are named.
func TestPoolSaturation(t *testing.T) {
	in := input(t, "parallel_seq_scan_under_limit")                                                                             // cost 14,716, not run
	in.Speed = explain.Speed{MsPerCost: 0.02, Source: "production's pg_stat_statements on db:5432/app at 2026-11-29 20:00 UTC"} // 294 ms
	in.Traffic = []Traffic{
		{Service: "api", CallsPerSecond: 100, PoolSize: 20},  // 29.4 busy: more than the pool
		{Service: "worker", CallsPerSecond: 10, PoolSize: 5}, // 2.9 busy, 59%
		{Service: "broken", CallsPerSecond: 10, PoolSize: 0}, // refused by the config; never reported
	}
	const speed = "; latency: cost 14,716 at 0.02 ms per cost unit from production's pg_stat_statements on db:5432/app at 2026-11-29 20:00 UTC"
	want := "error: service api: 100 calls/s × 294 ms (estimated) = 29.4 busy connections, 147% of its pool of 20 (max-share 60%): the pool runs dry and requests queue" + speed
	got := check(t, nil, in)
	if m := messages(got, "pool-saturation"); len(m) != 1 || m[0] != want {
		t.Errorf("got %q\nwant %q", m, want)
	}
	for _, f := range got {
		if f.Rule.ID != "pool-saturation" {
			continue
		}
		ev := f.Evidence
		if ev["service"] != "api" || ev["calls_per_second"] != 100.0 || ev["speed_source"] != "pg_stat_statements" || ev["ms_per_cost"] != 0.02 || ev["pool_size"] != 20 ||
			math.Abs(ev["latency_ms"].(float64)-294.32) > 0.01 || math.Abs(ev["busy_connections"].(float64)-29.432) > 0.001 ||
			math.Abs(ev["share"].(float64)-1.4716) > 0.0001 || ev["max_share"] != 0.6 || ev["measured_ms"] != nil {
			t.Errorf("evidence %v", ev)
		}
	}

	// max-share 0.5 puts the worker's 59% over the line too.
	lower := map[string]Config{"pool-saturation": {Options: map[string]float64{"max-share": 0.5}}}
	if m := messages(check(t, lower, in), "pool-saturation"); len(m) != 2 ||
		m[1] != "error: service worker: 10 calls/s × 294 ms (estimated) = 2.9 busy connections, 59% of its pool of 5 (max-share 50%): most of the pool is held by this one statement"+speed {
		t.Errorf("max-share 0.5: %q", m)
	}

	// Calls per second exported from production say so.
	in.Traffic = []Traffic{{Service: "api", CallsPerSecond: 100, PoolSize: 20, Source: "production's pg_stat_statements"}}
	if m := messages(check(t, nil, in), "pool-saturation"); len(m) != 1 ||
		m[0] != "error: service api: 100 calls/s (production's pg_stat_statements, all instances) × 294 ms (estimated) = 29.4 busy connections, 147% of its pool of 20 (max-share 60%): the pool runs dry and requests queue"+speed {
		t.Errorf("production's rate: %q", m)
	}

	// Without a calibration the default speed decides (147 ms, 74%), and
	// says so.
	in.Speed = explain.Speed{}
	if m := messages(check(t, nil, in), "pool-saturation"); len(m) != 1 || !strings.Contains(m[0], "× 147 ms (estimated) = 14.7 busy connections, 74% of its pool of 20") ||
		!strings.HasSuffix(m[0], "latency: cost 14,716 at the default 0.01 ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)") {
		t.Errorf("default speed: %q", m)
	}
}
