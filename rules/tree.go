package rules

// Helpers over the pg_query parse tree that several rules share.

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
	"google.golang.org/protobuf/proto"
)

// lastName is the unqualified name in a dotted name list: the function
// of pg_catalog.lower, the type of pg_catalog.varchar.
func lastName(list []*pg_query.Node) string {
	if len(list) == 0 {
		return ""
	}
	return list[len(list)-1].GetString_().GetSval() // the parser has folded unquoted names to lower case
}

// stringConst is the value of a string constant, seen through casts
// ('%x'::text).
func stringConst(n *pg_query.Node) (string, bool) {
	if c := n.GetTypeCast(); c != nil {
		return stringConst(c.Arg)
	}
	if s := n.GetAConst().GetSval(); s != nil {
		return s.Sval, true
	}
	return "", false
}

// numberConst is the value of a numeric constant; integers beyond int32
// arrive as Fval text.
func numberConst(n *pg_query.Node) (float64, bool) {
	c := n.GetAConst()
	switch {
	case c == nil:
		return 0, false
	case c.GetIval() != nil:
		return float64(c.GetIval().Ival), true
	case c.GetFval() != nil:
		f, err := strconv.ParseFloat(c.GetFval().Fval, 64)
		return f, err == nil
	}
	return 0, false
}

// subquery is the statement a node opens with its own FROM clause: a
// sublink's SELECT, a FROM-clause subquery or a CTE's body.
func subquery(n *pg_query.Node) *pg_query.Node {
	switch v := n.Node.(type) {
	case *pg_query.Node_SubLink:
		return v.SubLink.Subselect
	case *pg_query.Node_RangeSubselect:
		return v.RangeSubselect.Subquery
	case *pg_query.Node_CommonTableExpr:
		return v.CommonTableExpr.Ctequery
	}
	return nil
}

// walkOwn is analyzer.Walk that stays out of subqueries: their column
// references resolve against their own FROM clause, and their own scope
// is visited on its own.
func walkOwn(n *pg_query.Node, fn func(*pg_query.Node)) {
	inner := map[*pg_query.Node]bool{}
	analyzer.Walk(n, func(x *pg_query.Node) {
		if inner[x] {
			return
		}
		fn(x)
		// Walk visits a node before its children, so marking the
		// subquery here keeps fn away from all of it.
		analyzer.Walk(subquery(x), func(y *pg_query.Node) { inner[y] = true })
	})
}

// scope is one SELECT, UPDATE or DELETE: the tables it reads, keyed by
// the name its clauses call them (alias or table name), and the clauses
// that filter rows.
type scope struct {
	tables    map[string]string
	quals     []*pg_query.Node // WHERE, and the FROM items whose JOIN … ON filter
	outerJoin bool             // a LEFT, RIGHT or FULL JOIN may fill a column with NULL
}

// scopes lists every SELECT, UPDATE and DELETE in the tree, subqueries
// included, in walk order: the statement itself comes first.
func scopes(tree *pg_query.Node) []scope {
	var out []scope
	analyzer.Walk(tree, func(n *pg_query.Node) {
		var s scope
		switch v := n.Node.(type) {
		case *pg_query.Node_SelectStmt:
			s = newScope(v.SelectStmt.FromClause, v.SelectStmt.WhereClause, v.SelectStmt.WithClause)
		case *pg_query.Node_UpdateStmt:
			s = newScope(append([]*pg_query.Node{rangeVarNode(v.UpdateStmt.Relation)}, v.UpdateStmt.FromClause...), v.UpdateStmt.WhereClause, v.UpdateStmt.WithClause)
		case *pg_query.Node_DeleteStmt:
			s = newScope(append([]*pg_query.Node{rangeVarNode(v.DeleteStmt.Relation)}, v.DeleteStmt.UsingClause...), v.DeleteStmt.WhereClause, v.DeleteStmt.WithClause)
		default:
			return
		}
		out = append(out, s)
	})
	return out
}

// conditions calls fn for every operator expression (=, LIKE, IN, …) in
// the WHERE and JOIN … ON conditions of the tree, with the scope that
// resolves its column references.
func conditions(tree *pg_query.Node, fn func(s scope, e *pg_query.A_Expr)) {
	for _, s := range scopes(tree) {
		for _, q := range s.quals {
			walkOwn(q, func(n *pg_query.Node) {
				if e := n.GetAExpr(); e != nil {
					fn(s, e)
				}
			})
		}
	}
}

func rangeVarNode(rv *pg_query.RangeVar) *pg_query.Node {
	return &pg_query.Node{Node: &pg_query.Node_RangeVar{RangeVar: rv}}
}

