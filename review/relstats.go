package review

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/provider"
)

// The change runs in a transaction that is rolled back, but PostgreSQL
// writes some statistics in place, outside any transaction: ANALYZE and
// CREATE INDEX update pg_class's relpages and reltuples, and nextval
// advances a sequence for good. Left so, a kept database would no longer
// be what the seeding produced (its fingerprint would not match, and the
// next run would seed afresh), and the next plans would rest on other
// estimates. keepStats notes them before the review and puts them back
// after it, as the provider's privileged role (a role that may not write
// pg_class leaves them, and the cache's check drops such an entry).

type relStats struct {
	pages, visible int64
	tuples         float64
}

type statsSnapshot struct {
	rels map[uint32]relStats
	seqs map[string]*int64 // sequence (regclass text) → last_value, nil: never called
}

// keepStats snapshots the statistics and returns what restores them.
func keepStats(ctx context.Context, db *provider.Database, log func(string, ...any)) (func(), error) {
	admin, err := explain.Connect(ctx, db.AdminDSN)
	if err != nil {
		return nil, fmt.Errorf("%s database, as its privileged role: %w", db.Provider, err)
	}
	snap, err := snapshotStats(ctx, admin)
	if err != nil {
		admin.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return func() {
		ctx := context.WithoutCancel(ctx)
		defer admin.Close(ctx)
		if err := restoreStats(ctx, admin, snap); err != nil {
			log("cache: could not put back the statistics the review changed in place: %v", err)
		}
	}, nil
}

func snapshotStats(ctx context.Context, conn *pgx.Conn) (*statsSnapshot, error) {
	snap := &statsSnapshot{rels: map[uint32]relStats{}, seqs: map[string]*int64{}}
	rows, err := conn.Query(ctx, `
		SELECT c.oid, c.relpages, c.reltuples, c.relallvisible FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'`)
	if err != nil {
		return nil, fmt.Errorf("note the tables' statistics: %w", err)
	}
	for rows.Next() {
		var oid uint32
		var s relStats
		var pages, visible int32
		var tuples float32
		if err := rows.Scan(&oid, &pages, &tuples, &visible); err != nil {
			return nil, err
		}
		s.pages, s.visible, s.tuples = int64(pages), int64(visible), float64(tuples)
		snap.rels[oid] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = conn.Query(ctx, `SELECT pg_catalog.format('%I.%I', schemaname, sequencename), last_value FROM pg_catalog.pg_sequences`)
	if err != nil {
		return nil, fmt.Errorf("note the sequences: %w", err)
	}
	for rows.Next() {
		var name string
		var last *int64
		if err := rows.Scan(&name, &last); err != nil {
			return nil, err
		}
		snap.seqs[name] = last
	}
	return snap, rows.Err()
}

// restoreStats writes back what changed since the snapshot.
func restoreStats(ctx context.Context, conn *pgx.Conn, snap *statsSnapshot) error {
	now, err := snapshotStats(ctx, conn)
	if err != nil {
		return err
	}
	for oid, was := range snap.rels {
		if is, ok := now.rels[oid]; ok && is != was {
			if _, err := conn.Exec(ctx, "UPDATE pg_catalog.pg_class SET relpages = $2, reltuples = $3, relallvisible = $4 WHERE oid = $1",
				oid, was.pages, float32(was.tuples), was.visible); err != nil {
				return err
			}
		}
	}
	for seq, was := range snap.seqs {
		is, ok := now.seqs[seq]
		if !ok || (is == nil) == (was == nil) && (is == nil || *is == *was) {
			continue
		}
		sql := "SELECT pg_catalog.setval($1::regclass, $2, true)"
		args := []any{seq, was}
		if was == nil { // never called: back to its start, not called
			sql, args = "SELECT pg_catalog.setval($1::regclass, (SELECT start_value FROM pg_catalog.pg_sequences WHERE pg_catalog.format('%I.%I', schemaname, sequencename) = $1), false)", []any{seq}
		}
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return err
		}
	}
	return nil
}
