package rules

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var renameOrDrop = &Rule{
	ID:       "rename-or-drop",
	Severity: Warning,
	Summary:  "renaming or dropping a table, column or schema breaks the application version still running",
	Doc: `During a deploy the old version of the application runs while the migration is
applied, and it keeps running if the deploy is rolled back. Once a table or
column it uses is renamed or dropped, every query of the old version that
names it fails: errors until the new version is everywhere, and a rollback
that cannot work.

Reported: ALTER TABLE … RENAME, RENAME COLUMN, DROP COLUMN and DROP TABLE on a
table not created earlier in the same migration file, and ALTER SCHEMA …
RENAME and DROP SCHEMA (every table in the schema changes name or goes).
DROP TABLE IF EXISTS of a table no earlier migration created is not: a schema
file that starts with DROP TABLE IF EXISTS s CASCADE; CREATE TABLE s … drops
nothing the application uses.
Squawk's renaming-column, renaming-table, ban-drop-column and ban-drop-table;
strong_migrations' removing a column, renaming a column, a table or a schema,
and creating a table with the force option (a DROP TABLE first).

Fix: expand and contract. To drop, first ship code that no longer uses the
column or table, then drop it in a later deploy. To rename, add the new name
(a new column, or a view for a table), write to both, backfill, move reads, and
drop the old name last.

Example: ALTER TABLE accounts RENAME COLUMN name TO full_name;`,
	Check: func(in *Input, _ Options) []Finding {
		m, ok := migrationOf(in)
		if !ok {
			return nil
		}
		var what []string
		switch v := in.Statement.Tree.Node.(type) {
		case *pg_query.Node_RenameStmt:
			r, table := v.RenameStmt, v.RenameStmt.Relation.GetRelname()
			if r.RenameType == pg_query.ObjectType_OBJECT_SCHEMA {
				what = append(what, fmt.Sprintf("RENAME SCHEMA %s TO %s", r.Subname, r.Newname))
				break
			}
			if m.isNew(table) {
				break
			}
			if r.RenameType == pg_query.ObjectType_OBJECT_TABLE {
				what = append(what, fmt.Sprintf("RENAME TABLE %s TO %s", table, r.Newname))
			} else if r.RenameType == pg_query.ObjectType_OBJECT_COLUMN {
				what = append(what, fmt.Sprintf("RENAME COLUMN %s.%s TO %s", table, r.Subname, r.Newname))
			}
		case *pg_query.Node_AlterTableStmt:
			table, cmds, _ := alteredTable(in)
			for _, cmd := range cmds {
				if cmd.Subtype == pg_query.AlterTableType_AT_DropColumn {
					what = append(what, fmt.Sprintf("DROP COLUMN %s.%s", table, cmd.Name))
				}
			}
		case *pg_query.Node_DropStmt:
			if v.DropStmt.RemoveType == pg_query.ObjectType_OBJECT_SCHEMA {
				for _, obj := range v.DropStmt.Objects {
					what = append(what, "DROP SCHEMA "+obj.GetString_().GetSval())
				}
				break
			}
			if v.DropStmt.RemoveType != pg_query.ObjectType_OBJECT_TABLE {
				break
			}
			for _, obj := range v.DropStmt.Objects {
				if table := lastName(obj.GetList().GetItems()); !m.isNew(table) && !m.dropsNothing(v.DropStmt, table) {
					what = append(what, "DROP TABLE "+table)
				}
			}
		}
		if len(what) == 0 {
			return nil
		}
		return []Finding{{
			Message:    strings.Join(what, ", ") + ": queries of the application version still running that use the old name fail",
			Suggestion: "expand and contract: stop using the name in a deploy of its own, drop or rename it in a later one",
			Evidence:   map[string]any{"changes": what},
		}}
	},
}
