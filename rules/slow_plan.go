package rules

import (
	"fmt"

	"github.com/qreview/qreview/internal/format"
)

var slowPlan = &Rule{
	ID:       "slow-plan",
	Severity: Warning,
	Summary:  "the query's estimated time on production-sized data, at production's speed, is above max-ms",
	Doc: `A query on the request path that takes longer than max-ms (default 200) holds a
pooled connection that long; under load the pool runs dry and requests queue,
which is how one slow query turns into an outage. The payments postmortem
alerts at 5 s; a gate for OLTP queries must stop far below that.

Decided on an estimate, so that the same input gets the same finding on any
machine at any load: the plan's cost times production's milliseconds per
cost unit, fitted on production's pg_stat_statements by qreview profile
export (config calibration:), else the fixed default of 0.01 ms per cost
unit (about one 8 kB page read from cache or SSD). The message names which.
A time measured here under EXPLAIN ANALYZE (config analyze:) is shown with the
statement (its plan's actual_ms), never in the finding and never deciding it:
the review machine's speed and load are not production's.

Fix: see the plan's most expensive node; add the index it needs, narrow the
query, paginate, or move the work off the request path.`,
	Options: Options{"max-ms": 200},
	Check: func(in *Input, opts Options) []Finding {
		p := in.Plan
		if p == nil {
			return nil
		}
		speed := in.Speed.OrDefault()
		ms := speed.Estimate(p.Root.TotalCost)
		if ms <= opts["max-ms"] {
			return nil
		}
		f := Finding{
			Message: fmt.Sprintf("estimated at %s ms on production-sized data (max-ms %s): cost %s %s",
				format.Count(ms), format.Count(opts["max-ms"]), format.Count(p.Root.TotalCost), speed.Describe()),
			Evidence: map[string]any{"ms": ms, "max_ms": opts["max-ms"], "cost": p.Root.TotalCost,
				"ms_per_cost": speed.MsPerCost, "speed_source": speed.SourceName()},
		}
		return []Finding{f}
	},
}
