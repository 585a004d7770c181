package review

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/provider"
)

// applyChange applies the change's migrations on the seeded database
// inside tx, as their tools apply them (explain.ApplyMigrations), timing
// each statement and reading the locks it acquired, then ANALYZEs the
// tables they touched so that the plans see the change. afterEach plans
// the queries after each statement, in a clean session.
func applyChange(ctx context.Context, tx pgx.Tx, db *provider.Database, ch change, cfg *config.Config,
	errs map[*analyzer.Statement]error, log func(string, ...any), afterEach func(context.Context, *analyzer.Statement) error) (map[*analyzer.Statement]explain.Measured, error) {
	log("change: %s", ch.why)
	measured, failed, err := explain.ApplyMigrations(ctx, tx, ch.migrations, explain.ApplyOptions{
		StatementTimeout: cfg.StatementTimeout, AfterEach: afterEach, Outside: privileged(db, cfg, tx)})
	if err != nil {
		return nil, err
	}
	touched := map[string]bool{}
	for _, st := range statementsOf(ch.migrations) {
		if err := failed[st]; err != nil {
			errs[st] = err
			continue
		}
		m, ok := measured[st]
		if !ok {
			continue
		}
		for table := range m.Locks {
			if !strings.HasPrefix(table, "relation ") {
				touched[table] = true
			}
		}
		log("  %s:%d %s in %s%s", st.File, st.Line, firstWords(st.SQL, 4), m.Took.Round(time.Millisecond), lockNote(m))
	}
	// A migration's SETs hold for the rest of the change, never for what
	// is planned after it.
	if err := explain.ResetSession(ctx, tx); err != nil {
		return nil, fmt.Errorf("reset the session after the change: %w", err)
	}
	if err := analyzeNew(ctx, tx, touched); err != nil {
		return nil, err
	}
	return measured, nil
}

// privileged applies CREATE EXTENSION of an extension that is not
// trusted as the provider's privileged role, as a DBA does in production,
// outside the review's transaction (a kept database so changed is not
// kept, or is dropped from the cache). A trusted extension (pg_trgm,
// citext, hstore, … since PostgreSQL 13) is created by the run role in
// the review's transaction, and so rolled back with the change.
func privileged(db *provider.Database, cfg *config.Config, conn explain.DB) func(context.Context, *analyzer.Statement) (bool, string, error) {
	return func(ctx context.Context, st *analyzer.Statement) (bool, string, error) {
		ext := st.Tree.GetCreateExtensionStmt()
		if ext == nil {
			return false, "", nil
		}
		var trusted bool
		err := conn.QueryRow(ctx, `SELECT coalesce(bool_or(trusted), false) FROM pg_catalog.pg_available_extension_versions WHERE name = $1`,
			ext.Extname).Scan(&trusted)
		if err == nil && trusted {
			return false, "", nil
		}
		return true, "created by the provider's privileged role", apply(ctx, nil, db, st, cfg)
	}
}

// analyzeNew gathers statistics for the columns of the touched tables that
// have none after the change (added, or retyped, which drops them). The
// rest keep the seeded statistics: ANALYZE samples at random, and a fresh
// sample would move every estimate a little from one run to the next.
func analyzeNew(ctx context.Context, tx pgx.Tx, touched map[string]bool) error {
	for table := range touched {
		rows, err := tx.Query(ctx, `
			SELECT a.attname::text FROM pg_attribute a
			WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
			  AND NOT EXISTS (SELECT 1 FROM pg_stats s WHERE s.tablename = $1 AND s.attname = a.attname)`, table)
		if err != nil {
			return fmt.Errorf("ANALYZE after the change: %w", err)
		}
		columns, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("ANALYZE after the change: %w", err)
		}
		if len(columns) == 0 {
			continue
		}
		for i, c := range columns {
			columns[i] = pgx.Identifier{c}.Sanitize()
		}
		stmt := "ANALYZE " + pgx.Identifier{table}.Sanitize() + " (" + strings.Join(columns, ", ") + ")"
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s after the change: %w", stmt, err)
		}
	}
	return nil
}

// genericPlans plans every query as it stands (generic plans for
// parameterized ones): the before/after comparisons of the change.
func genericPlans(ctx context.Context, db explain.DB, queries []*analyzer.Statement, cfg *config.Config,
	errs map[*analyzer.Statement]error) (map[*analyzer.Statement]*explain.Plan, error) {
	plans := map[*analyzer.Statement]*explain.Plan{}
	err := eachQuery(ctx, queries, cfg, errs, func(ctx context.Context, st *analyzer.Statement) error {
		plan, err := explain.Explain(ctx, db, st)
		if err == nil {
			plans[st] = plan
		}
		return err
	})
	return plans, err
}

func firstWords(sql string, n int) string {
	words := strings.Fields(sql)
	if len(words) > n {
		return strings.Join(words[:n], " ") + " …"
	}
	return strings.Join(words, " ")
}

func lockNote(m explain.Measured) string {
	var parts []string
	for table, mode := range m.Locks {
		if blocks := explain.LockBlocks(mode); blocks != "" {
			parts = append(parts, fmt.Sprintf("%s on %s (blocks %s)", mode, table, blocks))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ", holding " + strings.Join(parts, ", ")
}
