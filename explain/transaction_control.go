package explain

import (
	"context"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

// transactionStmt honours a file's own transaction control: BEGIN opens a
// transaction (ignored inside one, as the server does with a warning),
// COMMIT and ROLLBACK end it; none of them reaches the server as such.
func (a *applier) transactionStmt(ctx context.Context, st *analyzer.Statement, t *pg_query.TransactionStmt, toolTx *bool) (bool, error) {
	note := func(s string) { a.measured[st] = Measured{Note: s} }
	switch t.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		if a.unit != nil {
			note("ignored: a transaction is already in progress (the server only warns)")
			return true, nil
		}
		note("opens the file's transaction")
		if err := a.begin(ctx); err != nil {
			return false, err
		}
		a.unit.explicit = true
		return true, nil
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		commit := t.Kind == pg_query.TransactionStmtKind_TRANS_STMT_COMMIT
		if a.unit == nil {
			note("ignored: no transaction in progress (the server only warns)")
			return true, nil
		}
		*toolTx = false // what follows runs outside the tool's transaction, which this ended
		if commit {
			note("commits the file's transaction")
		} else {
			note("rolls back the file's transaction")
		}
		if err := a.end(ctx, commit); err != nil {
			return false, err
		}
		if t.Chain {
			return true, a.begin(ctx)
		}
		return true, nil
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg_query.TransactionStmtKind_TRANS_STMT_RELEASE,
		pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		if strings.HasPrefix(strings.ToLower(t.SavepointName), "qreview_") {
			a.errs[st] = &SQLError{Code: "42704", Message: fmt.Sprintf("savepoint names starting qreview_ are the review's own: rename %s", t.SavepointName)}
			return false, a.fail(ctx, st)
		}
		if a.unit == nil {
			a.errs[st] = &SQLError{Code: "25P01", Message: t.Kind.String()[len("TRANS_STMT_"):] + " can only be used in transaction blocks"}
			return false, nil
		}
		if _, err := a.db.Exec(ctx, st.SQL); err != nil {
			err = ServerError(err)
			if !isSQLError(err) {
				return false, fmt.Errorf("apply %s:%d: %w", st.File, st.Line, err)
			}
			a.errs[st] = err
			return false, a.fail(ctx, st)
		}
		a.held = nil // ROLLBACK TO releases locks
		note("")
		return true, nil // a savepoint of the file's own, inside the savepoint that stands for its transaction
	}
	a.errs[st] = &SQLError{Code: "0A000", Message: "not run: two-phase commit cannot be reviewed"}
	return false, a.fail(ctx, st)
}

// whoseTransaction says what put a statement of m in a transaction.
func whoseTransaction(m *analyzer.Migration, toolTx bool) string {
	switch {
	case toolTx:
		return string(m.Format) + " runs the file in one"
	case m.Transaction() == analyzer.TxImplicit:
		return string(m.Format) + " sends the file as one multi-statement query, which runs as one"
	}
	return "the file's BEGIN opened one"
}

func transactionFix(m *analyzer.Migration, toolTx bool) string {
	if toolTx || m.Transaction() == analyzer.TxImplicit {
		return m.TransactionFix()
	}
	return "run it outside BEGIN … COMMIT"
}
