// Package explain applies a schema to a scratch PostgreSQL and asks the
// planner what it would do with each statement.
package explain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/qreview/qreview/analyzer"
)

// DB is a connection or a transaction: inside a transaction, Begin makes
// a savepoint, so EXPLAIN's own rollback undoes only its own work.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Apply executes a migration statement outside any transaction block, so
// that statements such as CREATE INDEX CONCURRENTLY work as in
// production, and returns how long it took.
func Apply(ctx context.Context, conn DB, st *analyzer.Statement) (time.Duration, error) {
	start := time.Now()
	_, err := conn.Exec(ctx, st.SQL)
	return time.Since(start), ServerError(err)
}

// Explain returns the plan PostgreSQL makes for st. A statement with $n
// parameters gets its generic plan: PREPARE, force_generic_plan, EXPLAIN
// EXECUTE with NULLs. That one path works on every supported server
// version, unlike EXPLAIN (GENERIC_PLAN), which needs 16.
//
// Everything runs in a transaction that is rolled back: planning can run
// functions, and nothing a reviewed statement does may persist.
func Explain(ctx context.Context, conn DB, st *analyzer.Statement) (*Plan, error) {
	return explain(ctx, conn, st, false)
}

// ExplainAnalyze runs st under EXPLAIN (ANALYZE, BUFFERS) for its actual
// rows and times, in a transaction that is rolled back, so DML changes
// nothing. A statement with parameters gets a plain generic plan: run
// with NULLs, it would return nothing and time nothing real.
func ExplainAnalyze(ctx context.Context, conn DB, st *analyzer.Statement) (*Plan, error) {
	return explain(ctx, conn, st, st.Params == 0)
}

func explain(ctx context.Context, conn DB, st *analyzer.Statement, analyze bool) (plan *Plan, err error) {
	if st.Params > 0 {
		return withPrepared(ctx, conn, st, func(p *Prepared) (*Plan, error) { return p.Generic(ctx) })
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && err == nil {
			plan, err = nil, rbErr
		}
	}()
	options := "FORMAT JSON"
	if analyze {
		options = "ANALYZE, BUFFERS, FORMAT JSON"
	}
	var text string
	if err := tx.QueryRow(ctx, "EXPLAIN ("+options+") "+st.SQL, pgx.QueryExecModeSimpleProtocol).Scan(&text); err != nil {
		return nil, ServerError(err)
	}
	if plan, err = ParsePlan([]byte(text)); err != nil {
		return nil, err
	}
	plan.Analyzed = analyze
	return plan, nil
}

// Table is what the planner knows of a table after ANALYZE, and its
// indexes.
type Table struct {
	Name    string
	Rows    float64
	Pages   int64
	Indexes []Index
}

// Index is one index of a table.
type Index struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"` // key columns in order; "" for an expression
	Unique  bool     `json:"unique"`
	Partial bool     `json:"partial"`
	Def     string   `json:"def"` // pg_get_indexdef
}

// Tables reads every user table's size estimate and indexes, keyed by
// name as EXPLAIN prints it in "Relation Name".
func Tables(ctx context.Context, conn DB) (map[string]Table, error) {
	rows, err := conn.Query(ctx, `
		SELECT c.relname, greatest(c.reltuples, 0)::float8, c.relpages::int8,
		       coalesce(json_agg(json_build_object(
		           'name', ic.relname, 'unique', i.indisunique, 'partial', i.indpred IS NOT NULL,
		           'def', pg_get_indexdef(i.indexrelid),
		           'columns', (SELECT array_agg(coalesce(a.attname::text, '') ORDER BY k.n)
		                       FROM unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY k(attnum, n)
		                       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum))
		           ORDER BY ic.relname) FILTER (WHERE i.indexrelid IS NOT NULL), '[]')::text
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_index i ON i.indrelid = c.oid
		LEFT JOIN pg_class ic ON ic.oid = i.indexrelid
		WHERE c.relkind IN ('r', 'p', 'm')
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
		GROUP BY c.oid, c.relname, c.reltuples, c.relpages`)
	if err != nil {
		return nil, fmt.Errorf("read table sizes: %w", err)
	}
	tables := map[string]Table{}
	for rows.Next() {
		var t Table
		var indexes string
		if err := rows.Scan(&t.Name, &t.Rows, &t.Pages, &indexes); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(indexes), &t.Indexes); err != nil {
			return nil, fmt.Errorf("read indexes of %s: %w", t.Name, err)
		}
		if t.Rows >= tables[t.Name].Rows { // same name in two schemas: judge by the larger
			tables[t.Name] = t
		}
	}
	return tables, rows.Err()
}

// ServerError turns a PostgreSQL error into the server's own words, with
// its detail and hint, dropping pgx's wrapping.
func ServerError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	msg := pgErr.Message
	if pgErr.Detail != "" {
		msg += " (" + pgErr.Detail + ")"
	}
	if pgErr.Hint != "" {
		msg += "; hint: " + pgErr.Hint
	}
	return &SQLError{Code: pgErr.Code, Message: msg, Position: int(pgErr.Position)}
}

// SQLError is an error the server reported for a statement.
type SQLError struct {
	Code     string // SQLSTATE
	Message  string
	Position int // 1-based character offset into the statement, 0 when unknown
}

func (e *SQLError) Error() string { return e.Message }

// Limit runs fn with a deadline of timeout. A statement stopped by the
// deadline becomes an SQLError that says so, like any statement the
// server rejects; a cancelled ctx (Ctrl-C) stays ctx's error.
func Limit(ctx context.Context, timeout time.Duration, fn func(context.Context) error) error {
	limited, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := fn(limited)
	// The server's statement_timeout and this deadline are the same
	// length: whichever fires first, the finding must read the same.
	var sqlErr *SQLError
	serverTimeout := errors.As(ServerError(err), &sqlErr) && sqlErr.Code == "57014" && strings.Contains(sqlErr.Message, "statement timeout")
	if err != nil && ctx.Err() == nil && (limited.Err() == context.DeadlineExceeded || serverTimeout) {
		return &SQLError{Code: "57014", Message: fmt.Sprintf("stopped after %s: the statement ran longer than statement_timeout", timeout)}
	}
	return err
}
