package explain

import (
	"context"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

// Lock is a table lock a statement acquired. A lock on an index is
// reported on its table, with the index named: an ACCESS EXCLUSIVE lock on
// an index stops every query that would plan with it.
type Lock struct {
	Table string `json:"table"`
	Index string `json:"index,omitempty"`
	Mode  string `json:"mode"` // pg_locks' name: ShareLock, AccessExclusiveLock, …
}

// heldLock is one (relation, mode) this backend holds.
type heldLock struct {
	rel  int64
	mode string
}

// ownUserLocks keeps the pg_locks rows (l) of this backend on relations
// that are not system catalogs (OIDs below FirstNormalObjectId, 16384).
const ownUserLocks = `l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
	AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.relation::int8 >= 16384`

// lockState reads the relation locks this backend holds and the highest
// relation OID (relations above it are created later), in one round trip.
func lockState(ctx context.Context, db DB) (map[heldLock]bool, int64, error) {
	rows, err := db.Query(ctx, `
		SELECT 0::int8, '', max(oid)::int8 FROM pg_class
		UNION ALL
		SELECT l.relation::int8, l.mode, 0 FROM pg_locks l WHERE `+ownUserLocks)
	if err != nil {
		return nil, 0, fmt.Errorf("read pg_locks: %w", err)
	}
	held := map[heldLock]bool{}
	var highest int64
	for rows.Next() {
		var l heldLock
		var max int64
		if err := rows.Scan(&l.rel, &l.mode, &max); err != nil {
			return nil, 0, fmt.Errorf("read pg_locks: %w", err)
		}
		if l.rel == 0 {
			highest = max
			continue
		}
		held[l] = true
	}
	return held, highest, rows.Err()
}

// relName is a relation's table and, for an index, the index.
type relName struct{ table, index string }

// dropped names, before st runs, the relations st drops: once dropped
// they have no name left to read, yet their locks count.
func (names relNames) dropped(ctx context.Context, db DB, st *analyzer.Statement) error {
	drop := st.Tree.GetDropStmt()
	switch drop.GetRemoveType() {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_INDEX, pg_query.ObjectType_OBJECT_MATVIEW,
		pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_SEQUENCE:
	default:
		return nil
	}
	var dropped []string
	for _, obj := range drop.Objects {
		var parts []string
		for _, p := range obj.GetList().GetItems() {
			parts = append(parts, p.GetString_().GetSval())
		}
		if len(parts) > 0 {
			dropped = append(dropped, pgx.Identifier(parts).Sanitize())
		}
	}
	rows, err := db.Query(ctx, `
		SELECT c.oid::int8, coalesce(t.relname, c.relname)::text, CASE WHEN t.oid IS NULL THEN '' ELSE c.relname::text END
		FROM unnest($1::text[]) n JOIN pg_class c ON c.oid = to_regclass(n)
		LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid`, dropped)
	if err != nil {
		return fmt.Errorf("resolve the relations %s:%d drops: %w", st.File, st.Line, ServerError(err))
	}
	for rows.Next() {
		var oid int64
		var n relName
		if err := rows.Scan(&oid, &n.table, &n.index); err != nil {
			return err
		}
		names[oid] = n
	}
	return rows.Err()
}

// heldNow reads the relation locks this backend holds.
func heldNow(ctx context.Context, db DB) (map[heldLock]bool, error) {
	rows, err := db.Query(ctx, "SELECT l.relation::int8, l.mode FROM pg_locks l WHERE "+ownUserLocks)
	if err != nil {
		return nil, fmt.Errorf("read pg_locks: %w", err)
	}
	held := map[heldLock]bool{}
	for rows.Next() {
		var l heldLock
		if err := rows.Scan(&l.rel, &l.mode); err != nil {
			return nil, fmt.Errorf("read pg_locks: %w", err)
		}
		held[l] = true
	}
	return held, rows.Err()
}

// acquired lists the locks held after that were not held before, on
// relations that existed when the transaction began (createdAfter: the
// highest relation OID then; a relation made inside the transaction is
// seen by no other session, so its locks block no one).
func acquired(before, after map[heldLock]bool, createdAfter int64) []heldLock {
	var out []heldLock
	for l := range after {
		if !before[l] && l.rel <= createdAfter {
			out = append(out, l)
		}
	}
	return out
}

// relNames caches what relation OIDs are called: a lock on an index or a
// TOAST table is reported on its table. The names are read once per OID.
type relNames map[int64]relName

// locks names the locks, resolving the OIDs not seen yet; a relation gone
// without a name (dropped with its schema) is "relation OID".
func (names relNames) locks(ctx context.Context, db DB, held []heldLock) ([]Lock, error) {
	var unknown []int64
	for _, l := range held {
		if _, ok := names[l.rel]; !ok {
			unknown = append(unknown, l.rel)
		}
	}
	if len(unknown) > 0 {
		rows, err := db.Query(ctx, `
			SELECT c.oid::int8, coalesce(t.relname, o.relname, c.relname)::text, CASE WHEN t.oid IS NULL THEN '' ELSE c.relname::text END
			FROM pg_class c
			LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
			LEFT JOIN pg_class o ON c.relkind = 't' AND o.reltoastrelid = c.oid
			WHERE c.oid = ANY ($1::int8[]::oid[])`, unknown)
		if err != nil {
			return nil, fmt.Errorf("name the locked relations: %w", err)
		}
		for rows.Next() {
			var oid int64
			var n relName
			if err := rows.Scan(&oid, &n.table, &n.index); err != nil {
				return nil, fmt.Errorf("name the locked relations: %w", err)
			}
			names[oid] = n
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("name the locked relations: %w", err)
		}
	}
	var out []Lock
	seen := map[Lock]bool{}
	for _, l := range held {
		n, ok := names[l.rel]
		if !ok {
			n.table = fmt.Sprintf("relation %d", l.rel)
		}
		lock := Lock{Table: n.table, Index: n.index, Mode: l.mode}
		if !seen[lock] {
			seen[lock] = true
			out = append(out, lock)
		}
	}
	sortLocks(out)
	return out, nil
}

func sortLocks(locks []Lock) {
	sort.Slice(locks, func(i, j int) bool {
		a, b := locks[i], locks[j]
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return lockRank[a.Mode] < lockRank[b.Mode]
	})
}

// strongest is the strongest lock per table, the summary long-lock
// judges.
func strongest(locks []Lock) map[string]string {
	out := map[string]string{}
	for _, l := range locks {
		if lockRank[l.Mode] > lockRank[out[l.Table]] {
			out[l.Table] = l.Mode
		}
	}
	return out
}
