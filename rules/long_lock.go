package rules

import (
	"fmt"
	"sort"
	"time"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var longLock = &Rule{
	ID:       "long-lock",
	Severity: Error,
	Summary:  "a migration statement of the change does a pass over a table while blocking its reads or writes, for longer than max-ms at production's speed",
	Doc: `qreview applies the change's migrations to the seeded, production-sized database,
times each statement and reads from pg_locks the lock it holds. A statement
that holds a lock blocking writes (SHARE and stronger) or reads and writes
(ACCESS EXCLUSIVE) while it works through the whole table stalls every query
on that table for that long in production, while connections pile up behind
it; and the lock is held until the migration's transaction ends. ADD COLUMN
with a constant default takes milliseconds on any size since PostgreSQL 11,
while a table rewrite (ALTER COLUMN TYPE, a volatile default), a constraint
check or CREATE INDEX without CONCURRENTLY take as long as the table is large.

So that the same change gets the same finding on any machine at any load, the
time that decides is an estimate: one full pass over the table (its planner
cost, pages plus a hundredth per row) at production's milliseconds per cost
unit (config calibration:, from qreview profile export; else the default
0.01, see slow-plan). It is a floor: a rewrite also writes the table and its
indexes, an index build sorts. The time measured here only tells whether the
statement worked through the table at all, with margins far wider than load
makes it vary: it did when it took at least a tenth of that pass at the
default speed (0.001 ms per cost unit). On 1,000,000 rows (cost 22,500, a
line of 22 ms) here, catalogue-only ALTERs took 0.1 to 4 ms idle or with
both cores busy, CREATE INDEX 580 to 1,130 ms. The measured time is shown
with the statement (its migration's took_ms), not in the finding.

Fix: CREATE INDEX CONCURRENTLY; add constraints NOT VALID and VALIDATE them
in a later migration; backfill in batches; set lock_timeout so that a blocked
migration gives up instead of queueing traffic behind it.

Example: CREATE INDEX ON payments (status) on 10,000,000 rows holds SHARE
lock on payments for at least 2.3 s: writes blocked.`,
	Options: Options{"max-ms": 500},
	Check: func(in *Input, opts Options) []Finding {
		m := in.Measured
		if m == nil {
			return nil
		}
		speed := in.Speed.OrDefault()
		tables := make([]string, 0, len(m.Locks))
		for t := range m.Locks {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		var out []Finding
		for _, table := range tables {
			mode := m.Locks[table]
			blocks := explain.LockBlocks(mode)
			t, known := in.Tables[table]
			if blocks == "" || !known {
				continue
			}
			cost := fullPassCost(t)
			ms := speed.Estimate(cost)
			if ms < opts["max-ms"] || !workedThrough(m.Took, cost) {
				continue
			}
			out = append(out, Finding{
				Message: fmt.Sprintf("holds %s on %s (%s rows) through a pass over the table: %s on %s wait at least %s in production (max-ms %s): cost %s %s",
					mode, table, format.Count(t.Rows), blocks, table, time.Duration(ms*float64(time.Millisecond)).Round(time.Millisecond),
					format.Count(opts["max-ms"]), format.Count(cost), speed.Describe()),
				Suggestion: "build indexes CONCURRENTLY, add constraints NOT VALID and validate later, backfill in batches; set lock_timeout",
				Evidence: map[string]any{"table": table, "lock": mode, "rows": t.Rows, "blocks": blocks, "estimated_ms": ms, "max_ms": opts["max-ms"],
					"cost": cost, "ms_per_cost": speed.MsPerCost, "speed_source": speed.SourceName()},
			})
		}
		return out
	},
}

// fullPassCost is the planner's cost of reading a whole table with the
// default cost settings: a sequential page read per page
// (seq_page_cost 1) and cpu_tuple_cost 0.01 per row.
func fullPassCost(t explain.Table) float64 {
	return float64(t.Pages) + 0.01*t.Rows
}

// workedThrough: the statement took long enough to have gone through a
// table of this cost: a tenth of the pass at the default speed. The line
// sits far from both sides: catalogue-only statements take milliseconds
// at any load, passes take twenty times the line on an idle machine.
func workedThrough(took time.Duration, cost float64) bool {
	line := cost * explain.DefaultMsPerCost / 10
	return float64(took)/float64(time.Millisecond) >= line
}
