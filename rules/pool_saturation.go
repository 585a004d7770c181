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
	Source         string // where CallsPerSecond comes from when not services.NAME.traffic: "production's pg_stat_statements"
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
	Summary:  "at its calls per second and estimated latency the statement would hold max-share of its service's connection pool",
	Doc: `The payments outage's mechanism: a query that became slow on production-sized
data was called as often as before, each call held a pooled connection for
its whole duration, the pool ran dry and every other request queued behind
it. By Little's law, the connections a statement keeps busy on average are
its calls per second times its latency in seconds. This rule flags a
statement that would keep max-share (default 0.6, 60%, the postmortem's
alert line) or more of its service's pool busy, and reports the numbers.

The calls per second and the pool come from the config (services: NAME:
{pool: {size: N}, traffic: {QueryName: calls per second}}), per instance of
the service, since each instance has its own pool. A query that no traffic
entry names takes its calls per second from production's pg_stat_statements
when the profile was exported with them (config calibration:, matched by the
query's fingerprint), judged against each service's pool; that rate is every
instance's together, a ceiling for one instance. A statement with neither is
not checked.

The latency is an estimate, so that the same input gets the same finding on
any machine at any load: the plan's cost times production's milliseconds per
cost unit (config calibration:, from qreview profile export), else the fixed
default of 0.01 (see slow-plan); the message names which. A time measured
here under EXPLAIN ANALYZE is shown with the statement (its plan's
actual_ms), never deciding the finding. Real calls hold the
connection a little longer (network, the application's own work), so the
numbers are a floor.

Fix: make the query fast (its plan's findings say how), call it less often
(a longer poll interval, batching), or give it its own small pool so that
it cannot starve the rest.`,
	Options: Options{"max-share": 0.6},
	Check: func(in *Input, opts Options) []Finding {
		p := in.Plan
		if p == nil || len(in.Traffic) == 0 {
			return nil
		}
		speed := in.Speed.OrDefault()
		ms := speed.Estimate(p.Root.TotalCost)
		if ms <= 0 { // a plan of no cost holds nothing
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
			rate := "calls/s"
			if t.Source != "" {
				rate = "calls/s (" + t.Source + ", all instances)"
			}
			f := Finding{
				Message: fmt.Sprintf("service %s: %s %s × %s ms (estimated) = %.1f busy connections, %.0f%% of its pool of %d (max-share %.0f%%): %s; latency: cost %s %s",
					t.Service, number(t.CallsPerSecond), rate, number(ms), busy, 100*share, t.PoolSize, 100*opts["max-share"], effect,
					format.Count(p.Root.TotalCost), speed.Describe()),
				Evidence: map[string]any{"service": t.Service, "calls_per_second": t.CallsPerSecond, "latency_ms": ms,
					"busy_connections": busy, "pool_size": t.PoolSize, "share": share, "max_share": opts["max-share"],
					"cost": p.Root.TotalCost, "ms_per_cost": speed.MsPerCost, "speed_source": speed.SourceName()},
			}
			if t.Source != "" {
				f.Evidence["calls_source"] = t.Source
			}
			out = append(out, f)
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
