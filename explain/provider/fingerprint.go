package provider

import (
	"context"
	"fmt"
)

// fingerprintSQL hashes what a seeded database's plans depend on: its
// schema objects (relations with their kinds and columns, indexes,
// constraints, types, functions, triggers, views, extensions), each
// relation's size as the planner sees it (pg_class's relpages and
// reltuples, and the file's current size, which the planner scales them
// by), sequences' last values and the column statistics ANALYZE left.
// Rows written and rolled back grow files and advance sequences, and so
// show here; privileges, roles and comments do not.
//
// Every name is schema-qualified: the session's search_path is
// pg_catalog, and objects the reviewed SQL made must not be called.
const fingerprintSQL = `
WITH ns AS (
  SELECT oid, nspname FROM pg_catalog.pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
), rel AS (
  SELECT c.oid, pg_catalog.format('%I.%I', ns.nspname, c.relname) AS name, c.relkind, c.relpersistence,
         c.reltuples, c.relpages
  FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
), line AS (
  SELECT 'schema ' || nspname FROM ns
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'relation', name, relkind, relpersistence, reltuples, relpages,
         pg_catalog.pg_relation_size(oid)) FROM rel
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'column', rel.name, a.attnum, a.attname,
         pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, a.attgenerated,
         pg_catalog.pg_get_expr(d.adbin, d.adrelid))
  FROM rel JOIN pg_catalog.pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'index', pg_catalog.pg_get_indexdef(i.indexrelid), i.indisvalid)
  FROM pg_catalog.pg_index i JOIN rel ON rel.oid = i.indrelid
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'constraint', ns.nspname, co.conname, co.conrelid::pg_catalog.int8 <> 0,
         pg_catalog.pg_get_constraintdef(co.oid), co.convalidated)
  FROM pg_catalog.pg_constraint co JOIN ns ON ns.oid = co.connamespace
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'type', ns.nspname, t.typname, t.typtype)
  FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'label', t.typname, e.enumsortorder, e.enumlabel)
  FROM pg_catalog.pg_enum e JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid JOIN ns ON ns.oid = t.typnamespace
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'function', ns.nspname, p.proname,
         pg_catalog.pg_get_function_identity_arguments(p.oid), p.provolatile,
         pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(p.prosrc, 'UTF8')), 'hex'))
  FROM pg_catalog.pg_proc p JOIN ns ON ns.oid = p.pronamespace
  UNION ALL
  SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(tg.oid)
  FROM pg_catalog.pg_trigger tg JOIN rel ON rel.oid = tg.tgrelid WHERE NOT tg.tgisinternal
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'view', name, pg_catalog.pg_get_viewdef(oid)) FROM rel WHERE relkind IN ('v', 'm')
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'extension', x.extname, x.extversion) FROM pg_catalog.pg_extension x
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'sequence', s.schemaname, s.sequencename, s.last_value) FROM pg_catalog.pg_sequences s
  WHERE s.schemaname IN (SELECT nspname FROM ns)
  UNION ALL
  SELECT pg_catalog.concat_ws(' ', 'stats', s.schemaname, s.tablename, s.attname, s.inherited, s.null_frac,
         s.avg_width, s.n_distinct, s.most_common_vals::pg_catalog.text, s.most_common_freqs::pg_catalog.text,
         s.histogram_bounds::pg_catalog.text, s.correlation)
  FROM pg_catalog.pg_stats s WHERE s.schemaname IN (SELECT nspname FROM ns)
)
SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
  pg_catalog.string_agg(l, E'\n' ORDER BY l COLLATE "C"), 'UTF8')), 'hex')
FROM line AS t(l)`

// Fingerprint is a hash of the state of the database dsn names that its
// plans depend on (see fingerprintSQL): two databases with the same
// fingerprint plan alike. dsn must be a role that can read what the
// review's role owns (the provider's role).
func Fingerprint(ctx context.Context, dsn string) (string, error) {
	conn, err := adminConnect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var fp string
	if err := conn.QueryRow(ctx, fingerprintSQL).Scan(&fp); err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	return fp, nil
}
