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
	Summary:  "a migration statement of the change blocks reads or writes for longer than max-ms on production-sized data",
	Doc: `qreview applies the change's migrations to the seeded, production-sized database,
times each statement and reads from pg_locks the lock it holds. A statement
that holds a lock blocking writes (SHARE and stronger) or reads and writes
(ACCESS EXCLUSIVE) for longer than max-ms (default 500) stalls every query on
that table for that long in production, while connections pile up behind it;
and the lock is held until the migration's transaction ends.

This is measured, not guessed from the statement: ADD COLUMN with a constant
default takes milliseconds on any size since PostgreSQL 11, while a table
rewrite (ALTER COLUMN TYPE, a volatile default) or CREATE INDEX without
CONCURRENTLY takes as long as the table is large.

Fix: CREATE INDEX CONCURRENTLY; add constraints NOT VALID and VALIDATE them
in a later migration; backfill in batches; set lock_timeout so that a blocked
migration gives up instead of queueing traffic behind it.

Example: CREATE INDEX ON payments (status) on 10,000,000 rows took 8.2 s
holding SHARE lock on payments: writes blocked.`,
	Options: Options{"max-ms": 500},
	Check: func(in *Input, opts Options) []Finding {
		m := in.Measured
		if m == nil || m.Took < time.Duration(opts["max-ms"]*float64(time.Millisecond)) {
			return nil
		}
		var out []Finding
		tables := make([]string, 0, len(m.Locks))
		for t := range m.Locks {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		for _, table := range tables {
			mode := m.Locks[table]
			blocks := explain.LockBlocks(mode)
			if blocks == "" {
				continue
			}
			rows := in.Tables[table].Rows
			out = append(out, Finding{
				Message: fmt.Sprintf("took %s on %s (%s rows) holding %s: %s on %s wait for it",
					m.Took.Round(time.Millisecond), table, format.Count(rows), mode, blocks, table),
				Suggestion: "build indexes CONCURRENTLY, add constraints NOT VALID and validate later, backfill in batches; set lock_timeout",
				Evidence:   map[string]any{"table": table, "lock": mode, "took_ms": m.Took.Milliseconds(), "rows": rows, "blocks": blocks},
			})
		}
		return out
	},
}
