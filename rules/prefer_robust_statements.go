package rules

import (
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var preferRobustStatements = &Rule{
	ID:       "prefer-robust-statements",
	Severity: Warning,
	Summary:  "a migration that runs outside a transaction cannot be re-run after a partial failure",
	Doc: `A migration file that runs outside a transaction (goose NO TRANSACTION, dbmate
transaction:false, a plain file, statements after an explicit COMMIT) keeps
what its first statements did when a later one fails: a CREATE INDEX
CONCURRENTLY that times out after ADD COLUMN succeeded. Re-running the file
then fails at once on the statement that already ran ("already exists"), and
someone must finish the migration by hand (squawk's prefer-robust-stmts).

Reported, in a file of several statements, for a statement that runs in no
transaction and fails when repeated: CREATE TABLE, CREATE INDEX and ADD COLUMN
without IF NOT EXISTS, DROP TABLE, DROP INDEX and DROP COLUMN without IF
EXISTS.

Fix: IF NOT EXISTS / IF EXISTS on each, or run the file in a transaction
(CONCURRENTLY statements then each need a file of their own).

Example (goose NO TRANSACTION):
    ALTER TABLE accounts ADD COLUMN billing_email text;
    CREATE INDEX CONCURRENTLY accounts_billing_email_idx ON accounts (billing_email);`,
	Check: func(in *Input, _ Options) []Finding {
		_, ok := migrationOf(in)
		mig := in.Statement.Migration
		if !ok || len(mig.Statements) < 2 {
			return nil
		}
		if i := slices.Index(mig.Statements, in.Statement); i < 0 || transactions(mig)[i] != 0 {
			return nil
		}
		what := fragile(in.Statement.Tree)
		if what == "" {
			return nil
		}
		return []Finding{{
			Message:    what + " runs outside a transaction: if a later statement of the file fails, re-running the file fails here",
			Suggestion: "add IF NOT EXISTS / IF EXISTS, or run the file in a transaction",
			Evidence:   map[string]any{"format": string(mig.Format)},
		}}
	},
}

// fragile names a statement that fails when it is run a second time, or
// "".
func fragile(tree *pg_query.Node) string {
	switch v := tree.Node.(type) {
	case *pg_query.Node_CreateStmt:
		if !v.CreateStmt.IfNotExists {
			return "CREATE TABLE without IF NOT EXISTS"
		}
	case *pg_query.Node_IndexStmt:
		if !v.IndexStmt.IfNotExists && v.IndexStmt.Idxname != "" {
			return "CREATE INDEX without IF NOT EXISTS"
		}
	case *pg_query.Node_DropStmt:
		t := v.DropStmt.RemoveType
		if !v.DropStmt.MissingOk && (t == pg_query.ObjectType_OBJECT_TABLE || t == pg_query.ObjectType_OBJECT_INDEX) {
			return "DROP without IF EXISTS"
		}
	case *pg_query.Node_AlterTableStmt:
		for _, c := range v.AlterTableStmt.Cmds {
			cmd := c.GetAlterTableCmd()
			switch {
			case cmd.Subtype == pg_query.AlterTableType_AT_AddColumn && !cmd.MissingOk:
				return "ADD COLUMN without IF NOT EXISTS"
			case cmd.Subtype == pg_query.AlterTableType_AT_DropColumn && !cmd.MissingOk:
				return "DROP COLUMN without IF EXISTS"
			}
		}
	}
	return ""
}
