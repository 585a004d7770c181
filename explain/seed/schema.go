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
	TypeOID  uint32 // the column's own type (a domain's, an array's)
	BaseType string // pg_type.typname under any domain: "varchar", "numeric", "payment_status", "_int4"
	MaxLen   int    // for varchar(n)/char(n), 0 when unbounded
	NotNull  bool   // the column's or its domain's NOT NULL
	Unique   bool   // a single-column primary key or unique constraint/index
	Enum     []string
	Elem     *Column // the element of an array type
	Ref      *Ref    // single-column foreign key
	Bounds   Bounds  // from CHECK constraints (the column's and its domain's) and DEFAULT
	// NoOverlap: an exclusion constraint compares this column with &&, so
	// no two rows' values may overlap.
	NoOverlap bool
	// Spans are the partitions' bounds when the table is range-partitioned
	// on this column: every value must fall in one of them.
	Spans []Span
	// SeqMax is the maxvalue of the ascending sequence new rows take the
	// column's values from (its DEFAULT's nextval, its identity); 0 when
	// none. Seeded values stay under it, so that the sequence can move
	// past them.
	SeqMax int64
	// Indexed: an index (unique or not) has the column among its keys or
	// in its expressions, so queries look rows up by its values.
	Indexed bool
}

// Span is one range partition's [Lo, Hi); an empty end is unbounded
// (MINVALUE, MAXVALUE).
type Span struct{ Lo, Hi string }

// Ref is the parent side of a foreign key.
type Ref struct{ Table, Column string }

// Key is a unique constraint or index (partial and expression ones
// included): no two rows may share its columns' values.
type Key struct {
	Name    string
	Columns []string // key columns, and the columns its expressions use
}

// Table is a user table and its writable columns (generated columns are
// left out: PostgreSQL computes them).
type Table struct {
	Name        string // as EXPLAIN prints it; qualified when not in public
	Ident       pgx.Identifier
	Columns     []*Column
	Keys        []Key
	RowRefs     []RowRef // foreign keys of several columns
	Ties        []Tie    // CHECKs on two columns
	Partitioned bool
}

// RowRef is a foreign key of several columns: together they must hold
// one parent row's values.
type RowRef struct {
	Name       string
	Columns    []string
	Table      string
	RefColumns []string
}

// parents are the tables t's foreign keys point to.
func (t *Table) parents() []string {
	var out []string
	for _, c := range t.Columns {
		if c.Ref != nil {
			out = append(out, c.Ref.Table)
		}
	}
	for _, r := range t.RowRefs {
		out = append(out, r.Table)
	}
	return out
}

