package explain

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qreview/qreview/analyzer"
)

// BenchmarkApplyLocks compares, on one migration of 50 statements, today's
// ApplyChange (a savepoint and one pg_locks read per statement) with
// ApplyMigrations (locks held before and after each statement: one read
// after each, the previous one standing for the next before), and
// times the pg_locks read each statement now makes, alone.
//
//	go test ./explain/ -run '^$' -bench ApplyLocks -benchtime 20x
func BenchmarkApplyLocks(b *testing.B) {
	ctx := context.Background()
	conn, err := Connect(ctx, server.DSN)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `
		DROP TABLE IF EXISTS bm_rows;
		CREATE TABLE bm_rows (id int PRIMARY KEY, v int);
		INSERT INTO bm_rows SELECT i, i FROM generate_series(1, 1000) i;
		ANALYZE bm_rows`); err != nil {
		b.Fatal(err)
	}
	defer conn.Exec(ctx, "DROP TABLE bm_rows")
	var sql strings.Builder
	for i := range 25 {
		fmt.Fprintf(&sql, "ALTER TABLE bm_rows ADD COLUMN c%d int;\nUPDATE bm_rows SET c%d = v WHERE id < 10;\n", i, i)
	}
	stmts, err := analyzer.ParseSQL("1_bench.sql", sql.String(), analyzer.KindMigration)
	if err != nil {
		b.Fatal(err)
	}
	// The three ways run in turn in each iteration, so that the load of
	// a shared machine falls on all of them alike.
	goose := &analyzer.Migration{File: "1_bench.sql", Format: analyzer.FormatGoose, Statements: stmts}
	plain := &analyzer.Migration{File: "1_bench.sql", Format: analyzer.FormatPlain, Statements: stmts}
	ways := []struct {
		name  string
		apply func(tx pgx.Tx) error
	}{
		{"today-ms", func(tx pgx.Tx) error {
			for _, st := range stmts {
				if _, err := ApplyChange(ctx, tx, st); err != nil {
					return err
				}
			}
			return nil
		}},
		{"goose-ms", func(tx pgx.Tx) error {
			_, errs, err := ApplyMigrations(ctx, tx, []*analyzer.Migration{goose}, ApplyOptions{})
			if len(errs) > 0 {
				return fmt.Errorf("%v", errs)
			}
			return err
		}},
		{"plain-ms", func(tx pgx.Tx) error {
			_, errs, err := ApplyMigrations(ctx, tx, []*analyzer.Migration{plain}, ApplyOptions{})
			if len(errs) > 0 {
				return fmt.Errorf("%v", errs)
			}
			return err
		}},
		{"reads-ms", func(tx pgx.Tx) error { // one pg_locks read per statement, alone
			if err := ways0(ctx, tx, goose); err != nil {
				return err
			}
			start := time.Now()
			for range stmts {
				if _, err := heldNow(ctx, tx); err != nil {
					return err
				}
			}
			readsTook += time.Since(start)
			return nil
		}},
	}
	took := make([]time.Duration, len(ways))
	readsTook = 0
	for b.Loop() {
		for i, w := range ways {
			tx, err := conn.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := w.apply(tx); err != nil {
				b.Fatal(err)
			}
			took[i] += time.Since(start)
			tx.Rollback(ctx)
		}
	}
	for i, w := range ways {
		if w.name == "reads-ms" {
			b.ReportMetric(float64(readsTook.Microseconds())/1000/float64(b.N), w.name)
			continue
		}
		b.ReportMetric(float64(took[i].Microseconds())/1000/float64(b.N), w.name)
	}
}

var readsTook time.Duration

// ways0 applies m without measuring it: the locks a migration leaves.
func ways0(ctx context.Context, tx pgx.Tx, m *analyzer.Migration) error {
	_, _, err := ApplyMigrations(ctx, tx, []*analyzer.Migration{m}, ApplyOptions{})
	return err
}
