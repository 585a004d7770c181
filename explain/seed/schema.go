package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Column is what the catalog says about a column.
type Column struct {
	Name     string
	Type     string // format_type: "character varying(64)", "numeric(12,2)", "payment_status"
	BaseType string // pg_type.typname of the element: "varchar", "numeric", "payment_status"
	MaxLen   int    // for varchar(n)/char(n), 0 when unbounded
	NotNull  bool
	Unique   bool     // a single-column primary key or unique constraint/index
	Enum     []string // labels, when the type is an enum
	Ref      *Ref     // single-column foreign key
	Bounds   Bounds   // from CHECK constraints and DEFAULT
}

// Ref is the parent side of a foreign key.
type Ref struct{ Table, Column string }

// Table is a user table and its writable columns (generated columns are
// left out: PostgreSQL computes them).
type Table struct {
	Name    string // as EXPLAIN prints it; qualified when not in public
	Ident   pgx.Identifier
	Columns []*Column
}

// ReadSchema reads the user tables after migrations.
func ReadSchema(ctx context.Context, conn *pgx.Conn) (map[string]*Table, error) {
	rows, err := conn.Query(ctx, `
		SELECT n.nspname, c.relname,
		       a.attname, format_type(a.atttypid, a.atttypmod), t.typname,
		       CASE WHEN a.atttypmod > 4 AND t.typname IN ('varchar', 'bpchar') THEN a.atttypmod - 4 ELSE 0 END,
		       a.attnotnull,
		       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
		               AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum AND i.indpred IS NULL),
		       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '{}')
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		JOIN pg_type t ON t.oid = a.atttypid
		WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
		ORDER BY 1, a.attnum`)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	tables := map[string]*Table{}
	for rows.Next() {
		var schema, name string
		col := &Column{}
		if err := rows.Scan(&schema, &name, &col.Name, &col.Type, &col.BaseType, &col.MaxLen, &col.NotNull, &col.Unique, &col.Enum); err != nil {
			return nil, fmt.Errorf("read schema: %w", err)
		}
		table := qualifiedName(schema, name)
		if tables[table] == nil {
			tables[table] = &Table{Name: table, Ident: pgx.Identifier{schema, name}}
		}
		tables[table].Columns = append(tables[table].Columns, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	if err := readForeignKeys(ctx, conn, tables); err != nil {
		return nil, err
	}
	return tables, readBounds(ctx, conn, tables)
}

func readForeignKeys(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("c.conrelid")+`, a.attname, `+qualified("c.confrelid")+`, pa.attname
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND cardinality(c.conkey) = 1`)
	if err != nil {
		return fmt.Errorf("read foreign keys: %w", err)
	}
	for rows.Next() {
		var child, column, parent, parentColumn string
		if err := rows.Scan(&child, &column, &parent, &parentColumn); err != nil {
			return fmt.Errorf("read foreign keys: %w", err)
		}
		if col := tables[child].column(column); col != nil {
			col.Ref = &Ref{Table: parent, Column: parentColumn}
		}
	}
	return rows.Err()
}

func (t *Table) column(name string) *Column {
	if t == nil {
		return nil
	}
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func qualifiedName(schema, name string) string {
	if schema == "public" {
		return name
	}
	return schema + "." + name
}

// qualified is SQL giving qualifiedName for a pg_class oid expression.
func qualified(oid string) string {
	return "(SELECT CASE WHEN n.nspname = 'public' THEN r.relname::text ELSE n.nspname || '.' || r.relname END " +
		"FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = " + oid + ")"
}
