package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

// volatileDefaults are functions whose value differs per row, so a
// column added with one as its default must be written into every row.
// now() and other STABLE functions are evaluated once and are cheap.
var volatileDefaults = map[string]bool{
	"random": true, "clock_timestamp": true, "gen_random_uuid": true, "uuid_generate_v1": true,
	"uuid_generate_v1mc": true, "uuid_generate_v4": true, "timeofday": true, "nextval": true,
	"txid_current": true,
}

// serialTypes take their default from a new sequence: nextval, volatile.
var serialTypes = map[string]bool{"serial": true, "bigserial": true, "smallserial": true, "serial2": true, "serial4": true, "serial8": true}

var addColumnVolatileDefault = &Rule{
	ID:       "add-column-volatile-default",
	Severity: Error,
	Summary:  "ADD COLUMN with a volatile default rewrites the whole table under an exclusive lock",
	Doc: `Since PostgreSQL 11, ADD COLUMN with a constant or STABLE default (0, 'x',
now()) only records the default in the catalog: instant, whatever the table's
size. A volatile default has a different value in every row, so PostgreSQL
rewrites the table to store them, holding an ACCESS EXCLUSIVE lock that blocks
reads and writes for the whole rewrite. Reported for defaults that call
random(), clock_timestamp(), gen_random_uuid(), uuid_generate_v1/v4(),
timeofday(), nextval() or txid_current(), for serial/bigserial columns (their
default is nextval), and for identity and stored generated columns, on a table
not created earlier in the same migration file.

` + sizedDoc + `

Fix: add the column without a default (or with a constant one), backfill it in
batches, then ALTER COLUMN … SET DEFAULT for new rows. A stored generated or
identity column cannot be added without the rewrite: add a plain column filled
by a trigger and a batched backfill, or build a new table.

Example: ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();`,
	Options: Options{"min-rows": smallTable},
	Check: func(in *Input, opts Options) []Finding {
		table, cmds, _ := alteredTable(in)
		var out []Finding
		for _, def := range addedColumns(cmds) {
			if why := rewritingDefault(def); why != "" {
				out = append(out, Finding{
					Message:    fmt.Sprintf("ADD COLUMN %s rewrites every row of %s under an ACCESS EXCLUSIVE lock: %s", def.Colname, table, why),
					Suggestion: "add the column without a default, backfill in batches, then SET DEFAULT for new rows",
					Evidence:   map[string]any{"table": table, "column": def.Colname, "default": why},
				})
			}
		}
		return sizedAll(in, opts, out)
	},
}

// rewritingDefault says what gives a new column a value of its own in
// every row, or "".
func rewritingDefault(def *pg_query.ColumnDef) string {
	if t := lastName(def.TypeName.GetNames()); serialTypes[t] {
		return t + " takes its default from a sequence, a value per row"
	}
	cons := columnConstraints(def)
	if cons[pg_query.ConstrType_CONSTR_IDENTITY] != nil {
		return "an identity column takes its values from a sequence, a value per row"
	}
	if cons[pg_query.ConstrType_CONSTR_GENERATED] != nil {
		return "a stored generated column is computed for every row"
	}
	var volatile string
	analyzer.Walk(cons[pg_query.ConstrType_CONSTR_DEFAULT].GetRawExpr(), func(n *pg_query.Node) {
		if fc := n.GetFuncCall(); fc != nil && volatileDefaults[lastName(fc.Funcname)] && volatile == "" {
			volatile = "its default calls " + lastName(fc.Funcname) + "(), which is volatile: a value per row"
		}
	})
	return volatile
}
