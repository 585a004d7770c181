package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var addColumnNotNullWithoutDefault = &Rule{
	ID:       "add-column-not-null-without-default",
	Severity: Error,
	Summary:  "ADD COLUMN … NOT NULL without a default fails on a table that has rows",
	Doc: `A new column is NULL in every existing row unless it has a default, so
ADD COLUMN … NOT NULL without one fails with "column contains null values" on
any table with rows: it passes in development on an empty table and stops the
deploy in production. A table created earlier in the same migration file is
exempt.

Fix: give it a constant default (cheap since PostgreSQL 11: no rewrite), or add
it nullable, backfill it in batches, add CHECK (col IS NOT NULL) NOT VALID,
VALIDATE it, and then SET NOT NULL (see set-not-null).

Example: ALTER TABLE accounts ADD COLUMN plan text NOT NULL;`,
	Check: func(in *Input, _ Options) []Finding {
		table, cmds, _ := alteredTable(in)
		var out []Finding
		for _, def := range addedColumns(cmds) {
			cons := columnConstraints(def)
			notNull := cons[pg_query.ConstrType_CONSTR_NOTNULL] != nil || cons[pg_query.ConstrType_CONSTR_PRIMARY] != nil
			if !notNull || cons[pg_query.ConstrType_CONSTR_DEFAULT] != nil || rewritingDefault(def) != "" {
				continue // a default, a sequence or a generated value fills the existing rows
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("ADD COLUMN %s NOT NULL without a default fails on %s as soon as it has a row", def.Colname, table),
				Suggestion: "give the column a constant DEFAULT, or add it nullable, backfill, and then SET NOT NULL",
				Evidence:   map[string]any{"table": table, "column": def.Colname},
			})
		}
		return out
	},
}
