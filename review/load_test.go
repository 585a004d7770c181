package review

import (
	"testing"
	"time"
)

func TestSummarizeLatencies(t *testing.T) {
	var hundred []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		samples []time.Duration
		want    latencies
	}{
		{hundred, latencies{p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5}},
		{[]time.Duration{3 * time.Millisecond}, latencies{p50: 3, p95: 3, p99: 3, max: 3, mean: 3}},
		{[]time.Duration{time.Millisecond, 9 * time.Millisecond}, latencies{p50: 1, p95: 9, p99: 9, max: 9, mean: 5}},
		{nil, latencies{}},
	}
	for _, tt := range tests {
		if got := summarizeLatencies(tt.samples); got != tt.want {
			t.Errorf("%d samples: %+v, want %+v", len(tt.samples), got, tt.want)
		}
	}
}
