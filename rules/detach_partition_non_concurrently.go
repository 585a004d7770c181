package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var detachPartitionNonConcurrently = &Rule{
	ID:       "detach-partition-non-concurrently",
	Severity: Warning,
	Summary:  "DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the partitioned table",
	Doc: `ALTER TABLE … DETACH PARTITION locks the partitioned table and the partition in
ACCESS EXCLUSIVE mode: every query on any partition waits for it, and while it
waits for the queries already running, every new one queues behind it.

Since PostgreSQL 14, DETACH PARTITION … CONCURRENTLY takes only a SHARE UPDATE
EXCLUSIVE lock on the partitioned table, so reads and writes go on (squawk's
require-concurrent-partition-detach). It cannot run inside a transaction block
(see concurrently-in-transaction) and is not reported. A table created earlier
in the same migration file is exempt.

Fix:
    ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
in a migration of its own that runs outside a transaction.

Example: ALTER TABLE events DETACH PARTITION events_2023;`,
	Check: func(in *Input, _ Options) []Finding {
		table, cmds, _ := alteredTable(in)
		var out []Finding
		for _, cmd := range cmds {
			part := cmd.GetDef().GetPartitionCmd()
			if cmd.Subtype != pg_query.AlterTableType_AT_DetachPartition || part == nil || part.Concurrent {
				continue
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("DETACH PARTITION %s without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on %s: every query on it queues behind the detach", part.Name.GetRelname(), table),
				Suggestion: "DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+), in a migration of its own outside a transaction",
				Evidence:   map[string]any{"table": table, "partition": part.Name.GetRelname()},
			})
		}
		return out
	},
}
