package rules

import (
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var alterColumnType = &Rule{
	ID:       "alter-column-type",
	Severity: Error,
	Summary:  "ALTER COLUMN … TYPE rewrites the table and its indexes under an exclusive lock",
	Doc: `Changing a column's type makes PostgreSQL rewrite every row and rebuild every
index of the table while holding an ACCESS EXCLUSIVE lock: no reads, no writes,
for as long as that takes on a large table.

A few changes are binary-coercible and only touch the catalog; they are not
reported when the old type is known from the reviewed migrations: varchar(n) to
varchar(m) with m >= n or to varchar without a length, varchar to text, text to
varchar without a length, cidr to inet, numeric(p,s) to numeric(q,s) with
q >= p or to numeric without a limit, a larger or no precision for timestamp,
timestamptz, time, timetz and interval (timestamp(0) to timestamp(6)), and a
longer or no length for bit varying. A USING clause always rewrites.
timestamp to timestamptz (and back) skips the rewrite only when the session
TimeZone is UTC (PostgreSQL 12+), which a migration cannot promise: it is
reported. When the old type is not in the reviewed migrations the change is
reported, since qreview cannot tell. A table created earlier in the same
migration file is exempt.

` + sizedDoc + `

Fix: add a new column of the new type, write to both, backfill in batches,
switch reads, then drop the old column (expand and contract). To lengthen a
varchar, go to text or a longer varchar.

Example: ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;`,
	Options: Options{"min-rows": smallTable},
	Check: func(in *Input, opts Options) []Finding {
		table, cmds, m := alteredTable(in)
		var out []Finding
		for _, cmd := range cmds {
			def := cmd.Def.GetColumnDef()
			if cmd.Subtype != pg_query.AlterTableType_AT_AlterColumnType || def == nil {
				continue
			}
			old := columnTypes(m.prior, table)[cmd.Name]
			why := "its old type is not in the reviewed migrations"
			switch {
			case def.RawDefault != nil:
				why = "USING computes every row anew"
			case old != nil && binaryCoercible(old, def.TypeName):
				continue
			case old != nil:
				why = fmt.Sprintf("%s to %s is not a binary-coercible change", typeString(old), typeString(def.TypeName))
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("ALTER COLUMN %s TYPE %s rewrites %s and rebuilds its indexes under an ACCESS EXCLUSIVE lock (%s)", cmd.Name, typeString(def.TypeName), table, why),
				Suggestion: "add a column of the new type, backfill it in batches, switch the application to it, then drop the old one",
				Evidence:   map[string]any{"table": table, "column": cmd.Name, "type": typeString(def.TypeName)},
			})
		}
		return sizedAll(in, opts, out)
	},
}

// columnTypes replays the statements' CREATE TABLE, ADD COLUMN, ALTER
// COLUMN TYPE and RENAME to find the column types of one table.
func columnTypes(stmts []*analyzer.Statement, table string) map[string]*pg_query.TypeName {
	tables := map[string]map[string]*pg_query.TypeName{}
	columns := func(t string) map[string]*pg_query.TypeName {
		if tables[t] == nil {
			tables[t] = map[string]*pg_query.TypeName{}
		}
		return tables[t]
	}
	for _, st := range stmts {
		switch v := st.Tree.Node.(type) {
		case *pg_query.Node_CreateStmt:
			delete(tables, v.CreateStmt.Relation.GetRelname())
			cols := columns(v.CreateStmt.Relation.GetRelname())
			for _, e := range v.CreateStmt.TableElts {
				if def := e.GetColumnDef(); def != nil {
					cols[def.Colname] = def.TypeName
				}
			}
		case *pg_query.Node_AlterTableStmt:
			cols := columns(v.AlterTableStmt.Relation.GetRelname())
			for _, c := range v.AlterTableStmt.Cmds {
				cmd := c.GetAlterTableCmd()
				if def := cmd.GetDef().GetColumnDef(); def != nil && cmd.Subtype == pg_query.AlterTableType_AT_AddColumn {
					cols[def.Colname] = def.TypeName
				} else if def != nil && cmd.Subtype == pg_query.AlterTableType_AT_AlterColumnType {
					cols[cmd.Name] = def.TypeName
				}
			}
		case *pg_query.Node_RenameStmt:
			r := v.RenameStmt
			switch r.RenameType {
			case pg_query.ObjectType_OBJECT_COLUMN:
				cols := columns(r.Relation.GetRelname())
				cols[r.Newname] = cols[r.Subname]
				delete(cols, r.Subname)
			case pg_query.ObjectType_OBJECT_TABLE:
				tables[r.Newname] = tables[r.Relation.GetRelname()]
				delete(tables, r.Relation.GetRelname())
			}
		}
	}
	return tables[table]
}

// binaryCoercible reports the type changes PostgreSQL makes without
// rewriting the table.
func binaryCoercible(old, new *pg_query.TypeName) bool {
	o, n := lastName(old.Names), lastName(new.Names)
	om, nm := typmods(old), typmods(new)
	switch {
	case len(old.ArrayBounds) != len(new.ArrayBounds):
		return false
	case o == n && slices.Equal(om, nm):
		return true
	case (o == "varchar" || o == "text") && (n == "text" || n == "varchar" && len(nm) == 0):
		return true
	case o == "cidr" && n == "inet":
		return true
	case o == n && (o == "varchar" || o == "varbit"):
		return len(nm) == 0 || len(om) == 1 && len(nm) == 1 && nm[0] >= om[0]
	case o == n && precisionTypes[o]:
		// The precision is the last modifier (interval's first is its
		// fields); none, or 6, means the most.
		if len(nm) == 0 {
			return true
		}
		p := nm[len(nm)-1]
		sameFields := len(om) == len(nm) && slices.Equal(om[:len(om)-1], nm[:len(nm)-1]) || len(om) == 0 && len(nm) == 1
		return sameFields && (p >= 6 || len(om) > 0 && p >= om[len(om)-1])
	case o == "numeric" && n == "numeric":
		scale := func(m []float64) float64 {
			if len(m) > 1 {
				return m[1]
			}
			return 0
		}
		return len(nm) == 0 || len(om) > 0 && nm[0] >= om[0] && scale(nm) == scale(om)
	}
	return false
}

// precisionTypes change precision without a rewrite when it grows.
var precisionTypes = map[string]bool{"timestamp": true, "timestamptz": true, "time": true, "timetz": true, "interval": true}

func typmods(t *pg_query.TypeName) []float64 {
	var out []float64
	for _, m := range t.GetTypmods() {
		v, _ := numberConst(m)
		out = append(out, v)
	}
	return out
}

// sqlTypeNames are the SQL names of the types the parser calls by their
// internal names (bigint parses as pg_catalog.int8).
var sqlTypeNames = map[string]string{
	"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
	"bool": "boolean", "bpchar": "char", "timestamp": "timestamp", "timestamptz": "timestamptz",
}

// typeString prints a type name as written, without its schema:
// varchar(20), numeric(10,2), bigint, text[].
func typeString(t *pg_query.TypeName) string {
	s := lastName(t.GetNames())
	if name, ok := sqlTypeNames[s]; ok {
		s = name
	}
	if mods := typmods(t); len(mods) > 0 {
		parts := make([]string, len(mods))
		for i, m := range mods {
			parts[i] = fmt.Sprint(m)
		}
		s += "(" + strings.Join(parts, ",") + ")"
	}
	return s + strings.Repeat("[]", len(t.GetArrayBounds()))
}
