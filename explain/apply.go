package explain

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

// ApplyOptions tunes ApplyMigrations.
type ApplyOptions struct {
	// StatementTimeout bounds each statement (0: no bound beyond ctx).
	StatementTimeout time.Duration
	// AfterEach runs after each statement that succeeded, with the
	// migrations' work so far visible but in a clean session (ResetSession),
	// inside a savepoint rolled back afterwards: what it plans is judged as
	// production plans it, and the migration's own SETs still hold for its
	// next statements.
	AfterEach func(ctx context.Context, st *analyzer.Statement) error
	// Outside, when set, applies the statements it accepts (e.g. CREATE
	// EXTENSION, run by a privileged role) instead of the review's
	// transaction; it returns a note for the result, or a server error.
	Outside func(ctx context.Context, st *analyzer.Statement) (handled bool, note string, err error)
}

// ApplyMigrations applies migrations, in order, inside tx, the review's
// transaction, which the caller rolls back (or, for the base schema,
// commits): nothing a reviewed statement says can end it. Each file gets
// the transaction its tool gives it in production (analyzer.Migration
// Transaction), stood for by a savepoint: a file's BEGIN opens one, COMMIT
// releases it, ROLLBACK rolls back to it. A failed statement rolls back its
// file's transaction, as in production, and the tool stops at it (the rest
// of the file gets NotApplied); the next files go on.
//
// Each statement is charged with the locks it acquired (pg_locks before
// and after it), held until its file's transaction ends (Measured.Held).
// A statement that cannot run in a transaction is measured in its
// transactional form with the lock production takes, when production runs
// it outside one; where the tool runs it inside one, it fails as in
// production. The server's errors come in the second map; the error
// returned is for what stops the review (a lost connection, ctx).
func ApplyMigrations(ctx context.Context, tx pgx.Tx, migrations []*analyzer.Migration, opts ApplyOptions) (map[*analyzer.Statement]Measured, map[*analyzer.Statement]error, error) {
	a := &applier{db: tx, opts: opts, measured: map[*analyzer.Statement]Measured{}, errs: map[*analyzer.Statement]error{}, names: relNames{}}
	for _, m := range migrations {
		if err := a.file(ctx, m); err != nil {
			return nil, nil, err
		}
	}
	return a.measured, a.errs, nil
}

type applier struct {
	db       DB
	opts     ApplyOptions
	measured map[*analyzer.Statement]Measured
	errs     map[*analyzer.Statement]error
	unit     *unit // the open transaction of the file being applied, nil when none
	// aborted: a statement failed in the file's own BEGIN block, in a file
	// applied on after errors (psql): the server ignores what follows
	// until COMMIT or ROLLBACK ends the block.
	aborted *analyzer.Statement
	names   relNames
	// held is the locks held after the last statement, nil when unknown:
	// it stands for the next statement's before (AfterEach's locks go
	// with its savepoint) and outlives the savepoints released.
	held    map[heldLock]bool
	highest int64 // the highest relation OID known, 0 before the first read
	// enumValuesAdded: an earlier file's transaction added enum values,
	// which production commits before the next file and the review cannot.
	enumValuesAdded bool
}

// unit is a transaction of a migration file, stood for by a savepoint.
type unit struct {
	explicit      bool                  // opened by the file's own BEGIN
	addsEnumValue bool                  // ALTER TYPE … ADD VALUE ran in it
	stmts         []*analyzer.Statement // applied in it, in order
	createdAfter  int64                 // the highest relation OID when it began
	stale         map[heldLock]bool     // locks the review's transaction held when it began, from earlier files
	locals        localSettings
}

const unitSavepoint = "qreview_tx"

func (a *applier) file(ctx context.Context, m *analyzer.Migration) error {
	a.aborted = nil
	mode := m.Transaction()
	toolTx := mode == analyzer.TxFile // the tool's own transaction, until the file COMMITs it
	for i, st := range m.Statements {
		ok, err := a.statement(ctx, m, st, mode, &toolTx)
		if err != nil {
			return err
		}
		if !ok && m.StopsOnError() {
			for _, rest := range m.Statements[i+1:] {
				a.errs[rest] = &NotApplied{Failed: st, Tool: string(m.Format)}
			}
			return nil
		}
	}
	if a.unit != nil { // the tool commits its transaction; an implicit block ends with the query
		return a.end(ctx, true)
	}
	return nil
}

