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
// inside tx, timing each statement and reading the locks it holds, then
// ANALYZEs the tables they touched so that the plans see the change.
func applyChange(ctx context.Context, tx pgx.Tx, db *provider.Database, ch change, cfg *config.Config,
	errs map[*analyzer.Statement]error, log func(string, ...any), afterEach func(context.Context, *analyzer.Statement) error) (map[*analyzer.Statement]explain.Measured, error) {
	log("change: %s", ch.why)
	measured := map[*analyzer.Statement]explain.Measured{}
	touched := map[string]bool{}
	for _, st := range statementsOf(ch.migrations) {
		if st.Tree.GetCreateExtensionStmt() != nil {
			// As in the base: the privileged role creates extensions. It does
			// so outside the review's transaction, which cannot be helped.
			err := apply(ctx, nil, db, st, cfg)
			if err != nil && !isServerError(err) {
				return nil, err
			}
			if err != nil {
				errs[st] = err
			}
			measured[st] = explain.Measured{Note: "created by the provider's privileged role"}
			continue
		}
		var m explain.Measured
		err := explain.Limit(ctx, cfg.StatementTimeout, func(ctx context.Context) (err error) {
			m, err = explain.ApplyChange(ctx, tx, st)
			return err
		})
		if err != nil {
			if stop := stopping(ctx, err, "apply", st); stop != nil {
				return nil, stop
			}
			errs[st] = err
			continue
		}
		measured[st] = m
		for table := range m.Locks {
			touched[table] = true
		}
		log("  %s:%d %s in %s%s", st.File, st.Line, firstWords(st.SQL, 4), m.Took.Round(time.Millisecond), lockNote(m))
		if err := afterEach(ctx, st); err != nil {
			return nil, err
		}
	}
	if err := analyzeNew(ctx, tx, touched); err != nil {
		return nil, err
	}
	return measured, nil
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
