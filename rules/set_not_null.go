package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var setNotNull = &Rule{
	ID:       "set-not-null",
	Severity: Error,
	Summary:  "SET NOT NULL, or a PRIMARY KEY on nullable columns, scans the whole table under an exclusive lock",
	Doc: `ALTER COLUMN … SET NOT NULL makes PostgreSQL read every row to prove none is
NULL, holding an ACCESS EXCLUSIVE lock (no reads, no writes) for the whole scan.

Since PostgreSQL 12 the scan is skipped when a validated CHECK (col IS NOT NULL)
constraint already proves it, and such a constraint can be added without the
long lock: add it NOT VALID (instant), then VALIDATE CONSTRAINT, which scans
under a lock that lets reads and writes go on. Not reported when an earlier
statement (in this or an earlier migration) left such a validated constraint, or
when the same file created the table.

ADD PRIMARY KEY … USING INDEX sets the index's columns NOT NULL the same way:
reported when the reviewed migrations show a column of the index that may be
NULL (eugene W14). Make each column NOT NULL first, as below.

` + sizedDoc + `

Fix:
    ALTER TABLE accounts ADD CONSTRAINT accounts_plan_not_null CHECK (plan IS NOT NULL) NOT VALID;
    ALTER TABLE accounts VALIDATE CONSTRAINT accounts_plan_not_null;
    ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;
    ALTER TABLE accounts DROP CONSTRAINT accounts_plan_not_null;

Example: ALTER TABLE accounts ALTER COLUMN bio SET NOT NULL;`,
	Options: Options{"min-rows": smallTable},
	Check: func(in *Input, opts Options) []Finding {
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
		for _, con := range addedConstraints(cmds) {
			if con.Contype != pg_query.ConstrType_CONSTR_PRIMARY || con.Indexname == "" {
				continue
			}
			for _, col := range nullableIndexColumns(in, m, table, con.Indexname) {
				out = append(out, Finding{
					Message: fmt.Sprintf("ADD PRIMARY KEY USING INDEX %s sets %s.%s NOT NULL, which scans every row under an ACCESS EXCLUSIVE lock", con.Indexname, table, col),
					Suggestion: fmt.Sprintf("make %s NOT NULL first: ADD CONSTRAINT … CHECK (%s IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, SET NOT NULL; then attach the primary key",
						col, col),
					Evidence: map[string]any{"table": table, "column": col, "index": con.Indexname},
				})
			}
		}
		return sizedAll(in, opts, out)
	},
}

// nullableIndexColumns lists the columns of an index that the reviewed
// migrations leave nullable (and unproven by a validated CHECK). An
// index or table the migrations do not show gives none: qreview cannot
// tell.
func nullableIndexColumns(in *Input, m migrationContext, table, index string) []string {
	var keys []string
	for _, st := range m.prior {
		if ix := st.Tree.GetIndexStmt(); ix != nil && ix.Idxname == index {
			keys = nil
			for _, p := range ix.IndexParams {
				keys = append(keys, p.GetIndexElem().GetName())
			}
		}
	}
	notNull, known := notNullColumns(m.prior, table)
	if !known {
		return nil
	}
	var out []string
	for _, k := range keys {
		if k != "" && !notNull[k] && !notNullChecked(m.prior, table, k) {
			out = append(out, k)
		}
	}
	return out
}

// notNullColumns replays the statements to find which columns of a table
// are NOT NULL (declared so, a primary key column, identity or serial);
// known is false when no statement creates the table.
func notNullColumns(stmts []*analyzer.Statement, table string) (notNull map[string]bool, known bool) {
	notNull = map[string]bool{}
	column := func(def *pg_query.ColumnDef) {
		cons := columnConstraints(def)
		if cons[pg_query.ConstrType_CONSTR_NOTNULL] != nil || cons[pg_query.ConstrType_CONSTR_PRIMARY] != nil ||
			cons[pg_query.ConstrType_CONSTR_IDENTITY] != nil || serialTypes[lastName(def.GetTypeName().GetNames())] {
			notNull[def.Colname] = true
		}
	}
	primary := func(con *pg_query.Constraint) {
		if con.GetContype() == pg_query.ConstrType_CONSTR_PRIMARY {
			for _, k := range con.Keys {
				notNull[k.GetString_().GetSval()] = true
			}
		}
	}
	for _, st := range stmts {
		switch v := st.Tree.Node.(type) {
		case *pg_query.Node_CreateStmt:
			if v.CreateStmt.Relation.GetRelname() != table {
				continue
			}
			known, notNull = true, map[string]bool{}
			for _, e := range v.CreateStmt.TableElts {
				if def := e.GetColumnDef(); def != nil {
					column(def)
				}
				primary(e.GetConstraint())
			}
		case *pg_query.Node_AlterTableStmt:
			if v.AlterTableStmt.Relation.GetRelname() != table {
				continue
			}
			for _, c := range v.AlterTableStmt.Cmds {
				cmd := c.GetAlterTableCmd()
				switch cmd.Subtype {
				case pg_query.AlterTableType_AT_AddColumn:
					column(cmd.GetDef().GetColumnDef())
				case pg_query.AlterTableType_AT_SetNotNull:
					notNull[cmd.Name] = true
				case pg_query.AlterTableType_AT_DropNotNull:
					delete(notNull, cmd.Name)
				case pg_query.AlterTableType_AT_AddConstraint:
					primary(cmd.GetDef().GetConstraint())
				}
			}
		}
	}
	return notNull, known
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
