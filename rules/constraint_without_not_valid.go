package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var constraintWithoutNotValid = &Rule{
	ID:       "constraint-without-not-valid",
	Severity: Error,
	Summary:  "ADD FOREIGN KEY or CHECK on an existing table validates every row under a blocking lock",
	Doc: `Adding a foreign key or CHECK constraint to an existing table makes PostgreSQL
check every row before the statement ends. For a CHECK it holds an ACCESS
EXCLUSIVE lock meanwhile (no reads, no writes); for a FOREIGN KEY a SHARE ROW
EXCLUSIVE lock on both tables, which blocks writes to both. On a large table
that is minutes of downtime.

Added NOT VALID, the constraint is enforced for new rows at once and the old
rows are checked later by VALIDATE CONSTRAINT, which takes a lock that lets
reads and writes go on. A table created earlier in the same migration file is
exempt.

Fix:
    ALTER TABLE payments ADD CONSTRAINT payments_account_fk
        FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;
    ALTER TABLE payments VALIDATE CONSTRAINT payments_account_fk; -- a later statement or migration

Example: ALTER TABLE accounts ADD CONSTRAINT balance_positive CHECK (balance >= 0);`,
	Check: func(in *Input, _ Options) []Finding {
		table, cmds, _ := alteredTable(in)
		var out []Finding
		for _, con := range addedConstraints(cmds) {
			kind, lock := "CHECK", "an ACCESS EXCLUSIVE lock"
			switch {
			case con.SkipValidation:
				continue
			case con.Contype == pg_query.ConstrType_CONSTR_FOREIGN:
				kind, lock = "FOREIGN KEY", "a lock that blocks writes to "+table+" and "+con.Pktable.GetRelname()
			case con.Contype != pg_query.ConstrType_CONSTR_CHECK:
				continue
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("ADD %s on existing table %s checks every row while holding %s", kind, table, lock),
				Suggestion: "ADD the constraint … NOT VALID, then VALIDATE CONSTRAINT it in a later statement",
				Evidence:   map[string]any{"table": table, "constraint": con.Conname, "type": kind},
			})
		}
		return out
	},
}
