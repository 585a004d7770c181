package explain

import (
	"context"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
	"google.golang.org/protobuf/proto"
)

// Measured is what applying one migration statement of the change on the
// seeded database showed.
type Measured struct {
	Took time.Duration
	// Held is how long production holds the statement's locks: from its
	// start until its file's transaction ends (Took for a statement that
	// commits on its own). What long-lock judges.
	Held time.Duration
	// Locks is the strongest lock the statement acquired per table (locks
	// on an index count on its table): never one only an earlier statement
	// of its transaction took (ApplyMigrations).
	Locks    map[string]string
	Acquired []Lock // each lock it acquired, with the index it was on
	Note     string // how the measurement differs from production, if it does
}

// lockRank orders PostgreSQL's table lock modes, weakest first.
var lockRank = map[string]int{
	"AccessShareLock": 1, "RowShareLock": 2, "RowExclusiveLock": 3, "ShareUpdateExclusiveLock": 4,
	"ShareLock": 5, "ShareRowExclusiveLock": 6, "ExclusiveLock": 7, "AccessExclusiveLock": 8,
}

// LockBlocks says what a table lock mode stops other sessions doing:
// "reads and writes", "writes", or "" for neither.
func LockBlocks(mode string) string {
	switch {
	case lockRank[mode] == lockRank["AccessExclusiveLock"]:
		return "reads and writes"
	case lockRank[mode] >= lockRank["ShareLock"]:
		return "writes"
	}
	return ""
}

// Deprecated: ApplyMigrations applies whole files as production does and
// charges each statement only with its own locks.
//
// ApplyChange runs a migration statement of the change inside the review's
// transaction (tx), in a savepoint so that a failing statement does not
// end the review, and reads from pg_locks the locks it left held on the
// tables it names. Statements that cannot run in a transaction are
// measured in their transactional form (CREATE INDEX without
// CONCURRENTLY), which Note says; VACUUM is not run.
func ApplyChange(ctx context.Context, tx DB, st *analyzer.Statement) (Measured, error) {
	sql, lock, note, skip := transactional(st)
	m := Measured{Locks: map[string]string{}, Note: note}
	if skip {
		return m, nil
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return m, err
	}
	defer sp.Rollback(context.WithoutCancel(ctx))
	start := time.Now()
	if _, err := sp.Exec(ctx, sql); err != nil {
		return m, ServerError(err)
	}
	m.Took = time.Since(start)
	rows, err := sp.Query(ctx, `
		SELECT c.relname::text, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND c.relname = ANY($1)`, analyzer.Relations(st.Tree))
	if err != nil {
		return m, err
	}
	for rows.Next() {
		var table, mode string
		if err := rows.Scan(&table, &mode); err != nil {
			return m, err
		}
		if lockRank[mode] > lockRank[m.Locks[table]] {
			m.Locks[table] = mode
		}
	}
	if err := rows.Err(); err != nil {
		return m, err
	}
	if lock != "" { // the production form takes a weaker lock than the one measured
		for table := range m.Locks {
			m.Locks[table] = lock
		}
	}
	return m, sp.Commit(ctx)
}

// transactional returns the statement as it can run inside a transaction,
// the lock its production form takes when that differs, and a note.
func transactional(st *analyzer.Statement) (sql, lock, note string, skip bool) {
	tree := proto.Clone(st.Tree).(*pg_query.Node)
	switch {
	case tree.GetIndexStmt().GetConcurrent():
		tree.GetIndexStmt().Concurrent = false
	case tree.GetDropStmt().GetConcurrent():
		tree.GetDropStmt().Concurrent = false
	case withoutConcurrently(tree.GetReindexStmt()):
	case analyzer.DetachConcurrently(tree) != nil:
		analyzer.DetachConcurrently(tree).Concurrent = false
	case tree.GetVacuumStmt() != nil && tree.GetVacuumStmt().IsVacuumcmd:
		return "", "", "VACUUM is not run: it cannot run in the review's transaction", true
	default:
		return st.SQL, "", "", false
	}
	deparsed, err := pg_query.Deparse(&pg_query.ParseResult{Stmts: []*pg_query.RawStmt{{Stmt: tree}}})
	if err != nil {
		return st.SQL, "", "", false
	}
	return deparsed, "ShareUpdateExclusiveLock",
		"timed without CONCURRENTLY (CONCURRENTLY cannot run in a transaction; it takes longer but only a SHARE UPDATE EXCLUSIVE lock)", false
}

// withoutConcurrently drops REINDEX's CONCURRENTLY option and reports
// whether it had one.
func withoutConcurrently(r *pg_query.ReindexStmt) bool {
	if r == nil {
		return false
	}
	for i, p := range r.Params {
		if p.GetDefElem().GetDefname() == "concurrently" {
			r.Params = append(r.Params[:i], r.Params[i+1:]...)
			return true
		}
	}
	return false
}