// ReadSchema reads the user tables after migrations, from the catalog
// only (it is also run on production by Export: it never reads rows).
func ReadSchema(ctx context.Context, conn *pgx.Conn) (map[string]*Table, error) {
	rows, err := conn.Query(ctx, `
		WITH RECURSIVE base(oid, bt) AS ( -- every type and the type under its domains
			SELECT oid, oid FROM pg_type WHERE typtype <> 'd'
			UNION ALL
			SELECT t.oid, b.bt FROM pg_type t JOIN base b ON t.typbasetype = b.oid WHERE t.typtype = 'd')
		SELECT n.nspname, c.relname, c.relkind = 'p',
		       a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, bt.typname,
		       CASE WHEN coalesce(nullif(a.atttypmod, -1), t.typtypmod) > 4 AND bt.typname IN ('varchar', 'bpchar')
		            THEN coalesce(nullif(a.atttypmod, -1), t.typtypmod) - 4 ELSE 0 END,
		       a.attnotnull OR t.typnotnull,
		       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
		               AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum AND i.indpred IS NULL),
		       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = bt.oid), '{}'),
		       coalesce(et.typname, ''), coalesce(format_type(et.oid, NULL), ''),
		       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = et.oid), '{}')
		FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		JOIN pg_type t ON t.oid = a.atttypid
		JOIN base b ON b.oid = t.oid
		JOIN pg_type bt ON bt.oid = b.bt
		LEFT JOIN base eb ON bt.typcategory = 'A' AND eb.oid = bt.typelem
		LEFT JOIN pg_type et ON et.oid = eb.bt
		WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
		  AND n.nspname NOT LIKE 'pg_temp%'
		ORDER BY 1, 2, a.attnum`)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	tables := map[string]*Table{}
	for rows.Next() {
		var schema, name, elemType, elemFormat string
		var partitioned bool
		var elemEnum []string
		col := &Column{}
		if err := rows.Scan(&schema, &name, &partitioned, &col.Name, &col.Type, &col.TypeOID, &col.BaseType, &col.MaxLen,
			&col.NotNull, &col.Unique, &col.Enum, &elemType, &elemFormat, &elemEnum); err != nil {
			return nil, fmt.Errorf("read schema: %w", err)
		}
		if elemType != "" {
			col.Elem = &Column{Name: col.Name, Type: elemFormat, BaseType: elemType, Enum: elemEnum, NotNull: true}
		}
		table := qualifiedName(schema, name)
		if tables[table] == nil {
			tables[table] = &Table{Name: table, Ident: pgx.Identifier{schema, name}, Partitioned: partitioned}
		}
		tables[table].Columns = append(tables[table].Columns, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	for _, read := range []func(context.Context, *pgx.Conn, map[string]*Table) error{
		readForeignKeys, readRowRefs, readKeys, readIndexed, readExclusions, readPartitions, readBounds, readSequences, readTies,
	} {
		if err := read(ctx, conn, tables); err != nil {
			return nil, err
		}
	}
	return tables, nil
}

func readForeignKeys(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("c.conrelid")+`, a.attname, `+qualified("c.confrelid")+`, pa.attname
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.conparentid = 0`)
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

// readRowRefs reads the foreign keys of several columns.
func readRowRefs(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("c.conrelid")+`, c.conname::text, `+qualified("c.confrelid")+`,
		       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
		             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
		       array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
		             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)
		FROM pg_constraint c
		WHERE c.contype = 'f' AND cardinality(c.conkey) > 1 AND c.conparentid = 0
		ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("read foreign keys: %w", err)
	}
	for rows.Next() {
		var r RowRef
		var child string
		if err := rows.Scan(&child, &r.Name, &r.Table, &r.Columns, &r.RefColumns); err != nil {
			return fmt.Errorf("read foreign keys: %w", err)
		}
		if t := tables[child]; t != nil {
			t.RowRefs = append(t.RowRefs, r)
		}
	}
	return rows.Err()
}

// readKeys reads every unique index, partial and expression ones
// included. An expression's columns count as key columns: keeping them
// unique keeps lower(email) and the like unique.
func readKeys(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("i.indrelid")+`, ic.relname::text,
		       array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
		             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
		             WHERE k.o <= i.indnkeyatts ORDER BY k.o),
		       CASE WHEN i.indexprs IS NULL THEN '{}'::text[] ELSE array(
		             SELECT DISTINCT a.attname::text FROM pg_depend d
		             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
		             WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
		               AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0) END
		FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
		WHERE i.indisunique
		ORDER BY 1, i.indisprimary DESC, 2`)
	if err != nil {
		return fmt.Errorf("read unique keys: %w", err)
	}
	for rows.Next() {
		var table, name string
		var columns, exprColumns []string
		if err := rows.Scan(&table, &name, &columns, &exprColumns); err != nil {
			return fmt.Errorf("read unique keys: %w", err)
		}
		t := tables[table]
		if t == nil {
			continue // a partition's copy of its parent's key
		}
		for _, c := range exprColumns {
			if !contains(columns, c) {
				columns = append(columns, c)
			}
		}
		t.Keys = append(t.Keys, Key{Name: name, Columns: columns})
	}
	return rows.Err()
}

// readIndexed marks the columns indexes look rows up by: their key
// columns and the columns their expressions use.
func readIndexed(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("i.indrelid")+`, a.attname::text
		FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
		JOIN pg_attribute a ON a.attnum = k.n
		WHERE a.attrelid = i.indrelid AND k.o <= i.indnkeyatts
		UNION
		SELECT `+qualified("i.indrelid")+`, a.attname::text
		FROM pg_index i
		JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
		     AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
		JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
		WHERE i.indexprs IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("read indexes: %w", err)
	}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return fmt.Errorf("read indexes: %w", err)
		}
		if col := tables[table].column(column); col != nil {
			col.Indexed = true
		}
	}
	return rows.Err()
}

// readExclusions marks the columns exclusion constraints compare with
// && (overlap): their generated ranges must not overlap.
func readExclusions(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("c.conrelid")+`, a.attname::text
		FROM pg_constraint c, unnest(c.conkey, c.conexclop) AS k(attnum, op)
		JOIN pg_attribute a ON a.attnum = k.attnum
		JOIN pg_operator o ON o.oid = k.op
		WHERE c.contype = 'x' AND a.attrelid = c.conrelid AND o.oprname = '&&' AND c.conparentid = 0`)
	if err != nil {
		return fmt.Errorf("read exclusion constraints: %w", err)
	}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return fmt.Errorf("read exclusion constraints: %w", err)
		}
		if col := tables[table].column(column); col != nil {
			col.NoOverlap = true
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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