// statement applies one statement of m; ok is false when it failed.
func (a *applier) statement(ctx context.Context, m *analyzer.Migration, st *analyzer.Statement, mode analyzer.Transaction, toolTx *bool) (ok bool, err error) {
	t := st.Tree.GetTransactionStmt()
	if a.aborted != nil {
		switch t.GetKind() {
		case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
			a.aborted = nil
			a.measured[st] = Measured{Note: "ends the file's aborted transaction"}
			return true, nil
		}
		a.errs[st] = &SQLError{Code: "25P02", Message: fmt.Sprintf("not applied: the file's transaction is aborted since %s:%d failed; commands are ignored until the end of the transaction block",
			a.aborted.File, a.aborted.Line)}
		return false, nil
	}
	if t != nil {
		return a.transactionStmt(ctx, st, t, toolTx)
	}
	if a.opts.Outside != nil {
		handled, note, err := a.opts.Outside(ctx, st)
		if err != nil && !isSQLError(err) {
			return false, fmt.Errorf("apply %s:%d: %w", st.File, st.Line, err)
		}
		if handled {
			a.held = nil // it may have run on this connection
			if err != nil {
				a.errs[st] = err
				return false, a.fail(ctx, st)
			}
			a.measured[st] = Measured{Note: note}
			return true, nil
		}
	}
	s := settingsOf(st)
	if s.txOnly != "" {
		a.measured[st] = Measured{Note: "not run: " + s.txOnly + " cannot change the review's transaction"}
		return true, nil
	}
	if a.unit == nil && (mode == analyzer.TxImplicit || *toolTx) {
		if err := a.begin(ctx); err != nil {
			return false, err
		}
	}
	if what := analyzer.NoTransactionStatement(st); what != "" {
		if a.unit != nil { // production fails here too
			a.errs[st] = &SQLError{Code: "25001", Message: fmt.Sprintf("%s cannot run inside a transaction block, and %s: %s",
				what, whoseTransaction(m, *toolTx), transactionFix(m, *toolTx))}
			return false, a.fail(ctx, st)
		}
		return a.outsideTransaction(ctx, st)
	}
	autocommit := a.unit == nil
	if autocommit {
		if err := a.begin(ctx); err != nil {
			return false, err
		}
	}
	if err := a.unit.locals.before(ctx, a.db, s); err != nil {
		return false, err
	}
	meas, err := a.run(ctx, st, st.SQL)
	if err != nil {
		if !isSQLError(err) {
			return false, err
		}
		a.errs[st] = a.sandboxLimit(err)
		return false, a.fail(ctx, st)
	}
	if st.Tree.GetAlterEnumStmt() != nil {
		a.unit.addsEnumValue = true
	}
	if err := a.unit.locals.after(ctx, a.db, s); err != nil {
		return false, err
	}
	a.measured[st] = meas
	a.unit.stmts = append(a.unit.stmts, st)
	if autocommit {
		if err := a.end(ctx, true); err != nil {
			return false, err
		}
	}
	return true, a.afterEach(ctx, st)
}

// outsideTransaction measures a statement that cannot run in a
// transaction, run outside one in production, in its transactional form.
func (a *applier) outsideTransaction(ctx context.Context, st *analyzer.Statement) (bool, error) {
	sql, lock, note, skip := transactional(st)
	if lock == "" && !skip { // no transactional form: it acts beyond the scratch database
		skip, note = true, "not run: "+analyzer.NoTransactionStatement(st)+" cannot run in the review's transaction"
	}
	if skip {
		a.measured[st] = Measured{Locks: map[string]string{}, Note: note}
		return true, nil
	}
	if err := a.begin(ctx); err != nil {
		return false, err
	}
	meas, err := a.run(ctx, st, sql)
	if err != nil {
		if !isSQLError(err) {
			return false, err
		}
		a.errs[st] = err
		return false, a.fail(ctx, st)
	}
	meas.Note = note
	for i := range meas.Acquired {
		meas.Acquired[i].Mode = lock // the production form takes a weaker lock than the one measured
	}
	meas.Locks = strongest(meas.Acquired)
	a.measured[st] = meas
	a.unit.stmts = append(a.unit.stmts, st)
	if err := a.end(ctx, true); err != nil {
		return false, err
	}
	return true, a.afterEach(ctx, st)
}

// run executes sql for st in the open transaction, timed, and reads the
// locks it acquired.
func (a *applier) run(ctx context.Context, st *analyzer.Statement, sql string) (Measured, error) {
	if err := a.names.dropped(ctx, a.db, st); err != nil {
		return Measured{}, err
	}
	again, err := retaken(ctx, a.db, st, a.unit.stale)
	if err != nil {
		return Measured{}, err
	}
	before := a.held
	if before == nil {
		if before, err = heldNow(ctx, a.db); err != nil {
			return Measured{}, err
		}
	}
	a.held = nil
	var took time.Duration
	err = a.limit(ctx, func(ctx context.Context) error {
		start := time.Now()
		err := execStatement(ctx, a.db, st, sql)
		took = time.Since(start)
		return ServerError(err)
	})
	if err != nil {
		if isSQLError(err) || ctx.Err() != nil {
			return Measured{}, err
		}
		return Measured{}, fmt.Errorf("apply %s:%d: %w", st.File, st.Line, err)
	}
	after, err := heldNow(ctx, a.db)
	if err != nil {
		return Measured{}, err
	}
	a.held = after
	acquired, err := a.names.locks(ctx, a.db, acquired(before, after, a.unit.createdAfter))
	if err != nil {
		return Measured{}, err
	}
	for _, l := range again {
		if !containsLock(acquired, l) {
			acquired = append(acquired, l)
		}
	}
	sortLocks(acquired)
	return Measured{Took: took, Held: took, Locks: strongest(acquired), Acquired: acquired}, nil
}

