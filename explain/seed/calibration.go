package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// Calibration is production's speed, fitted from pg_stat_statements at
// export time (config "calibration:"): how many milliseconds one unit of
// planner cost takes there, and the statements it was fitted on, with
// their mean latency and call rate, matched to the reviewed queries by
// pg_query fingerprint. It holds no query text.
type Calibration struct {
	MsPerCost  float64           `yaml:"ms-per-cost" json:"ms-per-cost"`
	Source     string            `yaml:"source" json:"source"`
	Statements int               `yaml:"statements" json:"statements"` // how many statements the figure was fitted on
	Queries    []CalibratedQuery `yaml:"queries,omitempty" json:"queries,omitempty"`
}

// CalibratedQuery is one statement of pg_stat_statements: its pg_query
// fingerprint (equal for the repository's query, whatever its constants
// or $n), its mean execution time, calls, calls per second since the
// statistics were reset (0 when the reset time is unknown), and the cost
// of its generic plan at export time.
type CalibratedQuery struct {
	Fingerprint    string  `yaml:"fingerprint" json:"fingerprint"`
	MeanMS         float64 `yaml:"mean-ms" json:"mean-ms"`
	Calls          int64   `yaml:"calls" json:"calls"`
	CallsPerSecond float64 `yaml:"calls-per-second,omitempty" json:"calls-per-second,omitempty"`
	Cost           float64 `yaml:"cost" json:"cost"`
}

// CalibrationTop is how many statements, by total execution time, the
// export plans and fits: the ones production spends its time on.
const CalibrationTop = 50

// minCalibrationCalls: a statement called fewer times has a mean that is
// one cold run, not a speed.
const minCalibrationCalls = 5

// ExportCalibration reads pg_stat_statements in conn's database, plans the
// top statements by total execution time (a generic plan with NULL
// parameters: no statement is executed) and fits milliseconds per cost
// unit as the median of mean_exec_time / plan cost. The median, not a
// least-squares line, because a few statements are always far off the
// line (one waiting on locks or I/O, one whose estimate is wrong by 100×)
// and least squares through the origin lets the costliest statement alone
// set the slope; the median of ratios ignores up to half of them.
//
// Without the extension (not installed in this database, or not loaded by
// shared_preload_libraries) or with too few statements it returns nil and
// a note that says why and how to get one; the export goes on without.
func ExportCalibration(ctx context.Context, conn *pgx.Conn) (*Calibration, string, error) {
	var schema *string
	if err := conn.QueryRow(ctx, `SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_stat_statements'`).Scan(&schema); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, "", fmt.Errorf("look for pg_stat_statements: %w", err)
	}
	if schema == nil {
		return nil, "pg_stat_statements is not installed in " + conn.Config().Database + " (CREATE EXTENSION pg_stat_statements, with shared_preload_libraries = 'pg_stat_statements'): no calibration exported; reviews use the default speed", nil
	}
	stats, hidden, resetAge, err := readStatements(ctx, conn, pgx.Identifier{*schema}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55000" { // object_not_in_prerequisite_state: not preloaded
		return nil, "pg_stat_statements is installed but not loaded (add it to shared_preload_libraries and restart): no calibration exported; reviews use the default speed", nil
	}
	if err != nil {
		return nil, "", err
	}
	var queries []CalibratedQuery
	var ratios []float64
	for _, s := range stats {
		cost, err := genericCost(ctx, conn, s.query)
		if err != nil {
			if ctx.Err() != nil || conn.IsClosed() {
				return nil, "", fmt.Errorf("plan a statement of pg_stat_statements: %w", err)
			}
			continue // not plannable any more (a dropped table), or not a plannable statement
		}
		q := CalibratedQuery{Fingerprint: s.fingerprint, MeanMS: round(s.meanMS, 4), Calls: s.calls, Cost: round(cost, 2)}
		if resetAge > 0 {
			q.CallsPerSecond = round(float64(s.calls)/resetAge, 4)
		}
		queries = append(queries, q)
		if cost > 0 && s.meanMS > 0 && s.calls >= minCalibrationCalls {
			ratios = append(ratios, s.meanMS/cost)
		}
	}
	note := ""
	if hidden > 0 {
		note = fmt.Sprintf("pg_stat_statements hid the text of %d statements of other roles from %s (GRANT pg_read_all_stats TO %s to include them)",
			hidden, conn.Config().User, conn.Config().User)
	}
	if len(ratios) < 3 {
		return nil, join(fmt.Sprintf("pg_stat_statements has %d planned statements called at least %d times in %s, fewer than 3: no calibration exported; reviews use the default speed (export again once production has run)",
			len(ratios), minCalibrationCalls, conn.Config().Database), note), nil
	}
	sort.Slice(queries, func(i, j int) bool { return queries[i].Fingerprint < queries[j].Fingerprint })
	cfg := conn.Config()
	return &Calibration{
		MsPerCost:  significant(median(ratios), 3),
		Source:     fmt.Sprintf("production's pg_stat_statements on %s/%s at %s", serverName(cfg.Host, cfg.Port), cfg.Database, time.Now().UTC().Format("2006-01-02 15:04 UTC")),
		Statements: len(ratios),
		Queries:    queries,
	}, note, nil
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

type statementStats struct {
	query, fingerprint string
	meanMS             float64
	calls              int64
}