func newScope(from []*pg_query.Node, where *pg_query.Node, with *pg_query.WithClause) scope {
	ctes := map[string]bool{}
	for _, c := range with.GetCtes() {
		ctes[c.GetCommonTableExpr().GetCtename()] = true
	}
	s := scope{tables: map[string]string{}}
	for _, item := range from {
		walkOwn(item, func(n *pg_query.Node) {
			if j := n.GetJoinExpr(); j != nil && j.Jointype != pg_query.JoinType_JOIN_INNER {
				s.outerJoin = true
			}
			rv := n.GetRangeVar()
			if rv == nil || (rv.Schemaname == "" && ctes[rv.Relname]) {
				return
			}
			s.tables[rv.Relname] = rv.Relname
			if a := rv.GetAlias().GetAliasname(); a != "" {
				delete(s.tables, rv.Relname) // an aliased table is known by its alias only
				s.tables[a] = rv.Relname
			}
		})
		s.quals = append(s.quals, item)
	}
	if where != nil {
		s.quals = append(s.quals, where)
	}
	return s
}

// resolve names the table and column a column reference points to. An
// unqualified name belongs to the only table in scope, or else to the
// only one with an index on a column of that name.
func (s scope) resolve(ref *pg_query.ColumnRef, tables map[string]explain.Table) (table, column string, ok bool) {
	var parts []string
	for _, f := range ref.Fields {
		if f.GetAStar() != nil {
			return "", "", false
		}
		parts = append(parts, f.GetString_().GetSval())
	}
	switch len(parts) {
	case 1:
		column = parts[0]
		var candidates []string
		for _, t := range s.tables {
			if len(s.tables) == 1 || indexOn(tables[t], column) != nil {
				candidates = append(candidates, t)
			}
		}
		if len(candidates) != 1 {
			return "", "", false
		}
		return candidates[0], column, true
	case 2, 3: // alias.column, schema.table.column
		t, ok := s.tables[parts[len(parts)-2]]
		return t, parts[len(parts)-1], ok
	}
	return "", "", false
}

// columnIn finds the first column reference inside n that resolves to a
// table in scope.
func (s scope) columnIn(n *pg_query.Node, tables map[string]explain.Table) (table, column string, ok bool) {
	walkOwn(n, func(x *pg_query.Node) {
		if ref := x.GetColumnRef(); ref != nil && !ok {
			table, column, ok = s.resolve(ref, tables)
		}
	})
	return table, column, ok
}

// indexOn is the first index with column among its key columns, or nil.
func indexOn(t explain.Table, column string) *explain.Index {
	for i, ix := range t.Indexes {
		for _, c := range ix.Columns {
			if c == column {
				return &t.Indexes[i]
			}
		}
	}
	return nil
}

// indexElems parses an index definition (pg_get_indexdef) into its key
// elements: a column name or an expression each, with the operator class.
func indexElems(ix explain.Index) []*pg_query.IndexElem {
	tree, err := pg_query.Parse(ix.Def)
	if err != nil || len(tree.Stmts) != 1 {
		return nil
	}
	var elems []*pg_query.IndexElem
	for _, p := range tree.Stmts[0].Stmt.GetIndexStmt().GetIndexParams() {
		elems = append(elems, p.GetIndexElem())
	}
	return elems
}

// exprSQL prints an expression the way the deparser does, with column
// references stripped of their table, so that lower(c.email) in a query
// and lower(email) in an index definition compare equal.
func exprSQL(n *pg_query.Node) string {
	n = proto.Clone(n).(*pg_query.Node)
	analyzer.Walk(n, func(x *pg_query.Node) {
		if ref := x.GetColumnRef(); ref != nil && len(ref.Fields) > 1 {
			ref.Fields = ref.Fields[len(ref.Fields)-1:]
		}
	})
	sel := &pg_query.SelectStmt{TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithVal(n, 0)}}
	out, err := pg_query.Deparse(&pg_query.ParseResult{Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}}}})
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(out, "SELECT ")
}

// leafSelects are the SELECTs that produce a statement's rows: the
// statement itself, or each arm of a UNION, INTERSECT or EXCEPT.
func leafSelects(sel *pg_query.SelectStmt) []*pg_query.SelectStmt {
	if sel == nil {
		return nil
	}
	if sel.Op == pg_query.SetOperation_SETOP_NONE {
		return []*pg_query.SelectStmt{sel}
	}
	return append(leafSelects(sel.Larg), leafSelects(sel.Rarg)...)
}

// migrationContext is what a migration rule knows of the statements
// before the one it checks.
type migrationContext struct {
	file  []*analyzer.Statement // earlier in the same migration file
	prior []*analyzer.Statement // applied before it, this file's included
}

// migrationOf returns the context of a migration statement; ok is false
// for queries. A statement the server rejected is judged too: the static
// rules say what is wrong with it beside the server's error
// (ADD COLUMN … NOT NULL fails on a table with rows, CONCURRENTLY fails in
// a transaction).
func migrationOf(in *Input) (m migrationContext, ok bool) {
	st := in.Statement
	if st == nil || st.Migration == nil || st.Tree == nil {
		return m, false
	}
	m.file = before(st.Migration.Statements, st)
	m.prior = m.file
	if in.Source != nil {
		m.prior = before(in.Source.Statements(), st)
	}
	return m, true
}