func (a *applier) limit(ctx context.Context, fn func(context.Context) error) error {
	if a.opts.StatementTimeout <= 0 {
		return fn(ctx)
	}
	return Limit(ctx, a.opts.StatementTimeout, fn)
}

// begin opens a transaction of the file.
func (a *applier) begin(ctx context.Context) error {
	if _, err := a.db.Exec(ctx, "SAVEPOINT "+unitSavepoint); err != nil {
		return fmt.Errorf("open a savepoint for a migration's transaction: %w", ServerError(err))
	}
	if a.held == nil || a.highest == 0 {
		held, highest, err := lockState(ctx, a.db)
		if err != nil {
			return err
		}
		a.held, a.highest = held, max(a.highest, highest)
	}
	// A relation an earlier transaction made is locked by it, so the
	// highest OID held covers it: no need to read pg_class again.
	for l := range a.held {
		a.highest = max(a.highest, l.rel)
	}
	a.unit = &unit{createdAfter: a.highest, stale: a.held, locals: localSettings{}}
	return nil
}

// end closes the file's open transaction: committed (savepoint released,
// its SET LOCALs ended) or rolled back. Each statement's locks are held
// until then: Held adds the time of the statements after it.
func (a *applier) end(ctx context.Context, commit bool) error {
	u := a.unit
	a.unit = nil
	var held time.Duration
	for i := len(u.stmts) - 1; i >= 0; i-- {
		m := a.measured[u.stmts[i]]
		held += m.Took
		m.Held = held
		if !commit {
			m.Note = joinNotes(m.Note, "rolled back with its file's transaction")
		}
		a.measured[u.stmts[i]] = m
	}
	sql := "RELEASE SAVEPOINT " + unitSavepoint
	if !commit {
		sql = "ROLLBACK TO SAVEPOINT " + unitSavepoint + "; " + sql
		a.held = nil // its locks are gone
	}
	if _, err := a.db.Exec(ctx, sql); err != nil {
		return fmt.Errorf("end a migration's transaction: %w", ServerError(err))
	}
	if commit {
		a.enumValuesAdded = a.enumValuesAdded || u.addsEnumValue
		return u.locals.restore(ctx, a.db)
	}
	return nil
}

// fail rolls back the open transaction after a failed statement, as the
// server does.
func (a *applier) fail(ctx context.Context, st *analyzer.Statement) error {
	if a.unit == nil {
		return nil
	}
	if a.unit.explicit && st.Migration != nil && !st.Migration.StopsOnError() {
		a.aborted = st
	}
	return a.end(ctx, false)
}

// afterEach runs opts.AfterEach in a clean session, in a savepoint rolled
// back afterwards: RESET is transactional, so the migration's settings
// come back for its next statement.
func (a *applier) afterEach(ctx context.Context, st *analyzer.Statement) error {
	if a.opts.AfterEach == nil {
		return nil
	}
	if _, err := a.db.Exec(ctx, "SAVEPOINT qreview_clean"); err != nil {
		return fmt.Errorf("after %s:%d: %w", st.File, st.Line, ServerError(err))
	}
	err := ResetSession(ctx, a.db)
	if err == nil {
		err = a.opts.AfterEach(ctx, st)
	}
	if _, rbErr := a.db.Exec(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT qreview_clean; RELEASE SAVEPOINT qreview_clean"); rbErr != nil && err == nil {
		err = fmt.Errorf("after %s:%d: %w", st.File, st.Line, ServerError(rbErr))
	}
	return err
}

func containsLock(locks []Lock, l Lock) bool {
	for _, have := range locks {
		if have == l {
			return true
		}
	}
	return false
}

func isSQLError(err error) bool {
	_, ok := err.(*SQLError)
	return ok
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// execStatement runs sql, st's text as applied; a COPY … FROM stdin of a
// pg_dump gets the rows that followed it in the file.
func execStatement(ctx context.Context, db DB, st *analyzer.Statement, sql string) error {
	if st.CopyData == nil {
		_, err := db.Exec(ctx, sql)
		return err
	}
	conn := connOf(db)
	if conn == nil {
		return fmt.Errorf("COPY … FROM stdin at %s:%d needs a connection of its own", st.File, st.Line)
	}
	_, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(st.CopyData.Rows), sql)
	return err
}

// connOf is the connection under db, nil when it has none.
func connOf(db DB) *pgx.Conn {
	switch d := db.(type) {
	case *pgx.Conn:
		return d
	case pgx.Tx:
		return d.Conn()
	}
	return nil
}
