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
//
// Kept in place, and loaded into: a key or index something depends on
// (a view that GROUP BYs a primary key depends on it, and could only be
// dropped with it), and the keys and indexes of partitioned tables
// (recreating them would rename their partitions' indexes). What is
// dropped comes back exactly: the definition, its comment, CLUSTER ON
// and REPLICA IDENTITY USING INDEX.
func dropForLoad(ctx context.Context, conn *pgx.Conn, jobs []*job) ([]string, error) {
	var loaded []string
	for _, j := range jobs {
		loaded = append(loaded, j.table.Ident.Sanitize())
	}
	const unused = `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_rewrite'::regclass AND (
		(d.refclassid = 'pg_constraint'::regclass AND d.refobjid = c.oid) OR
		(d.refclassid = 'pg_class'::regclass AND d.refobjid = c.conindid)))`
	// follow-up statements of a dropped index ix on table t
	const after = `array_remove(ARRAY[
		CASE WHEN ix.indisclustered THEN 'ALTER TABLE ' || ix.indrelid::regclass::text || ' CLUSTER ON ' || quote_ident(ic.relname) END,
		CASE WHEN ix.indisreplident THEN 'ALTER TABLE ' || ix.indrelid::regclass::text || ' REPLICA IDENTITY USING INDEX ' || quote_ident(ic.relname) END], NULL)`
	// Foreign keys first (also those of empty tables that point at a
	// loaded table: they depend on its key), then keys, then indexes.
	queries := []string{`
		SELECT c.conrelid::regclass::text, 'CONSTRAINT ' || quote_ident(c.conname), pg_get_constraintdef(c.oid),
		       coalesce('COMMENT ON CONSTRAINT ' || quote_ident(c.conname) || ' ON ' || c.conrelid::regclass::text || ' IS '
		                || quote_literal(obj_description(c.oid, 'pg_constraint')), ''), '{}'::text[]
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.conparentid = 0 AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[]))
		ORDER BY 1, 2`, `
		SELECT c.conrelid::regclass::text, 'CONSTRAINT ' || quote_ident(c.conname), pg_get_constraintdef(c.oid),
		       coalesce('COMMENT ON CONSTRAINT ' || quote_ident(c.conname) || ' ON ' || c.conrelid::regclass::text || ' IS '
		                || quote_literal(obj_description(c.oid, 'pg_constraint')), ''), ` + after + `
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid AND t.relkind = 'r'
		JOIN pg_index ix ON ix.indexrelid = c.conindid
		JOIN pg_class ic ON ic.oid = ix.indexrelid
		WHERE c.contype IN ('p', 'u', 'x') AND c.conrelid = ANY($1::regclass[]) AND ` + unused + `
		ORDER BY 1, 2`, `
		SELECT '', ix.indexrelid::regclass::text, pg_get_indexdef(ix.indexrelid),
		       coalesce('COMMENT ON INDEX ' || ix.indexrelid::regclass::text || ' IS ' || quote_literal(obj_description(ix.indexrelid, 'pg_class')), ''),
		       ` + after + `
		FROM pg_index ix
		JOIN pg_class ic ON ic.oid = ix.indexrelid
		JOIN pg_class t ON t.oid = ix.indrelid AND t.relkind = 'r'
		WHERE ix.indrelid = ANY($1::regclass[])
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u', 'x'))
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_rewrite'::regclass
		                  AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ix.indexrelid)
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
			var table, object, def, comment string
			var extra []string
			if err := rows.Scan(&table, &object, &def, &comment, &extra); err != nil {
				return nil, fmt.Errorf("seed: read keys and indexes: %w", err)
			}
			if table == "" { // an index
				drop = append(drop, "DROP INDEX "+object)
				restore = append(restore, def)
			} else {
				drop = append(drop, "ALTER TABLE "+table+" DROP "+object)
				restore = append(restore, "ALTER TABLE "+table+" ADD "+object+" "+def)
			}
			if comment != "" {
				restore = append(restore, comment)
			}
			restore = append(restore, extra...)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("seed: read keys and indexes: %w", err)
		}
		drops, restores = append(drops, drop), append(restores, restore)
	}
	for _, group := range drops {
		if err := run(ctx, conn, group); err != nil {
			return nil, fmt.Errorf("%w (dropped for the load)", err)
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
