package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var constraintWithoutNotValid = &Rule{
	ID:       "constraint-without-not-valid",
	Severity: Error,
	Summary:  "ADD FOREIGN KEY, REFERENCES or CHECK on an existing table validates every row under a blocking lock",
	Doc: `Adding a foreign key or CHECK constraint to an existing table makes PostgreSQL
check every row before the statement ends. For a CHECK it holds an ACCESS
EXCLUSIVE lock meanwhile (no reads, no writes); for a FOREIGN KEY a SHARE ROW
EXCLUSIVE lock on both tables, which blocks writes to both. On a large table
that is minutes of downtime.

Added NOT VALID, the constraint is enforced for new rows at once and the old
rows are checked later by VALIDATE CONSTRAINT, which takes a lock that lets
reads and writes go on. A table created earlier in the same migration file is
exempt.

ADD COLUMN … REFERENCES is a foreign key too, and a column constraint cannot
be NOT VALID: PostgreSQL scans the table to validate it while the ADD COLUMN
holds an ACCESS EXCLUSIVE lock. Add the column plain, then the constraint NOT
VALID (squawk's adding-foreign-key-constraint, strong_migrations' "adding a
reference").

VALIDATE CONSTRAINT must run in a later transaction than the NOT VALID: in the
same one, the ADD's lock is still held while it scans (see
lock-held-across-statements).

` + sizedDoc + `

Fix:
    ALTER TABLE payments ADD CONSTRAINT payments_account_fk
        FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;
    ALTER TABLE payments VALIDATE CONSTRAINT payments_account_fk; -- in a later migration

Example: ALTER TABLE accounts ADD CONSTRAINT balance_positive CHECK (balance >= 0);`,
	Options: Options{"min-rows": smallTable},
	Check: func(in *Input, opts Options) []Finding {
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
				Suggestion: "ADD the constraint … NOT VALID, then VALIDATE CONSTRAINT it in a later migration (another transaction)",
				Evidence:   map[string]any{"table": table, "constraint": con.Conname, "type": kind},
			})
		}
		for _, def := range addedColumns(cmds) {
			fk := columnConstraints(def)[pg_query.ConstrType_CONSTR_FOREIGN]
			if fk == nil {
				continue
			}
			out = append(out, Finding{
				Message: fmt.Sprintf("ADD COLUMN %s REFERENCES %s scans %s to validate the foreign key while holding an ACCESS EXCLUSIVE lock on it and a lock that blocks writes to %s",
					def.Colname, fk.Pktable.GetRelname(), table, fk.Pktable.GetRelname()),
				Suggestion: fmt.Sprintf("ADD COLUMN %s without REFERENCES; then ADD CONSTRAINT … FOREIGN KEY (%s) REFERENCES %s … NOT VALID; VALIDATE CONSTRAINT in a later migration",
					def.Colname, def.Colname, fk.Pktable.GetRelname()),
				Evidence: map[string]any{"table": table, "column": def.Colname, "type": "FOREIGN KEY"},
			})
		}
		return sizedAll(in, opts, out)
	},
}
