package rules

import (
	"math"
	"testing"
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

// TestPoolSaturation: the latency is estimated from the calibrated cost
// when the plan did not run, each service's pool is judged on its own, the
// alert line is max-share, and nothing is said without traffic or a time.
func TestPoolSaturation(t *testing.T) {
	in := input(t, "parallel_seq_scan_under_limit") // cost 14,716, not run
	in.MsPerCost = 0.02                             // 294 ms
	in.Traffic = []Traffic{
		{Service: "api", CallsPerSecond: 100, PoolSize: 20},  // 29.4 busy: more than the pool
		{Service: "worker", CallsPerSecond: 10, PoolSize: 5}, // 2.9 busy, 59%
		{Service: "broken", CallsPerSecond: 10, PoolSize: 0}, // refused by the config; never reported
	}
	want := "error: service api: 100 calls/s × 294 ms (estimated) = 29.4 busy connections, 147% of its pool of 20 (max-share 60%): the pool runs dry and requests queue"
	got := check(t, nil, in)
	if m := messages(got, "pool-saturation"); len(m) != 1 || m[0] != want {
		t.Errorf("got %q\nwant %q", m, want)
	}
	for _, f := range got {
		if f.Rule.ID != "pool-saturation" {
			continue
		}
		ev := f.Evidence
		if ev["service"] != "api" || ev["calls_per_second"] != 100.0 || ev["measured"] != false || ev["pool_size"] != 20 ||
			math.Abs(ev["latency_ms"].(float64)-294.32) > 0.01 || math.Abs(ev["busy_connections"].(float64)-29.432) > 0.001 ||
			math.Abs(ev["share"].(float64)-1.4716) > 0.0001 || ev["max_share"] != 0.6 {
			t.Errorf("evidence %v", ev)
		}
	}

	// max-share 0.5 puts the worker's 59% over the line too.
	lower := map[string]Config{"pool-saturation": {Options: map[string]float64{"max-share": 0.5}}}
	if m := messages(check(t, lower, in), "pool-saturation"); len(m) != 2 ||
		m[1] != "error: service worker: 10 calls/s × 294 ms (estimated) = 2.9 busy connections, 59% of its pool of 5 (max-share 50%): most of the pool is held by this one statement" {
		t.Errorf("max-share 0.5: %q", m)
	}

	in.MsPerCost = 0 // no table large enough to calibrate on: no time, no judgement
	if m := messages(check(t, nil, in), "pool-saturation"); m != nil {
		t.Errorf("without a latency: %q", m)
	}
}
