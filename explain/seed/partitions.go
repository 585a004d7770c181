package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// readPartitions reads the bounds of the partitions of tables
// partitioned on one column, so that every generated row has a
// partition to go to: list partitions give the column its values, range
// partitions its spans. A default partition takes anything: no bounds.
func readPartitions(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("p.partrelid")+`, a.attname::text,
		       array(SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		             WHERE i.inhparent = p.partrelid ORDER BY 1)
		FROM pg_partitioned_table p
		JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
		WHERE p.partnatts = 1`)
	if err != nil {
		return fmt.Errorf("read partitions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, column string
		var bounds []string
		if err := rows.Scan(&table, &column, &bounds); err != nil {
			return fmt.Errorf("read partitions: %w", err)
		}
		col := tables[table].column(column)
		if col == nil {
			continue
		}
		values, spans, any := partitionBounds(bounds)
		if any {
			continue
		}
		if len(values) > 0 && len(col.Bounds.Values) == 0 {
			col.Bounds.Values = values
		}
		col.Spans = spans
	}
	return rows.Err()
}

// partitionBounds reads "FOR VALUES IN (…)", "FOR VALUES FROM (…) TO (…)"
// and "DEFAULT" with PostgreSQL's parser. any: some partition takes
// every value (a default or hash partitioning).
func partitionBounds(bounds []string) (values []string, spans []Span, any bool) {
	for _, b := range bounds {
		tree, err := pg_query.Parse("CREATE TABLE x PARTITION OF y " + b)
		if err != nil || len(tree.Stmts) != 1 {
			return nil, nil, true
		}
		spec := tree.Stmts[0].Stmt.GetCreateStmt().GetPartbound()
		switch {
		case spec == nil || spec.IsDefault || spec.Strategy == "h":
			return nil, nil, true
		case spec.Strategy == "l":
			for _, d := range spec.Listdatums {
				if v, ok := constant(d); ok {
					values = append(values, v)
				}
			}
		case spec.Strategy == "r" && len(spec.Lowerdatums) == 1 && len(spec.Upperdatums) == 1:
			lo, _ := constant(spec.Lowerdatums[0]) // MINVALUE, MAXVALUE: not constants, so ""
			hi, _ := constant(spec.Upperdatums[0])
			spans = append(spans, Span{Lo: lo, Hi: hi})
		default:
			return nil, nil, true
		}
	}
	return values, spans, false
}
