package rules

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var truncateTable = &Rule{
	ID:       "truncate-table",
	Severity: Error,
	Summary:  "TRUNCATE in a migration deletes every row under an ACCESS EXCLUSIVE lock; CASCADE empties the referencing tables too",
	Doc: `TRUNCATE removes every row of an existing table at once, takes an ACCESS
EXCLUSIVE lock that blocks reads and writes until the migration's transaction
ends, and cannot be undone by a down migration. With CASCADE it also empties
every table whose foreign keys point at it, and the tables pointing at those:
a lookup table's TRUNCATE … CASCADE empties the tables that use it (squawk's
ban-truncate-cascade). Not sized by the table: the data is gone on a small
table too. A table created earlier in the same migration file is exempt.

Fix: delete the rows that must go with DELETE … WHERE, in batches; name every
table to empty explicitly, without CASCADE. If the table really is disposable
(a cache), ignore the rule on the statement with the reason.

Example: TRUNCATE countries CASCADE;`,
	Check: func(in *Input, _ Options) []Finding {
		m, ok := migrationOf(in)
		trunc := in.Statement.Tree.GetTruncateStmt()
		if !ok || trunc == nil {
			return nil
		}
		var tables []string
		for _, r := range trunc.Relations {
			if name := r.GetRangeVar().GetRelname(); !m.isNew(name) {
				tables = append(tables, name)
			}
		}
		if len(tables) == 0 {
			return nil
		}
		msg := fmt.Sprintf("TRUNCATE %s deletes every row under an ACCESS EXCLUSIVE lock", strings.Join(tables, ", "))
		suggestion := "DELETE the rows that must go with a WHERE clause, in batches"
		if trunc.Behavior == pg_query.DropBehavior_DROP_CASCADE {
			msg += ", and CASCADE empties every table whose foreign keys reference it"
			suggestion = "name each table to empty without CASCADE, or DELETE the rows that must go in batches"
		}
		return []Finding{{
			Message:    msg,
			Suggestion: suggestion,
			Evidence:   map[string]any{"table": tables[0], "tables": tables, "cascade": trunc.Behavior == pg_query.DropBehavior_DROP_CASCADE},
		}}
	},
}