func before(list []*analyzer.Statement, st *analyzer.Statement) []*analyzer.Statement {
	for i, s := range list {
		if s == st {
			return list[:i]
		}
	}
	return list
}

// isNew reports whether the migration file created the table before this
// statement. Such a table is empty and unknown to the running
// application, so locking or rewriting it harms no one; any other table
// is taken to exist in production.
func (m migrationContext) isNew(table string) bool {
	for _, st := range m.file {
		switch v := st.Tree.Node.(type) {
		case *pg_query.Node_CreateStmt:
			if v.CreateStmt.Relation.GetRelname() == table {
				return true
			}
		case *pg_query.Node_CreateTableAsStmt:
			if v.CreateTableAsStmt.GetInto().GetRel().GetRelname() == table {
				return true
			}
		}
	}
	return false
}

// createdBefore reports whether an earlier statement, in this file or an
// earlier migration, made the named table, view or index (CREATE, or a
// RENAME to the name).
func (m migrationContext) createdBefore(name string) bool {
	for _, st := range m.prior {
		switch v := st.Tree.Node.(type) {
		case *pg_query.Node_CreateStmt:
			if v.CreateStmt.Relation.GetRelname() == name {
				return true
			}
		case *pg_query.Node_CreateTableAsStmt:
			if v.CreateTableAsStmt.GetInto().GetRel().GetRelname() == name {
				return true
			}
		case *pg_query.Node_ViewStmt:
			if v.ViewStmt.View.GetRelname() == name {
				return true
			}
		case *pg_query.Node_IndexStmt:
			if v.IndexStmt.Idxname == name {
				return true
			}
		case *pg_query.Node_RenameStmt:
			if v.RenameStmt.Newname == name {
				return true
			}
		}
	}
	return false
}

// dropsNothing reports a DROP … IF EXISTS of an object no earlier
// statement made: a schema file that clears the way for its own CREATE
// (DROP TABLE IF EXISTS s CASCADE; CREATE TABLE s …). As far as the
// history shows there is nothing to drop, lock or break.
func (m migrationContext) dropsNothing(drop *pg_query.DropStmt, name string) bool {
	return drop.MissingOk && !m.createdBefore(name)
}

// alteredTable returns the table an ALTER TABLE migration statement
// changes and its commands, when the table existed before the migration
// file.
func alteredTable(in *Input) (string, []*pg_query.AlterTableCmd, migrationContext) {
	m, ok := migrationOf(in)
	alter := in.Statement.Tree.GetAlterTableStmt()
	if !ok || alter == nil || alter.Objtype != pg_query.ObjectType_OBJECT_TABLE || m.isNew(alter.Relation.GetRelname()) {
		return "", nil, m
	}
	var cmds []*pg_query.AlterTableCmd
	for _, c := range alter.Cmds {
		cmds = append(cmds, c.GetAlterTableCmd())
	}
	return alter.Relation.GetRelname(), cmds, m
}

// columnConstraints lists the constraints of a column definition by type.
func columnConstraints(def *pg_query.ColumnDef) map[pg_query.ConstrType]*pg_query.Constraint {
	out := map[pg_query.ConstrType]*pg_query.Constraint{}
	for _, c := range def.GetConstraints() {
		if con := c.GetConstraint(); con != nil {
			out[con.Contype] = con
		}
	}
	return out
}

// hasOption reports whether a DefElem list (VACUUM, REINDEX, CLUSTER
// options) turns the named option on: FULL, FULL true, FULL 1 do;
// FULL false, FULL off, FULL 0 do not.
func hasOption(opts []*pg_query.Node, name string) bool {
	for _, o := range opts {
		d := o.GetDefElem()
		switch {
		case d == nil || d.Defname != name:
			continue
		case d.Arg.GetString_() != nil:
			v := strings.ToLower(d.Arg.GetString_().Sval)
			return v != "false" && v != "off" && v != "no"
		case d.Arg.GetInteger() != nil:
			return d.Arg.GetInteger().Ival != 0
		}
		return true
	}
	return false
}

// addedColumns are the columns ALTER TABLE commands add.
func addedColumns(cmds []*pg_query.AlterTableCmd) []*pg_query.ColumnDef {
	var out []*pg_query.ColumnDef
	for _, cmd := range cmds {
		if def := cmd.Def.GetColumnDef(); cmd.Subtype == pg_query.AlterTableType_AT_AddColumn && def != nil {
			out = append(out, def)
		}
	}
	return out
}

// addedConstraints are the constraints ALTER TABLE … ADD CONSTRAINT adds.
func addedConstraints(cmds []*pg_query.AlterTableCmd) []*pg_query.Constraint {
	var out []*pg_query.Constraint
	for _, cmd := range cmds {
		if con := cmd.Def.GetConstraint(); cmd.Subtype == pg_query.AlterTableType_AT_AddConstraint && con != nil {
			out = append(out, con)
		}
	}
	return out
}