// readStatements reads the top statements of this database by total
// execution time, one per fingerprint, and the seconds since the
// statistics were reset (0 when the server does not say: before
// PostgreSQL 14). Column names changed in 13 (total_time became
// total_exec_time); both are read through to_jsonb.
func readStatements(ctx context.Context, conn *pgx.Conn, schema string) (stats []statementStats, hidden int, resetAge float64, err error) {
	rows, err := conn.Query(ctx, `
		SELECT s.query, s.calls, coalesce(j->>'total_exec_time', j->>'total_time')::float8
		FROM `+schema+`.pg_stat_statements s, to_jsonb(s) j
		WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND s.calls > 0
		ORDER BY 3 DESC`)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	byFingerprint := map[string]*statementStats{}
	var order []*statementStats
	for rows.Next() {
		var query string
		var calls int64
		var total float64
		if err := rows.Scan(&query, &calls, &total); err != nil {
			return nil, 0, 0, fmt.Errorf("read pg_stat_statements: %w", err)
		}
		if query == "<insufficient privilege>" {
			hidden++
			continue
		}
		fp, ok := plannable(query)
		if !ok {
			continue
		}
		// The same shape under several users or search paths: one entry.
		if s := byFingerprint[fp]; s != nil {
			s.meanMS = (s.meanMS*float64(s.calls) + total) / float64(s.calls+calls)
			s.calls += calls
			continue
		}
		if len(order) == CalibrationTop {
			continue
		}
		s := &statementStats{query: query, fingerprint: fp, meanMS: total / float64(calls), calls: calls}
		byFingerprint[fp] = s
		order = append(order, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	stats = make([]statementStats, len(order))
	for i, s := range order {
		stats[i] = *s
	}
	var age *float64
	if err := conn.QueryRow(ctx, `SELECT extract(epoch FROM now() - stats_reset)::float8 FROM `+schema+`.pg_stat_statements_info`).Scan(&age); err != nil || age == nil {
		return stats, hidden, 0, nil // before 14 there is no pg_stat_statements_info: rates unknown
	}
	return stats, hidden, *age, nil
}

// plannable fingerprints a statement pg_stat_statements normalized, if it
// is one query that EXPLAIN can plan (SELECT, INSERT, UPDATE, DELETE,
// with or without WITH); utility statements (SET, BEGIN, CREATE) are not
// judged by cost.
func plannable(query string) (string, bool) {
	if strings.HasPrefix(query, "<") { // <insufficient privilege>
		return "", false
	}
	tree, err := pg_query.Parse(query)
	if err != nil || len(tree.Stmts) != 1 {
		return "", false
	}
	switch tree.Stmts[0].Stmt.Node.(type) {
	case *pg_query.Node_SelectStmt, *pg_query.Node_InsertStmt, *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt:
	default:
		return "", false
	}
	fp, err := pg_query.Fingerprint(query)
	return fp, err == nil
}

// genericCost is the total cost of query's generic plan: PREPARE, then
// EXPLAIN EXECUTE with NULL for every parameter under
// force_generic_plan, in a read-only transaction that is rolled back.
// EXPLAIN without ANALYZE runs nothing, on every server version. A
// prepared statement outlives its transaction: it is deallocated after.
func genericCost(ctx context.Context, conn *pgx.Conn, query string) (float64, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, err
	}
	cost, err := explainGeneric(ctx, tx, query)
	tx.Rollback(context.WithoutCancel(ctx))
	conn.Exec(context.WithoutCancel(ctx), "DEALLOCATE qreview_calibrate", pgx.QueryExecModeSimpleProtocol) // fails when PREPARE did: nothing to free
	return cost, err
}

func explainGeneric(ctx context.Context, tx pgx.Tx, query string) (float64, error) {
	for _, set := range []string{"SET LOCAL plan_cache_mode = force_generic_plan", "SET LOCAL statement_timeout = '5s'", "PREPARE qreview_calibrate AS " + query} {
		if _, err := tx.Exec(ctx, set, pgx.QueryExecModeSimpleProtocol); err != nil {
			return 0, err
		}
	}
	var params int
	if err := tx.QueryRow(ctx, `SELECT cardinality(parameter_types) FROM pg_prepared_statements WHERE name = 'qreview_calibrate'`).Scan(&params); err != nil {
		return 0, err
	}
	execute := "EXPLAIN (FORMAT JSON) EXECUTE qreview_calibrate"
	if params > 0 {
		execute += "(" + strings.TrimSuffix(strings.Repeat("NULL, ", params), ", ") + ")"
	}
	var text string
	if err := tx.QueryRow(ctx, execute, pgx.QueryExecModeSimpleProtocol).Scan(&text); err != nil {
		return 0, err
	}
	var plans []struct {
		Plan struct {
			TotalCost float64 `json:"Total Cost"`
		}
	}
	if err := json.Unmarshal([]byte(text), &plans); err != nil || len(plans) != 1 {
		return 0, fmt.Errorf("read EXPLAIN of %q: %v", query, err)
	}
	return plans[0].Plan.TotalCost, nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// significant rounds v to digits significant digits: 0.0123456 → 0.0123.
func significant(v float64, digits int) float64 {
	if v == 0 {
		return 0
	}
	return round(v, digits-1-int(math.Floor(math.Log10(math.Abs(v)))))
}

// serverName is host:port for a TCP server, the socket directory for a
// local one.
func serverName(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return "local socket " + host
	}
	return fmt.Sprintf("%s:%d", host, port)
}
