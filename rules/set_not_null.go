package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var setNotNull = &Rule{
	ID:       "set-not-null",
	Severity: Error,
	Summary:  "SET NOT NULL scans the whole table under an exclusive lock",
	Doc: `ALTER COLUMN … SET NOT NULL makes PostgreSQL read every row to prove none is
NULL, holding an ACCESS EXCLUSIVE lock (no reads, no writes) for the whole scan.

Since PostgreSQL 12 the scan is skipped when a validated CHECK (col IS NOT NULL)
constraint already proves it, and such a constraint can be added without the
long lock: add it NOT VALID (instant), then VALIDATE CONSTRAINT, which scans
under a lock that lets reads and writes go on. Not reported when an earlier
statement (in this or an earlier migration) left such a validated constraint, or
when the same file created the table.

Fix:
    ALTER TABLE accounts ADD CONSTRAINT accounts_plan_not_null CHECK (plan IS NOT NULL) NOT VALID;
    ALTER TABLE accounts VALIDATE CONSTRAINT accounts_plan_not_null;
    ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;
    ALTER TABLE accounts DROP CONSTRAINT accounts_plan_not_null;

Example: ALTER TABLE accounts ALTER COLUMN bio SET NOT NULL;`,
	Check: func(in *Input, _ Options) []Finding {
		table, cmds, m := alteredTable(in)
		var out []Finding
		for _, cmd := range cmds {
			if cmd.Subtype != pg_query.AlterTableType_AT_SetNotNull || notNullChecked(m.prior, table, cmd.Name) {
				continue
			}
			out = append(out, Finding{
				Message: fmt.Sprintf("SET NOT NULL on %s.%s scans every row under an ACCESS EXCLUSIVE lock", table, cmd.Name),
				Suggestion: fmt.Sprintf("first ADD CONSTRAINT … CHECK (%s IS NOT NULL) NOT VALID and VALIDATE CONSTRAINT it; SET NOT NULL then skips the scan (PostgreSQL 12+)",
					cmd.Name),
				Evidence: map[string]any{"table": table, "column": cmd.Name},
			})
		}
		return out
	},
}

// notNullChecked reports whether the statements leave a validated
// CHECK (column IS NOT NULL) on the table.
func notNullChecked(stmts []*analyzer.Statement, table, column string) bool {
	valid := map[string]bool{} // such checks by name: validated or not
	for _, st := range stmts {
		switch v := st.Tree.Node.(type) {
		case *pg_query.Node_CreateStmt:
			if v.CreateStmt.Relation.GetRelname() != table {
				continue
			}
			analyzer.Walk(st.Tree, func(n *pg_query.Node) {
				if con := n.GetConstraint(); isNotNullCheck(con, column) {
					valid[con.Conname] = true // a new table's constraints are checked on an empty table
				}
			})
		case *pg_query.Node_AlterTableStmt:
			if v.AlterTableStmt.Relation.GetRelname() != table {
				continue
			}
			for _, c := range v.AlterTableStmt.Cmds {
				cmd := c.GetAlterTableCmd()
				if con := cmd.GetDef().GetConstraint(); cmd.Subtype == pg_query.AlterTableType_AT_AddConstraint && isNotNullCheck(con, column) {
					valid[con.Conname] = valid[con.Conname] || !con.SkipValidation
				}
				if _, ok := valid[cmd.Name]; ok && cmd.Subtype == pg_query.AlterTableType_AT_ValidateConstraint {
					valid[cmd.Name] = true
				}
			}
		}
	}
	for _, ok := range valid {
		if ok {
			return true
		}
	}
	return false
}

// isNotNullCheck reports a CHECK (column IS NOT NULL) constraint.
func isNotNullCheck(con *pg_query.Constraint, column string) bool {
	if con == nil || con.Contype != pg_query.ConstrType_CONSTR_CHECK {
		return false
	}
	t := con.RawExpr.GetNullTest()
	ref := t.GetArg().GetColumnRef()
	return t != nil && t.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL && ref != nil && lastName(ref.Fields) == column
}
