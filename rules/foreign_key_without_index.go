package rules

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var foreignKeyWithoutIndex = &Rule{
	ID:       "foreign-key-without-index",
	Severity: Warning,
	Summary:  "a foreign key whose referencing columns no index leads with",
	Doc: `PostgreSQL indexes the referenced side of a foreign key (it must be unique) but
not the referencing side. Every DELETE of a referenced row, and every UPDATE of
its key, then looks for referencing rows with a sequential scan of the
referencing table, under a lock; ON DELETE CASCADE does it for each deleted
row. Joins from parent to children scan too (eugene E15).

Reported for a FOREIGN KEY or REFERENCES in CREATE TABLE, ADD CONSTRAINT or
ADD COLUMN when no index of the referencing table has the key's columns as its
leading columns: not in the seeded database, and not made by any reviewed
migration (CREATE INDEX, PRIMARY KEY, UNIQUE), earlier or later.

` + changeOnlyDoc + `

Fix:
    CREATE INDEX CONCURRENTLY tickets_account_id_idx ON tickets (account_id);
in its own migration, outside a transaction.

Example: ALTER TABLE tickets ADD COLUMN account_id bigint REFERENCES accounts (id);`,
	Check: func(in *Input, _ Options) []Finding {
		if !changeMigration(in) {
			return nil
		}
		var out []Finding
		for _, fk := range addedForeignKeys(in.Statement.Tree) {
			if indexLeads(in, fk.table, fk.columns) {
				continue
			}
			cols := strings.Join(fk.columns, ", ")
			out = append(out, Finding{
				Message: fmt.Sprintf("foreign key %s (%s) → %s has no index on %s (%s): each DELETE or key UPDATE on %s scans %s",
					fk.table, cols, fk.refTable, fk.table, cols, fk.refTable, fk.table),
				Suggestion: fmt.Sprintf("CREATE INDEX CONCURRENTLY ON %s (%s);", fk.table, cols),
				Evidence:   map[string]any{"table": fk.table, "columns": fk.columns, "references": fk.refTable},
			})
		}
		return out
	},
}

type foreignKey struct {
	table, refTable string
	columns         []string
}

// addedForeignKeys lists the foreign keys a statement adds.
func addedForeignKeys(tree *pg_query.Node) []foreignKey {
	var out []foreignKey
	add := func(table string, con *pg_query.Constraint, column string) {
		if con.GetContype() != pg_query.ConstrType_CONSTR_FOREIGN {
			return
		}
		fk := foreignKey{table: table, refTable: con.Pktable.GetRelname()}
		for _, a := range con.FkAttrs {
			fk.columns = append(fk.columns, a.GetString_().GetSval())
		}
		if len(fk.columns) == 0 && column != "" {
			fk.columns = []string{column}
		}
		if len(fk.columns) > 0 {
			out = append(out, fk)
		}
	}
	column := func(table string, def *pg_query.ColumnDef) {
		for _, c := range def.GetConstraints() {
			add(table, c.GetConstraint(), def.Colname)
		}
	}
	switch v := tree.Node.(type) {
	case *pg_query.Node_CreateStmt:
		table := v.CreateStmt.Relation.GetRelname()
		for _, e := range v.CreateStmt.TableElts {
			column(table, e.GetColumnDef())
			add(table, e.GetConstraint(), "")
		}
	case *pg_query.Node_AlterTableStmt:
		table := v.AlterTableStmt.Relation.GetRelname()
		for _, c := range v.AlterTableStmt.Cmds {
			cmd := c.GetAlterTableCmd()
			switch cmd.Subtype {
			case pg_query.AlterTableType_AT_AddColumn:
				column(table, cmd.GetDef().GetColumnDef())
			case pg_query.AlterTableType_AT_AddConstraint:
				add(table, cmd.GetDef().GetConstraint(), "")
			}
		}
	}
	return out
}

// indexLeads reports whether an index of the table, in the seeded database
// or made by any reviewed migration, starts with the columns (in any
// order).
func indexLeads(in *Input, table string, columns []string) bool {
	leads := func(keys []string) bool {
		if len(keys) < len(columns) {
			return false
		}
		for _, c := range columns {
			if !slices.Contains(keys[:len(columns)], c) {
				return false
			}
		}
		return true
	}
	for _, ix := range in.Tables[table].Indexes {
		if leads(ix.Columns) {
			return true
		}
	}
	stmts := in.Statement.Migration.Statements
	if in.Source != nil {
		stmts = in.Source.Statements()
	}
	for _, keys := range indexKeys(stmts, table) {
		if leads(keys) {
			return true
		}
	}
	return false
}

// indexKeys lists the key columns of every index the statements make on
// the table: CREATE INDEX, and PRIMARY KEY and UNIQUE constraints.
func indexKeys(stmts []*analyzer.Statement, table string) [][]string {
	var out [][]string
	names := func(list []*pg_query.Node) []string {
		var cols []string
		for _, n := range list {
			cols = append(cols, n.GetString_().GetSval())
		}
		return cols
	}
	constraint := func(con *pg_query.Constraint, column string) {
		if t := con.GetContype(); t != pg_query.ConstrType_CONSTR_PRIMARY && t != pg_query.ConstrType_CONSTR_UNIQUE {
			return
		}
		if keys := names(con.Keys); len(keys) > 0 {
			out = append(out, keys)
		} else if column != "" {
			out = append(out, []string{column})
		}
	}
	for _, st := range stmts {
		switch v := st.Tree.Node.(type) {
		case *pg_query.Node_IndexStmt:
			if v.IndexStmt.Relation.GetRelname() != table {
				continue
			}
			var keys []string
			for _, p := range v.IndexStmt.IndexParams {
				keys = append(keys, p.GetIndexElem().GetName())
			}
			out = append(out, keys)
		case *pg_query.Node_CreateStmt:
			if v.CreateStmt.Relation.GetRelname() != table {
				continue
			}
			for _, e := range v.CreateStmt.TableElts {
				constraint(e.GetConstraint(), "")
				for _, c := range e.GetColumnDef().GetConstraints() {
					constraint(c.GetConstraint(), e.GetColumnDef().GetColname())
				}
			}
		case *pg_query.Node_AlterTableStmt:
			if v.AlterTableStmt.Relation.GetRelname() != table {
				continue
			}
			for _, c := range v.AlterTableStmt.Cmds {
				cmd := c.GetAlterTableCmd()
				constraint(cmd.GetDef().GetConstraint(), "")
				for _, cc := range cmd.GetDef().GetColumnDef().GetConstraints() {
					constraint(cc.GetConstraint(), cmd.GetDef().GetColumnDef().GetColname())
				}
			}
		}
	}
	return out
}
