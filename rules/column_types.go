package rules

// Helpers for the rules on the type a migration gives a column.

import (
	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// typedColumn is a column a statement defines or retypes.
type typedColumn struct {
	table string
	def   *pg_query.ColumnDef // for ALTER COLUMN TYPE, Colname is the column's
	pk    bool                // part of the table's primary key
}

// definedColumns lists the columns CREATE TABLE, ADD COLUMN and ALTER
// COLUMN … TYPE give a type.
func definedColumns(tree *pg_query.Node) []typedColumn {
	var out []typedColumn
	switch v := tree.Node.(type) {
	case *pg_query.Node_CreateStmt:
		table := v.CreateStmt.Relation.GetRelname()
		keys := map[string]bool{}
		for _, e := range v.CreateStmt.TableElts {
			if con := e.GetConstraint(); con.GetContype() == pg_query.ConstrType_CONSTR_PRIMARY {
				for _, k := range con.Keys {
					keys[k.GetString_().GetSval()] = true
				}
			}
		}
		for _, e := range v.CreateStmt.TableElts {
			if def := e.GetColumnDef(); def != nil {
				pk := keys[def.Colname] || columnConstraints(def)[pg_query.ConstrType_CONSTR_PRIMARY] != nil
				out = append(out, typedColumn{table: table, def: def, pk: pk})
			}
		}
	case *pg_query.Node_AlterTableStmt:
		table := v.AlterTableStmt.Relation.GetRelname()
		for _, c := range v.AlterTableStmt.Cmds {
			cmd := c.GetAlterTableCmd()
			def := cmd.GetDef().GetColumnDef()
			switch {
			case def == nil:
			case cmd.Subtype == pg_query.AlterTableType_AT_AddColumn:
				out = append(out, typedColumn{table: table, def: def, pk: columnConstraints(def)[pg_query.ConstrType_CONSTR_PRIMARY] != nil})
			case cmd.Subtype == pg_query.AlterTableType_AT_AlterColumnType:
				out = append(out, typedColumn{table: table, def: &pg_query.ColumnDef{Colname: cmd.Name, TypeName: def.TypeName}})
			}
		}
	}
	return out
}

// changeMigration reports a migration statement of the change under
// review. The rules on the lasting shape of the schema (a column's type,
// a missing index, a name) judge only these: what the deployed history
// chose long ago is not reported again on every review.
func changeMigration(in *Input) bool {
	_, ok := migrationOf(in)
	return ok && in.InChange
}

// changeOnlyDoc is the paragraph those rules add to their doc.
const changeOnlyDoc = `Judged on the migrations of the change under review only.`
