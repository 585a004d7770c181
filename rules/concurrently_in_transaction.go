package rules

import (
	"os"
	"regexp"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var (
	gooseNoTransaction  = regexp.MustCompile(`(?m)^\s*--\s*\+goose\s+NO\s+TRANSACTION\b`)
	dbmateNoTransaction = regexp.MustCompile(`(?m)^\s*--\s*migrate:up\b.*\btransaction:false\b`)
)

var concurrentlyInTransaction = &Rule{
	ID:       "concurrently-in-transaction",
	Severity: Error,
	Summary:  "CREATE/DROP INDEX, REINDEX or DETACH PARTITION … CONCURRENTLY runs inside a transaction and will fail",
	Doc: `CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX … CONCURRENTLY and
ALTER TABLE … DETACH PARTITION … CONCURRENTLY cannot run inside a transaction block: PostgreSQL refuses them ("cannot run
inside a transaction block") and the deploy stops halfway. Reported when the
migration runs the statement in a transaction:

- an explicit BEGIN … COMMIT around it in the file;
- goose, which wraps each migration in a transaction unless the file has
  "-- +goose NO TRANSACTION";
- dbmate, likewise unless the up marker says "-- migrate:up transaction:false";
- golang-migrate with more than one statement in the file: unless
  x-multi-statement is on, it sends the file as one query string, and PostgreSQL
  runs a multi-statement string as one implicit transaction (golang-migrate
  issue #284). A file with the one statement is fine.

Fix: put each concurrent index statement in a migration of its own, marked to
run outside a transaction for goose and dbmate.

Example (goose, no NO TRANSACTION marker):
    -- +goose Up
    CREATE INDEX CONCURRENTLY accounts_status_idx ON accounts (status);`,
	Check: func(in *Input, _ Options) []Finding {
		m, ok := migrationOf(in)
		if !ok || !concurrent(in.Statement.Tree) {
			return nil
		}
		var why string
		mig := in.Statement.Migration
		switch {
		case inTransactionBlock(m.file):
			why = "it runs between BEGIN and COMMIT"
		case mig.Format == analyzer.FormatGoose && !fileSays(mig.File, gooseNoTransaction):
			why = "goose runs the migration in a transaction: add -- +goose NO TRANSACTION at the top of the file"
		case mig.Format == analyzer.FormatDbmate && !fileSays(mig.File, dbmateNoTransaction):
			why = "dbmate runs the migration in a transaction: write -- migrate:up transaction:false"
		case mig.Format == analyzer.FormatGolangMigrate && len(mig.Statements) > 1:
			why = "golang-migrate sends the file's statements as one string, which PostgreSQL runs as one transaction: give the statement a migration file of its own"
		default:
			return nil
		}
		return []Finding{{
			Message:    "CONCURRENTLY cannot run inside a transaction block and will fail: " + why,
			Suggestion: "one concurrent index statement per migration file, run outside a transaction",
			Evidence:   map[string]any{"format": string(mig.Format)},
		}}
	},
}

// concurrent reports an index statement that must run outside a
// transaction block.
func concurrent(n *pg_query.Node) bool {
	switch v := n.Node.(type) {
	case *pg_query.Node_IndexStmt:
		return v.IndexStmt.Concurrent
	case *pg_query.Node_DropStmt:
		return v.DropStmt.Concurrent
	case *pg_query.Node_ReindexStmt:
		return hasOption(v.ReindexStmt.Params, "concurrently")
	case *pg_query.Node_AlterTableStmt:
		for _, c := range v.AlterTableStmt.Cmds {
			if c.GetAlterTableCmd().GetDef().GetPartitionCmd().GetConcurrent() {
				return true
			}
		}
	}
	return false
}

// toolTransaction reports whether the migration tool runs the whole file
// in one transaction: goose and dbmate unless marked otherwise, Flyway,
// and golang-migrate when the file holds more than one statement (sent as
// one string, which PostgreSQL runs as one implicit transaction).
func toolTransaction(mig *analyzer.Migration) bool {
	switch mig.Format {
	case analyzer.FormatGoose:
		return !fileSays(mig.File, gooseNoTransaction)
	case analyzer.FormatDbmate:
		return !fileSays(mig.File, dbmateNoTransaction)
	case analyzer.FormatFlyway:
		return true
	case analyzer.FormatGolangMigrate:
		return len(mig.Statements) > 1
	}
	return false
}

// transactions numbers the transaction each statement of a migration file
// runs in, index by index: statements with the same number above zero
// share one; zero runs on its own. The tool's transaction and explicit
// BEGIN … COMMIT blocks both count.
func transactions(mig *analyzer.Migration) []int {
	out := make([]int, len(mig.Statements))
	wraps := toolTransaction(mig)
	current, last := 0, 0
	if wraps {
		last++
		current = last
	}
	for i, st := range mig.Statements {
		switch st.Tree.GetTransactionStmt().GetKind() {
		case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
			if current == 0 {
				last++
				current = last
			}
			out[i] = current
			continue
		case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK,
			pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
			out[i] = current
			current = 0
			if wraps && mig.Format == analyzer.FormatGolangMigrate {
				last++ // the rest of the string runs in a new implicit transaction
				current = last
			}
			continue
		}
		out[i] = current
	}
	return out
}

// sameTransaction reports whether two statements of one migration file
// run in the same transaction.
func sameTransaction(a, b *analyzer.Statement) bool {
	if a.Migration == nil || a.Migration != b.Migration {
		return false
	}
	tx := transactions(a.Migration)
	ia, ib := slices.Index(a.Migration.Statements, a), slices.Index(a.Migration.Statements, b)
	return ia >= 0 && ib >= 0 && tx[ia] > 0 && tx[ia] == tx[ib]
}

// inTransactionBlock reports whether the statements leave a transaction
// block open: a BEGIN without its COMMIT or ROLLBACK.
func inTransactionBlock(stmts []*analyzer.Statement) bool {
	open := false
	for _, st := range stmts {
		switch st.Tree.GetTransactionStmt().GetKind() {
		case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
			open = true
		case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK,
			pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
			open = false
		}
	}
	return open
}

// fileSays reports whether the migration file has a marker the analyzer
// does not keep (it sits outside the statements and their comments). An
// unreadable file counts as unmarked.
func fileSays(path string, marker *regexp.Regexp) bool {
	data, err := os.ReadFile(path)
	return err == nil && marker.Match(data)
}
