package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
)

var dropIndexNonConcurrently = &Rule{
	ID:       "drop-index-non-concurrently",
	Severity: Warning,
	Summary:  "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table",
	Doc: `DROP INDEX locks the table the index belongs to in ACCESS EXCLUSIVE mode. The
drop itself is quick, but the lock must first wait for every query running on
the table, and while it waits every new query on the table, reads included,
queues behind it: one slow report turns a tidy-up into an outage.

DROP INDEX CONCURRENTLY waits for those queries without blocking new ones
(squawk's require-concurrent-index-deletion, strong_migrations' "removing an
index non-concurrently"). It cannot run inside a transaction block (see
concurrently-in-transaction). An index created earlier in the same migration
file, or on a table created there, is exempt, and so is DROP INDEX IF EXISTS
of an index no earlier migration created (it drops nothing).

Fix:
    DROP INDEX CONCURRENTLY IF EXISTS accounts_status_idx;
in a migration of its own that runs outside a transaction.

Example: DROP INDEX accounts_status_idx;`,
	Check: func(in *Input, _ Options) []Finding {
		m, ok := migrationOf(in)
		drop := in.Statement.Tree.GetDropStmt()
		if !ok || drop == nil || drop.RemoveType != pg_query.ObjectType_OBJECT_INDEX || drop.Concurrent {
			return nil
		}
		var out []Finding
		for _, obj := range drop.Objects {
			index := lastName(obj.GetList().GetItems())
			table, createdHere := indexTable(in.Tables, m, index)
			if createdHere || table != "" && m.isNew(table) || m.dropsNothing(drop, index) {
				continue
			}
			on := "its table"
			if table != "" {
				on = table
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("DROP INDEX %s without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on %s: every query on it queues behind the drop", index, on),
				Suggestion: "DROP INDEX CONCURRENTLY, in a migration of its own outside a transaction",
				Evidence:   map[string]any{"table": table, "index": index},
			})
		}
		return out
	},
}

// indexTable finds the table an index belongs to: from the seeded
// database, else from the CREATE INDEX that made it; createdHere when the
// same migration file created the index.
func indexTable(tables map[string]explain.Table, m migrationContext, index string) (table string, createdHere bool) {
	for name, t := range tables {
		for _, ix := range t.Indexes {
			if ix.Name == index {
				table = name
			}
		}
	}
	find := func(stmts []*analyzer.Statement) string {
		for _, st := range stmts {
			if ix := st.Tree.GetIndexStmt(); ix != nil && ix.Idxname == index {
				return ix.Relation.GetRelname()
			}
		}
		return ""
	}
	if t := find(m.file); t != "" {
		return t, true
	}
	if table == "" {
		table = find(m.prior)
	}
	return table, false
}
