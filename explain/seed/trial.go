package seed

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// trialRows is how many rows of each table the trial load sends.
const trialRows = 500

// trialLoad sends a sample of every table's rows (the first and some
// spread over the whole range) through COPY in one transaction that is
// rolled back, with foreign keys and triggers out of the way as in the
// load, and unique keys in place. What the schema refuses (a CHECK or a
// domain the generator does not read, a value no partition takes, a type
// pgx cannot write, a key that collides with the migrations' rows) is
// reported before anything is loaded, naming table.column and the
// profile key that fixes it.
func trialLoad(ctx context.Context, conn *pgx.Conn, jobs []*job) (*job, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("seed: trial load: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var loaded []string
	for _, j := range jobs {
		loaded = append(loaded, j.table.Ident.Sanitize())
	}
	rows, err := tx.Query(ctx, `
		SELECT 'ALTER TABLE ' || conrelid::regclass::text || ' DROP CONSTRAINT ' || quote_ident(conname)
		FROM pg_constraint
		WHERE contype = 'f' AND conparentid = 0 AND (conrelid = ANY($1::regclass[]) OR confrelid = ANY($1::regclass[]))
		UNION ALL
		SELECT 'ALTER TABLE ' || l.rel::regclass::text || ' DISABLE TRIGGER USER' FROM unnest($1::regclass[]) l(rel)`, loaded)
	if err != nil {
		return nil, fmt.Errorf("seed: trial load: %w", err)
	}
	stmts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("seed: trial load: %w", err)
	}
	for _, stmt := range stmts {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return nil, fmt.Errorf("seed: trial load: %s: %w", stmt, err)
		}
	}
	for _, j := range jobs {
		sample := &rowSource{gens: j.gens, rows: min(j.rows, trialRows), row: make([]any, len(j.gens)), i: -1,
			table: j.table.Name, at: spread(j.rows, trialRows)}
		if _, err := tx.CopyFrom(ctx, j.table.Ident, j.columns, sample); err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			return j, explainRefusal(ctx, conn, j, err)
		}
	}
	return nil, nil
}

// spread maps the sample's k-th row to a row number: the first half of
// the sample is the first rows, the second half spread over the rest.
func spread(rows, sample int64) func(int64) int64 {
	half := sample / 2
	if rows <= sample {
		return func(k int64) int64 { return k }
	}
	return func(k int64) int64 {
		if k < half {
			return k
		}
		return half + (k-half)*((rows-half)/(sample-half))
	}
}

var (
	copyColumn      = regexp.MustCompile(`^COPY [^,]+, line \d+, column ([^:,]+)`)
	partitionColumn = regexp.MustCompile(`^Partition key of the failing row contains \(([^)]+)\)`)
)

// explainRefusal turns the trial's error into one that names the column
// and the profile key that fixes it.
func explainRefusal(ctx context.Context, conn *pgx.Conn, j *job, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return fmt.Errorf("seed %s: the generated rows cannot be written (%w): give its columns \"values\" (scale.%s.columns.<column>.values)",
			j.table.Name, err, j.table.Name)
	}
	var columns []string
	switch {
	case pgErr.ColumnName != "":
		columns = []string{pgErr.ColumnName}
	case partitionColumn.MatchString(pgErr.Detail):
		columns = []string{partitionColumn.FindStringSubmatch(pgErr.Detail)[1]}
	case pgErr.ConstraintName != "" && pgErr.DataTypeName == "":
		columns = constraintColumns(ctx, conn, j.table, pgErr.ConstraintName)
	}
	if len(columns) == 0 && copyColumn.MatchString(pgErr.Where) {
		columns = []string{copyColumn.FindStringSubmatch(pgErr.Where)[1]}
	}
	what := pgErr.Message
	if pgErr.Detail != "" {
		what += " (" + pgErr.Detail + ")"
	}
	if len(columns) == 0 {
		return fmt.Errorf("seed %s: the generated rows break the schema: %s: give the columns involved \"values\" (scale.%s.columns.<column>.values)",
			j.table.Name, what, j.table.Name)
	}
	var names, keys, columnKeys string
	for i, c := range columns {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		names += sep + j.table.Name + "." + c
		keys += sep + "scale." + j.table.Name + ".columns." + c + ".values"
		columnKeys += sep + "scale." + j.table.Name + ".columns." + c
	}
	if pgErr.Code == "23514" && len(columns) > 1 && pgErr.ConstraintName != "" {
		// Values given to each column alone cannot meet a CHECK that ties
		// them unless they meet it in every combination.
		return fmt.Errorf("seed: %s: the generated values break the schema: %s: CHECK %s ties these columns, and qreview cannot read how: "+
			"give them values or ranges that meet it whatever the other columns hold (%s)", names, what, pgErr.ConstraintName, columnKeys)
	}
	return fmt.Errorf("seed: %s: the generated values break the schema: %s: give %s", names, what, keys)
}

// constraintColumns are the columns of a table's constraint or index.
func constraintColumns(ctx context.Context, conn *pgx.Conn, t *Table, name string) []string {
	rows, err := conn.Query(ctx, `
		SELECT attname FROM (
			SELECT a.attname::text, a.attnum FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
			WHERE c.conrelid = $1::regclass AND c.conname = $2
			UNION
			SELECT a.attname::text, a.attnum FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
			WHERE i.indrelid = $1::regclass AND ic.relname = $2) c
		ORDER BY attnum`, t.Ident.Sanitize(), name)
	if err != nil {
		return nil
	}
	columns, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	return columns
}
