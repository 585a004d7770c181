package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// dropForLoad drops the foreign keys, keys and indexes of the tables to
// be loaded and returns the statements that rebuild them, in order.
//
// COPY into an indexed table inserts into every index row by row, and a
// foreign key runs a lookup per row: several times slower than loading
// bare tables and building each index once by sorting, as pg_restore
// does. Rebuilding also proves the generated rows obey every key. And
// with no checks running during the load, every table can load at once.
func dropForLoad(ctx context.Context, conn *pgx.Conn, jobs []*job) ([]string, error) {
	var loaded []string
	for _, j := range jobs {
		loaded = append(loaded, j.table.Ident.Sanitize())
	}
	// Foreign keys first (also those of empty tables that point at a
	// loaded table: they depend on its key), then keys, then indexes.
	queries := []string{`
		SELECT conrelid::regclass::text, 'CONSTRAINT ' || quote_ident(conname), pg_get_constraintdef(oid)
		FROM pg_constraint
		WHERE contype = 'f' AND (conrelid = ANY($1::regclass[]) OR confrelid = ANY($1::regclass[]))
		ORDER BY 1, 2`, `
		SELECT conrelid::regclass::text, 'CONSTRAINT ' || quote_ident(conname), pg_get_constraintdef(oid)
		FROM pg_constraint
		WHERE contype IN ('p', 'u', 'x') AND conrelid = ANY($1::regclass[])
		ORDER BY 1, 2`, `
		SELECT '', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid = ANY($1::regclass[])
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
		ORDER BY 2`,
	}
	var drops, restores [][]string
	for _, q := range queries {
		rows, err := conn.Query(ctx, q, loaded)
		if err != nil {
			return nil, fmt.Errorf("seed: read keys and indexes: %w", err)
		}
		var drop, restore []string
		for rows.Next() {
			var table, object, def string
			if err := rows.Scan(&table, &object, &def); err != nil {
				return nil, err
			}
			if table == "" { // an index
				drop = append(drop, "DROP INDEX "+object)
				restore = append(restore, def)
				continue
			}
			drop = append(drop, "ALTER TABLE "+table+" DROP "+object)
			restore = append(restore, "ALTER TABLE "+table+" ADD "+object+" "+def)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		drops, restores = append(drops, drop), append(restores, restore)
	}
	for _, group := range drops {
		for _, stmt := range group {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				return nil, fmt.Errorf("seed: %s (for the load): %w", stmt, err)
			}
		}
	}
	// Rebuild keys, then indexes, then the foreign keys that need the keys.
	var rebuild []string
	for i := len(restores) - 1; i >= 0; i-- {
		rebuild = append(rebuild, restores[i]...)
	}
	return rebuild, nil
}

// rebuild runs the statements dropForLoad returned.
func rebuild(ctx context.Context, conn *pgx.Conn, stmts []string) error {
	if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '256MB'"); err != nil {
		return err
	}
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("seed: the generated rows do not fit the schema: %s: %w", stmt, err)
		}
	}
	return nil
}
