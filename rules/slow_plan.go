package rules

import (
	"fmt"

	"github.com/qreview/qreview/internal/format"
)

var slowPlan = &Rule{
	ID:       "slow-plan",
	Severity: Warning,
	Summary:  "the query takes longer than max-ms on production-sized data, measured or estimated",
	Doc: `A query on the request path that takes longer than max-ms (default 200) holds a
pooled connection that long; under load the pool runs dry and requests queue,
which is how one slow query turns into an outage. The payments postmortem
alerts at 5 s; a gate for OLTP queries must stop far below that.

Measured when the query ran under EXPLAIN ANALYZE (config analyze: select or
all; never statements with parameters). Otherwise estimated: the plan's cost
times the milliseconds one unit of cost took on this server, measured at the
start of the run by timing a full scan of the largest table.

Fix: see the plan's most expensive node; add the index it needs, narrow the
query, paginate, or move the work off the request path.`,
	Options: Options{"max-ms": 200},
	Check: func(in *Input, opts Options) []Finding {
		p := in.Plan
		if p == nil {
			return nil
		}
		ms, how := p.ExecutionMS, "ran in"
		if !p.Analyzed {
			ms, how = p.Root.TotalCost*in.MsPerCost, "estimated at"
		}
		if ms <= opts["max-ms"] {
			return nil
		}
		f := Finding{
			Message:  fmt.Sprintf("%s %s ms on production-sized data (max-ms %s)", how, format.Count(ms), format.Count(opts["max-ms"])),
			Evidence: map[string]any{"ms": ms, "measured": p.Analyzed, "max_ms": opts["max-ms"]},
		}
		if !p.Analyzed {
			f.Message += fmt.Sprintf(": cost %s × %.4f ms per cost unit measured on this server", format.Count(p.Root.TotalCost), in.MsPerCost)
		}
		return []Finding{f}
	},
}
