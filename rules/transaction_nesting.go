package rules

import (
	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var transactionNesting = &Rule{
	ID:       "transaction-nesting",
	Severity: Warning,
	Summary:  "BEGIN or COMMIT inside a migration its tool already runs in a transaction",
	Doc: `PostgreSQL has one transaction per session: there is no nesting. goose, dbmate
and Flyway run each migration file in a transaction of their own; a BEGIN in
the file is ignored with a warning, and a COMMIT or ROLLBACK in it ends the
tool's transaction early, so the rest of the file and the tool's record of the
migration run outside it, and a failure halfway leaves the schema half
changed. A second BEGIN inside a BEGIN … COMMIT block is ignored the same way
(squawk's transaction-nesting).

Not reported for golang-migrate, which runs no transaction of its own (a
file's explicit BEGIN … COMMIT is how it gets one).

Fix: remove BEGIN/COMMIT from the file and let the tool's transaction hold it;
or mark the file to run outside a transaction (goose NO TRANSACTION, dbmate
transaction:false) and keep the explicit block.

Example (goose):
    -- +goose Up
    BEGIN;
    ALTER TABLE accounts ADD COLUMN plan text;
    COMMIT;`,
	Check: func(in *Input, _ Options) []Finding {
		_, ok := migrationOf(in)
		kind := in.Statement.Tree.GetTransactionStmt().GetKind()
		if !ok || kind == pg_query.TransactionStmtKind_TRANSACTION_STMT_KIND_UNDEFINED {
			return nil
		}
		mig := in.Statement.Migration
		wrapped := toolTransaction(mig) && mig.Format != analyzer.FormatGolangMigrate
		open := false
		for _, st := range mig.Statements {
			if st == in.Statement {
				break
			}
			switch st.Tree.GetTransactionStmt().GetKind() {
			case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
				open = true
			case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
				open = false
			}
		}
		var msg string
		switch kind {
		case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
			switch {
			case open:
				msg = "BEGIN inside a transaction block that is already open: PostgreSQL ignores it, and the first COMMIT ends both"
			case wrapped:
				msg = "BEGIN in a migration " + string(mig.Format) + " already runs in a transaction: PostgreSQL ignores it"
			}
		case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
			if wrapped {
				msg = "COMMIT/ROLLBACK ends the transaction " + string(mig.Format) + " runs the migration in: the rest of the file and the tool's record of it run outside it"
			}
		}
		if msg == "" {
			return nil
		}
		return []Finding{{
			Message:    msg,
			Suggestion: "let the tool's transaction hold the migration and drop BEGIN/COMMIT, or mark the file to run outside one",
			Evidence:   map[string]any{"format": string(mig.Format)},
		}}
	},
}
