package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// typeSet is what pgx must be told about the loaded columns' types
// before it can write them in binary COPY: enums, domains, composites
// and arrays of them (pgx's LoadTypes), and the extension types citext,
// hstore and ltree. Without it pgx sends an enum array's text as if it
// were binary: "number of array dimensions (2070114148) exceeds the
// maximum allowed".
type typeSet []*pgtype.Type

// extensionCodecs are the extension base types pgx has codecs for.
var extensionCodecs = map[string]pgtype.Codec{
	"citext": pgtype.TextCodec{},
	"hstore": pgtype.HstoreCodec{},
	"ltree":  pgtype.LtreeCodec{},
}

// loadTypes learns the types of the given columns that conn's type map
// does not know, and registers them on conn.
func loadTypes(ctx context.Context, conn *pgx.Conn, tables []*Table) (typeSet, error) {
	m := conn.TypeMap()
	var oids []uint32
	for _, t := range tables {
		for _, c := range t.Columns {
			if _, ok := m.TypeForOID(c.TypeOID); !ok {
				oids = append(oids, c.TypeOID)
			}
		}
	}
	if len(oids) == 0 {
		return nil, nil
	}
	rows, err := conn.Query(ctx, `
		SELECT t.oid, t.typname::text, coalesce(e.oid, 0), coalesce(e.typname::text, ''), n.nspname || '.' || t.typname, t.typtype = 'b'
		FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
		LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
		WHERE t.oid = ANY($1::oid[])`, oids)
	if err != nil {
		return nil, fmt.Errorf("read column types: %w", err)
	}
	var set typeSet
	var derived []string
	for rows.Next() {
		var oid, elemOID uint32
		var name, elemName, qualifiedType string
		var base bool
		if err := rows.Scan(&oid, &name, &elemOID, &elemName, &qualifiedType, &base); err != nil {
			return nil, fmt.Errorf("read column types: %w", err)
		}
		switch {
		case extensionCodecs[name] != nil:
			set = append(set, &pgtype.Type{Name: name, OID: oid, Codec: extensionCodecs[name]})
		case extensionCodecs[elemName] != nil:
			elem := &pgtype.Type{Name: elemName, OID: elemOID, Codec: extensionCodecs[elemName]}
			set = append(set, elem, &pgtype.Type{Name: name, OID: oid, Codec: &pgtype.ArrayCodec{ElementType: elem}})
		case base && elemOID == 0:
			// Another extension's base type: pgx sends text, which may or
			// may not be its binary form; the trial load finds out.
		default:
			derived = append(derived, qualifiedType)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read column types: %w", err)
	}
	set.register(conn)
	if len(derived) > 0 {
		types, err := conn.LoadTypes(ctx, derived)
		if err != nil {
			return nil, fmt.Errorf("load column types %v: %w", derived, err)
		}
		set = append(set, types...)
	}
	return set, nil
}

// register tells conn's type map about the types.
func (s typeSet) register(conn *pgx.Conn) {
	m := conn.TypeMap()
	for _, t := range s {
		m.RegisterType(t)
	}
}
