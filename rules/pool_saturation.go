package rules

import (
	"fmt"
	"math"

	"github.com/qreview/qreview/internal/format"
)

// Traffic is how often one service calls a statement and the connection
// pool it calls it through (config services:).
type Traffic struct {
	Service        string
	CallsPerSecond float64
	PoolSize       int
}

// PoolLoad is Little's law for a connection pool: the connections busy on
// average with a statement called callsPerSecond times, each holding one
// for latencyMS, and their share of a pool of poolSize. A pool of no
// connections is saturated by any work: share is +Inf when busy > 0.
func PoolLoad(callsPerSecond, latencyMS float64, poolSize int) (busy, share float64) {
	busy = math.Max(callsPerSecond, 0) * math.Max(latencyMS, 0) / 1000
	switch {
	case poolSize > 0:
		share = busy / float64(poolSize)
	case busy > 0:
		share = math.Inf(1)
	}
	return busy, share
}

var poolSaturation = &Rule{
	ID:       "pool-saturation",
	Severity: Error,
	Summary:  "at its configured calls per second the statement would hold max-share of its service's connection pool",
	Doc: `The payments outage's mechanism: a query that became slow on production-sized
data was called as often as before, each call held a pooled connection for
its whole duration, the pool ran dry and every other request queued behind
it. By Little's law, the connections a statement keeps busy on average are
its calls per second times its latency in seconds. This rule flags a
statement that would keep max-share (default 0.6, 60%, the postmortem's
alert line) or more of its service's pool busy, and reports the numbers.

The calls per second and the pool come from the config (services: NAME:
{pool: {size: N}, traffic: {QueryName: calls per second}}), per instance of
the service, since each instance has its own pool. A statement with no
traffic entry is not checked. The latency is measured when the query ran
under EXPLAIN ANALYZE, else estimated as the plan's cost times this server's
milliseconds per cost unit (see slow-plan); so the finding comes and goes
with the machine's speed near the line. Real calls hold the connection a
little longer (network, the application's own work), so the numbers are a
floor.

Fix: make the query fast (its plan's findings say how), call it less often
(a longer poll interval, batching), or give it its own small pool so that
it cannot starve the rest.`,
	Options: Options{"max-share": 0.6},
	Check: func(in *Input, opts Options) []Finding {
		p := in.Plan
		if p == nil || len(in.Traffic) == 0 {
			return nil
		}
		ms, how := p.ExecutionMS, "measured"
		if !p.Analyzed {
			ms, how = p.Root.TotalCost*in.MsPerCost, "estimated"
		}
		if ms <= 0 { // no time known (no table large enough to calibrate on)
			return nil
		}
		var out []Finding
		for _, t := range in.Traffic {
			if t.PoolSize <= 0 { // config refuses it; an infinite share has no JSON
				continue
			}
			busy, share := PoolLoad(t.CallsPerSecond, ms, t.PoolSize)
			if share < opts["max-share"] {
				continue
			}
			effect := "most of the pool is held by this one statement"
			if share >= 1 {
				effect = "the pool runs dry and requests queue"
			}
			out = append(out, Finding{
				Message: fmt.Sprintf("service %s: %s calls/s × %s ms (%s) = %.1f busy connections, %.0f%% of its pool of %d (max-share %.0f%%): %s",
					t.Service, number(t.CallsPerSecond), number(ms), how, busy, 100*share, t.PoolSize, 100*opts["max-share"], effect),
				Evidence: map[string]any{"service": t.Service, "calls_per_second": t.CallsPerSecond, "latency_ms": ms, "measured": p.Analyzed,
					"busy_connections": busy, "pool_size": t.PoolSize, "share": share, "max_share": opts["max-share"]},
			})
		}
		return out
	},
}

// number writes 218.4 as 218 and 2.345 as 2.35: whole numbers from 100
// on, three significant digits below.
func number(x float64) string {
	if x >= 100 {
		return format.Count(x)
	}
	return fmt.Sprintf("%.3g", x)
}
