package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// disableTriggers disables the user triggers of the loaded tables and
// their partitions, and returns the statements that put each back in
// the state it was in (enabled, replica, always).
//
// The load runs as the role that ran the migrations, which owns the
// tables but need not be a superuser: SET session_replication_role =
// replica would need superuser, ALTER TABLE … DISABLE TRIGGER needs only
// ownership. A per-row trigger would otherwise run for every generated
// row (seen: 1.2 rows/s). Rules need nothing: COPY does not apply them.
func disableTriggers(ctx context.Context, conn *pgx.Conn, jobs []*job) ([]string, error) {
	var loaded []string
	for _, j := range jobs {
		loaded = append(loaded, j.table.Ident.Sanitize())
	}
	rows, err := conn.Query(ctx, `
		SELECT tr.tgrelid::regclass::text, quote_ident(tr.tgname), tr.tgenabled::text
		FROM pg_trigger tr
		WHERE NOT tr.tgisinternal AND tr.tgenabled <> 'D'
		  AND (tr.tgrelid = ANY($1::regclass[])
		       OR tr.tgrelid IN (SELECT pt.relid FROM unnest($1::regclass[]) l(rel), pg_partition_tree(l.rel) pt))
		ORDER BY tr.tgrelid = ANY($1::regclass[]) DESC, 1, 2`, loaded)
	if err != nil {
		return nil, fmt.Errorf("seed: read triggers: %w", err)
	}
	var disable, enable []string
	for rows.Next() {
		var table, name, state string
		if err := rows.Scan(&table, &name, &state); err != nil {
			return nil, fmt.Errorf("seed: read triggers: %w", err)
		}
		disable = append(disable, "ALTER TABLE "+table+" DISABLE TRIGGER "+name)
		how := map[string]string{"O": "ENABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}[state]
		enable = append(enable, "ALTER TABLE "+table+" "+how+" TRIGGER "+name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("seed: read triggers: %w", err)
	}
	return enable, run(ctx, conn, disable)
}
