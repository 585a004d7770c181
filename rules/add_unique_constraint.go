package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// indexConstraints are the constraint types PostgreSQL enforces with an
// index it builds when the constraint is added.
var indexConstraints = map[pg_query.ConstrType]string{
	pg_query.ConstrType_CONSTR_UNIQUE:    "UNIQUE",
	pg_query.ConstrType_CONSTR_PRIMARY:   "PRIMARY KEY",
	pg_query.ConstrType_CONSTR_EXCLUSION: "EXCLUDE",
}

var addUniqueConstraint = &Rule{
	ID:       "add-unique-constraint",
	Severity: Error,
	Summary:  "ADD UNIQUE or PRIMARY KEY builds an index under an exclusive lock",
	Doc: `ALTER TABLE … ADD UNIQUE (or PRIMARY KEY, or EXCLUDE), and ADD COLUMN with a
UNIQUE or PRIMARY KEY column constraint, build the constraint's index while
holding an ACCESS EXCLUSIVE lock on the table: no reads, no writes, for the
whole build.

Build the unique index first with CREATE UNIQUE INDEX CONCURRENTLY (no blocking),
then attach it with ADD CONSTRAINT … USING INDEX, which only takes the lock
for an instant. A table created earlier in the same migration file is exempt.
An EXCLUDE constraint has no such path: build it with the table, or accept the
lock on a small one. A PRIMARY KEY attached USING INDEX also sets its columns
NOT NULL (see set-not-null).

` + sizedDoc + `

Fix:
    CREATE UNIQUE INDEX CONCURRENTLY accounts_handle_key ON accounts (handle);
    ALTER TABLE accounts ADD CONSTRAINT accounts_handle_key UNIQUE USING INDEX accounts_handle_key;

Example: ALTER TABLE accounts ADD CONSTRAINT accounts_handle_key UNIQUE (handle);`,
	Options: Options{"min-rows": smallTable},
	Check: func(in *Input, opts Options) []Finding {
		table, cmds, _ := alteredTable(in)
		var found []string
		for _, con := range addedConstraints(cmds) {
			if kind := indexConstraints[con.Contype]; kind != "" && con.Indexname == "" {
				found = append(found, "ADD "+kind)
			}
		}
		for _, def := range addedColumns(cmds) {
			for _, c := range def.Constraints {
				if kind := indexConstraints[c.GetConstraint().GetContype()]; kind != "" {
					found = append(found, "ADD COLUMN "+def.Colname+" "+kind)
				}
			}
		}
		var out []Finding
		for _, what := range found {
			out = append(out, Finding{
				Message:    fmt.Sprintf("%s on existing table %s builds its index under an ACCESS EXCLUSIVE lock", what, table),
				Suggestion: "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … USING INDEX",
				Evidence:   map[string]any{"table": table},
			})
		}
		return sizedAll(in, opts, out)
	},
}
