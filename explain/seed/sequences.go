package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// readSequences fills SeqMax: the maxvalue of the sequence a column's
// DEFAULT nextval() names, or its identity sequence. A column widened
// from SMALLSERIAL may still own its old sequence; only the one new rows
// draw from counts.
func readSequences(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("ad.adrelid")+`, a.attname::text, s.seqmax
		FROM pg_attrdef ad
		JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
		JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
		JOIN pg_sequence s ON s.seqrelid = d.refobjid
		WHERE s.seqincrement > 0
		UNION ALL
		SELECT `+qualified("d.refobjid")+`, a.attname::text, s.seqmax
		FROM pg_depend d
		JOIN pg_sequence s ON s.seqrelid = d.objid
		JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
		WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i'
		  AND a.attidentity <> '' AND s.seqincrement > 0`)
	if err != nil {
		return fmt.Errorf("read sequences: %w", err)
	}
	for rows.Next() {
		var table, column string
		var maxValue int64
		if err := rows.Scan(&table, &column, &maxValue); err != nil {
			return fmt.Errorf("read sequences: %w", err)
		}
		if col := tables[table].column(column); col != nil && maxValue > 0 && (col.SeqMax == 0 || maxValue < col.SeqMax) {
			col.SeqMax = maxValue
		}
	}
	return rows.Err()
}
