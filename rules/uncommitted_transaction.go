package rules

import (
	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var uncommittedTransaction = &Rule{
	ID:       "uncommitted-transaction",
	Severity: Error,
	Summary:  "a migration file opens a transaction with BEGIN and never commits it",
	Doc: `A BEGIN (or START TRANSACTION) with no COMMIT after it in the same file leaves
the transaction open when the file ends. Depending on the tool, the changes are
rolled back when the connection closes while the tool records the migration
as applied, or the tool's own bookkeeping runs inside the open transaction and
is lost with it; either way production and the migration history disagree
(squawk's ban-uncommitted-transaction). Reported at the BEGIN that is never
closed.

Fix: end the block with COMMIT; or drop BEGIN and let the tool run the file in
its transaction.

Example:
    BEGIN;
    ALTER TABLE accounts ADD COLUMN plan text;
    -- no COMMIT`,
	Check: func(in *Input, _ Options) []Finding {
		_, ok := migrationOf(in)
		kind := in.Statement.Tree.GetTransactionStmt().GetKind()
		if !ok || kind != pg_query.TransactionStmtKind_TRANS_STMT_BEGIN && kind != pg_query.TransactionStmtKind_TRANS_STMT_START {
			return nil
		}
		after := false
		for _, st := range in.Statement.Migration.Statements {
			if st == in.Statement {
				after = true
				continue
			}
			switch st.Tree.GetTransactionStmt().GetKind() {
			case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK,
				pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
				if after {
					return nil
				}
			}
		}
		return []Finding{{
			Message:    "BEGIN with no COMMIT after it in the file: the transaction is still open when the migration ends, and its changes are lost or half-recorded",
			Suggestion: "end the transaction with COMMIT; in the same file",
			Evidence:   map[string]any{"migration": in.Statement.Migration.File},
		}}
	},
}
