package seed

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Export builds a profile from a database's planner statistics: row
// estimates from pg_class, and per column null_frac, n_distinct, the
// most-common values with their frequencies, histogram bounds and average
// width from pg_stats. It reads statistics only, never a table's rows.
//
// With redact, values that could be data (most-common values of every
// type but booleans, and text histograms) are replaced by generated values
// of the same type that keep their order and frequency. Values the schema
// fixes (enum labels, CHECK (col IN …) lists) are schema, not data: kept.
func Export(ctx context.Context, conn *pgx.Conn, redact bool) (Profile, error) {
	schema, err := ReadSchema(ctx, conn)
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, `
		SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END,
		       c.reltuples::float8
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`)
	if err != nil {
		return nil, fmt.Errorf("read pg_class: %w", err)
	}
	profile := Profile{}
	for rows.Next() {
		var name string
		var tuples float64
		if err := rows.Scan(&name, &tuples); err != nil {
			return nil, err
		}
		if tuples > 0 { // -1: never analyzed, 0: empty; neither says a size
			profile[name] = &TableProfile{Rows: int64(math.Round(tuples))}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pg_class: %w", err)
	}
	rows, err = conn.Query(ctx, `
		SELECT CASE WHEN s.schemaname = 'public' THEN s.tablename::text ELSE s.schemaname || '.' || s.tablename END,
		       s.attname::text, t.typname::text,
		       s.null_frac::float8, s.n_distinct::float8, s.avg_width,
		       s.most_common_vals::text::text[], s.most_common_freqs::float8[], s.histogram_bounds::text::text[]
		FROM pg_stats s
		JOIN pg_namespace n ON n.nspname = s.schemaname
		JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE NOT s.inherited OR c.relkind = 'p'`)
	if err != nil {
		return nil, fmt.Errorf("read pg_stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, column, typ string
		var nullFrac, nDistinct float64
		var width int
		var mcv, histogram []string
		var freqs []float64
		if err := rows.Scan(&table, &column, &typ, &nullFrac, &nDistinct, &width, &mcv, &freqs, &histogram); err != nil {
			return nil, fmt.Errorf("read pg_stats: %w", err)
		}
		tp := profile[table]
		if tp == nil {
			continue
		}
		cp := columnProfile(tp.Rows, typ, nullFrac, nDistinct, width, mcv, freqs, histogram)
		col := schema[table].column(column)
		fixed := col != nil && (len(col.Enum) > 0 || len(col.Bounds.Values) > 0)
		if redact && !fixed && typ != "bool" {
			redactValues(cp, typ, column)
		}
		if cp != nil {
			if tp.Columns == nil {
				tp.Columns = map[string]*ColumnProfile{}
			}
			tp.Columns[column] = cp
		}
	}
	return profile, rows.Err()
}

// columnProfile turns one pg_stats row into profile keys; nil when the
// statistics say nothing the schema would not (a unique column).
func columnProfile(rows int64, typ string, nullFrac, nDistinct float64, width int, mcv []string, freqs []float64, histogram []string) *ColumnProfile {
	cp := &ColumnProfile{NullFraction: round(nullFrac, 4), Histogram: histogram}
	switch {
	case nDistinct == -1: // every row distinct: a key, which the schema says
	case nDistinct < 0: // a fraction of the rows
		cp.Distinct = int64(math.Round(-nDistinct * float64(rows)))
	default:
		cp.Distinct = int64(nDistinct)
	}
	for i := range mcv {
		if i < len(freqs) {
			cp.MCV = append(cp.MCV, MCV{Value: mcv[i], Freq: round(freqs[i], 5)})
		}
	}
	switch typ {
	case "text", "varchar", "bpchar", "citext":
		cp.Length = width
	}
	if cp.NullFraction == 0 && cp.Distinct == 0 && len(cp.MCV) == 0 && len(cp.Histogram) == 0 {
		return nil
	}
	return cp
}

// redactValues replaces values that could be data with generated ones of
// the same type, keeping their order (histograms stay sorted) and the
// frequencies. Numbers and times in histograms are kept: they are shape,
// not identities.
func redactValues(cp *ColumnProfile, typ, column string) {
	if cp == nil {
		return
	}
	stand := func(i int) string {
		switch typ {
		case "int2", "int4", "int8", "numeric", "float4", "float8":
			return strconv.Itoa(i + 1)
		case "timestamptz", "timestamp", "date":
			return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.DateTime)
		case "uuid":
			return fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		}
		return fmt.Sprintf("%s-%04d", column, i)
	}
	for i := range cp.MCV {
		cp.MCV[i].Value = stand(i)
	}
	switch typ {
	case "int2", "int4", "int8", "numeric", "float4", "float8", "timestamptz", "timestamp", "date":
	default:
		for i := range cp.Histogram {
			cp.Histogram[i] = stand(len(cp.MCV) + i)
		}
		sort.Strings(cp.Histogram)
	}
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// Exported is what qreview profile export writes: the scale profile from
// the planner's statistics and, when the database has pg_stat_statements,
// production's speed and call rates (config keys scale: and calibration:).
type Exported struct {
	Scale       Profile      `yaml:"scale"`
	Calibration *Calibration `yaml:"calibration,omitempty"`
}

// ExportWithCalibration is Export plus ExportCalibration. Note says why
// the calibration is missing (no pg_stat_statements, too few statements),
// or what limited it; "" when there is nothing to say.
func ExportWithCalibration(ctx context.Context, conn *pgx.Conn, redact bool) (Exported, string, error) {
	profile, err := Export(ctx, conn, redact)
	if err != nil {
		return Exported{}, "", err
	}
	cal, note, err := ExportCalibration(ctx, conn)
	if err != nil {
		return Exported{}, "", err
	}
	return Exported{Scale: profile, Calibration: cal}, note, nil
}
