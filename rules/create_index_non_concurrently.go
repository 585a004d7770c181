package rules

import "fmt"

var createIndexNonConcurrently = &Rule{
	ID:       "create-index-non-concurrently",
	Severity: Error,
	Summary:  "CREATE INDEX without CONCURRENTLY blocks writes to an existing table while it builds",
	Doc: `CREATE INDEX takes a SHARE lock on the table: reads go on, but every INSERT,
UPDATE and DELETE waits until the index is built, which on a large table takes
minutes. Writes queue up, the connection pool runs dry, and the application is
down for the length of the build.

CREATE INDEX CONCURRENTLY builds the index without blocking writes (it takes
longer and cannot run inside a transaction block). A table created earlier in
the same migration file is exempt: it is empty and nothing uses it yet.

Fix: CREATE INDEX CONCURRENTLY, in a migration that runs outside a transaction
(see concurrently-in-transaction). If it fails midway it leaves an INVALID index:
drop it and retry.

` + sizedDoc + `

Example: CREATE INDEX accounts_status_idx ON accounts (status);`,
	Options: Options{"min-rows": smallTable},
	Check: func(in *Input, opts Options) []Finding {
		m, ok := migrationOf(in)
		ix := in.Statement.Tree.GetIndexStmt()
		if !ok || ix == nil || ix.Concurrent || m.isNew(ix.Relation.GetRelname()) {
			return nil
		}
		table := ix.Relation.GetRelname()
		return []Finding{sized(in, opts, Finding{
			Message:    fmt.Sprintf("CREATE INDEX on existing table %s without CONCURRENTLY blocks writes to it until the index is built", table),
			Suggestion: "CREATE INDEX CONCURRENTLY …, in a migration that runs outside a transaction",
			Evidence:   map[string]any{"table": table, "index": ix.Idxname},
		})}
	},
}
