package review

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/provider"
	"github.com/qreview/qreview/explain/seed"
	"github.com/qreview/qreview/internal/format"
)

// prepare brings the database to the reviewed schema with production-sized
// data: the migrations, then the seed and ANALYZE. A warm database (kept
// by an earlier run with the same schema, profile and server) has both
// already. A migration the server rejects is recorded in errs and the
// rest go on; such a database is not kept.
func prepare(ctx context.Context, conn *pgx.Conn, db *provider.Database, base []*analyzer.Migration, load seed.Options, cfg *config.Config,
	errs map[*analyzer.Statement]error, logw io.Writer) ([]seed.Loaded, error) {
	log := logTo(logw)
	var loaded []seed.Loaded
	if db.Warm {
		if err := json.Unmarshal(db.Meta, &loaded); err != nil {
			return nil, fmt.Errorf("cached database: unreadable note %q: %w; run with --no-cache or qreview cache clean", db.Meta, err)
		}
		var rows int64
		for _, l := range loaded {
			rows += l.Rows + l.Kept
		}
		log("warm: schema and %s seeded rows from the cache; --no-cache seeds afresh", format.Count(float64(rows)))
		return loaded, nil
	}
	phase := time.Now()
	applied, err := applyBase(ctx, conn, db, base, cfg, errs)
	if err != nil {
		return nil, err
	}
	log("applied %d migrations (%d statements) in %s", len(base), applied, since(phase))
	failed := baseFailures(base, errs)
	for _, f := range failed {
		log("warning: %s", f)
	}

	phase = time.Now()
	progress, waitProgress := newProgress(logw)
	load.Progress = progress
	loaded, err = seed.LoadWith(ctx, db.DSN, cfg.Scale, load)
	waitProgress()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if len(failed) > 0 { // the likely cause of a table the profile cannot find
			return nil, fmt.Errorf("%s: %w (and %d statements of the deployed migrations failed, the first: %s)",
				cmp.Or(cfg.Path, "scale profile"), err, len(failed), failed[0])
		}
		return nil, fmt.Errorf("%s: %w", cmp.Or(cfg.Path, "scale profile"), err)
	}
	log("seeded and analyzed in %s%s", since(phase), peakMemory())
	if len(errs) == 0 {
		meta, _ := json.Marshal(loaded)
		if err := db.KeepSeeded(ctx, meta); err != nil {
			log("cache: not kept: %v", err)
		}
	}
	return loaded, nil
}

// applyBase applies the deployed history as its tools applied it, each
// file committed in the transaction its tool gives it, on one session (a
// migration's SETs hold for the rest of the run, as in production), then
// resets the session: seeding and planning start clean, cold or warm.
func applyBase(ctx context.Context, conn *pgx.Conn, db *provider.Database, base []*analyzer.Migration, cfg *config.Config,
	errs map[*analyzer.Statement]error) (int, error) {
	if err := createBookkeeping(ctx, conn, base); err != nil {
		return 0, err
	}
	applied := 0
	for _, m := range base {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return 0, err
		}
		_, failed, err := explain.ApplyMigrations(ctx, tx, []*analyzer.Migration{m}, explain.ApplyOptions{
			StatementTimeout: cfg.StatementTimeout, Outside: privileged(db, cfg, conn)})
		if err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, fmt.Errorf("apply %s: %w", m.File, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return 0, fmt.Errorf("apply %s: commit: %w", m.File, err)
		}
		for st, err := range failed {
			errs[st] = err
		}
		applied += len(m.Statements)
	}
	if err := explain.ResetSession(ctx, conn); err != nil {
		return 0, fmt.Errorf("reset the session after the migrations: %w", err)
	}
	return applied, nil
}

// apply runs one migration statement as the review's role, within
// statement_timeout. CREATE EXTENSION alone runs as the provider's
// privileged role, as a DBA does in production: most extensions need a
// superuser, and the extension must already be installed on the server.
func apply(ctx context.Context, conn *pgx.Conn, db *provider.Database, st *analyzer.Statement, cfg *config.Config) error {
	return explain.Limit(ctx, cfg.StatementTimeout, func(ctx context.Context) error {
		if st.Tree.GetCreateExtensionStmt() == nil {
			_, err := explain.Apply(ctx, conn, st)
			return err
		}
		admin, err := explain.Connect(ctx, db.AdminDSN)
		if err != nil {
			return err
		}
		defer admin.Close(context.WithoutCancel(ctx))
		_, err = explain.Apply(ctx, admin, st)
		return err
	})
}

// schemaSQL is what the seeded database depends on: every migration
// statement, in apply order.
func schemaSQL(migrations []*analyzer.Migration) []string {
	var sql []string
	for _, st := range statementsOf(migrations) {
		sql = append(sql, st.SQL)
	}
	return sql
}

// baseFailures says, in apply order, which statements of the deployed
// history the scratch database rejected: what their tool applies after
// them in the same file is missing from the schema too.
func baseFailures(base []*analyzer.Migration, errs map[*analyzer.Statement]error) []string {
	var out []string
	for _, st := range statementsOf(base) {
		if err := errs[st]; err != nil && !errors.As(err, new(*explain.NotApplied)) {
			out = append(out, fmt.Sprintf("%s:%d (deployed history) failed on the scratch database: %v", st.File, st.Line, err))
		}
	}
	return out
}
