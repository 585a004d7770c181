package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var dmlWithoutWhere = &Rule{
	ID:       "dml-without-where",
	Severity: Error,
	Summary:  "an UPDATE or DELETE has no WHERE clause and touches every row",
	Doc: `One rule for both UPDATE and DELETE (there is no separate update-without-where
or delete-without-where). Without a WHERE clause the statement changes every row
of the table: in application code that is almost always a lost condition, and
on a large table it also writes every row in one transaction, holds a row lock
on each until it commits, and leaves as many dead rows for VACUUM. Data-modifying
CTEs are checked too.

In a migration, a table the same file created is exempt (it is empty); a
backfill of an existing table is reported: do it in batches, outside the schema
change.

Fix: add the WHERE clause that was meant. For a deliberate backfill, update in
batches of a few thousand rows by key range; to empty a table, TRUNCATE says so.

Example: UPDATE accounts SET status = 'inactive';`,
	Check: func(in *Input, _ Options) []Finding {
		m, isMigration := migrationOf(in)
		if in.Statement.Migration != nil && !isMigration {
			return nil
		}
		var out []Finding
		analyzer.Walk(in.Statement.Tree, func(n *pg_query.Node) {
			var verb, effect string
			var rel *pg_query.RangeVar
			switch v := n.Node.(type) {
			case *pg_query.Node_UpdateStmt:
				if v.UpdateStmt.WhereClause != nil {
					return
				}
				verb, effect, rel = "UPDATE", "updates", v.UpdateStmt.Relation
			case *pg_query.Node_DeleteStmt:
				if v.DeleteStmt.WhereClause != nil {
					return
				}
				verb, effect, rel = "DELETE FROM", "deletes", v.DeleteStmt.Relation
			default:
				return
			}
			if isMigration && m.isNew(rel.GetRelname()) {
				return
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("%s %s has no WHERE clause: it %s every row", verb, rel.GetRelname(), effect),
				Suggestion: "add the WHERE clause that was meant; for a deliberate backfill, work in batches by key range",
				Evidence:   map[string]any{"table": rel.GetRelname(), "statement": verb},
			})
		})
		return out
	},
}
