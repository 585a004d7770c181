package seed

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// Bounds are what a column's CHECK constraints and DEFAULT say about its
// values: a list it must be in, a numeric range, a constant default.
type Bounds struct {
	Values   []string // CHECK (col IN (…)) / col = ANY (ARRAY[…])
	Min, Max *float64 // CHECK (col > n), (col <= n), BETWEEN
	Default  *string  // DEFAULT of a constant
	// MinLen, MaxLen: CHECK (length(col) >= n), char_length(col) <= n.
	MinLen, MaxLen int
	// Opaque: a CHECK on the column says more than the above (a pattern,
	// a function, other columns), so only values it was seen to accept
	// (the default, the profile's) are safe.
	Opaque bool
}

// readBounds fills each column's Bounds from its single-column CHECK
// constraints, its domain's CHECK constraints (on VALUE) and its constant
// DEFAULT, parsed with PostgreSQL's parser.
func readBounds(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("c.conrelid")+`, a.attname, 'check', pg_get_constraintdef(c.oid), a.attname
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		WHERE c.contype = 'c' AND cardinality(c.conkey) = 1
		UNION ALL
		SELECT `+qualified("a.attrelid")+`, a.attname, 'check', pg_get_constraintdef(c.oid), 'value'
		FROM pg_attribute a
		JOIN pg_constraint c ON c.contypid = a.atttypid AND c.contype = 'c'
		WHERE a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT `+qualified("c.conrelid")+`, a.attname, 'tied', '', ''
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
		WHERE c.contype = 'c' AND cardinality(c.conkey) > 1
		UNION ALL
		SELECT `+qualified("d.adrelid")+`, a.attname, 'default', pg_get_expr(d.adbin, d.adrelid), a.attname
		FROM pg_attrdef d
		JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum AND a.attgenerated = ''`)
	if err != nil {
		return fmt.Errorf("read constraints: %w", err)
	}
	for rows.Next() {
		var table, column, kind, def, subject string
		if err := rows.Scan(&table, &column, &kind, &def, &subject); err != nil {
			return fmt.Errorf("read constraints: %w", err)
		}
		col := tables[table].column(column)
		if col == nil {
			continue
		}
		if kind == "tied" {
			col.Bounds.Opaque = true
			continue
		}
		expr, err := parseExpr(strings.TrimSuffix(strings.TrimPrefix(def, "CHECK "), " NOT VALID"))
		if err != nil {
			col.Bounds.Opaque = col.Bounds.Opaque || kind == "check"
			continue // an expression we cannot read constrains nothing we generate
		}
		if kind == "default" {
			if v, ok := constant(expr); ok {
				col.Bounds.Default = &v
			}
			continue
		}
		if kept, ok := allowedLabels(col, expr, subject); ok {
			col.Enum = kept
			continue
		}
		if !col.Bounds.check(expr, subject) {
			col.Bounds.Opaque = true
		}
	}
	return rows.Err()
}

// allowedLabels is the enum labels a one-column CHECK accepts (such as
// hatchet's CHECK (version <> 'V0')), each label judged once by the
// evaluator of two-column CHECKs. ok is false when c is no enum, when the
// evaluator does not read the expression, or when it rejects every label
// (left to the trial load, which names the column).
func allowedLabels(c *Column, expr *pg_query.Node, subject string) ([]string, bool) {
	if len(c.Enum) == 0 || c.Elem != nil {
		return nil, false
	}
	var kept []string
	for _, label := range c.Enum {
		r, ok := evalCheck(expr, map[string]cell{subject: {value: label, known: true}})
		if !ok {
			return nil, false
		}
		if r != triFalse { // NULL passes a CHECK
			kept = append(kept, label)
		}
	}
	return kept, len(kept) > 0
}

func parseExpr(expr string) (*pg_query.Node, error) {
	tree, err := pg_query.Parse("SELECT " + expr)
	if err != nil {
		return nil, err
	}
	targets := tree.Stmts[0].Stmt.GetSelectStmt().GetTargetList()
	if len(targets) != 1 {
		return nil, fmt.Errorf("not one expression: %s", expr)
	}
	return targets[0].GetResTarget().GetVal(), nil
}

// check narrows b by one CHECK expression on column, and says whether
// it read all of it.
func (b *Bounds) check(n *pg_query.Node, column string) bool {
	if and := n.GetBoolExpr(); and != nil && and.Boolop == pg_query.BoolExprType_AND_EXPR {
		all := true
		for _, arg := range and.Args {
			all = b.check(arg, column) && all
		}
		return all
	}
	e := n.GetAExpr()
	if e == nil || len(e.Name) != 1 {
		return false
	}
	op := e.Name[0].GetString_().GetSval()
	left, right := e.Lexpr, e.Rexpr
	if b.length(left, right, op, column) || b.length(right, left, flip[op], column) {
		return true
	}
	if !isColumn(left, column) {
		if !isColumn(right, column) || e.Kind != pg_query.A_Expr_Kind_AEXPR_OP {
			return false
		}
		left, right, op = right, left, flip[op] // 0 < col is col > 0
	}
	switch e.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		v, ok := number(right)
		if !ok {
			return false
		}
		switch op {
		case ">", ">=":
			b.Min = maxPtr(b.Min, v, op == ">")
		case "<", "<=":
			b.Max = minPtr(b.Max, v, op == "<")
		default:
			return false
		}
		return true
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_IN:
		if op != "=" {
			return false
		}
		items := right.GetAArrayExpr().GetElements()
		if items == nil {
			items = right.GetList().GetItems()
		}
		var values []string
		for _, item := range items {
			v, ok := constant(item)
			if !ok {
				return false
			}
			values = append(values, v)
		}
		b.Values = values
		return true
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN:
		if items := right.GetList().GetItems(); len(items) == 2 {
			if lo, ok := number(items[0]); ok {
				b.Min = maxPtr(b.Min, lo, false)
			}
			if hi, ok := number(items[1]); ok {
				b.Max = minPtr(b.Max, hi, false)
			}
			return true
		}
	}
	return false
}

// length reads "length(col) op n" (char_length, character_length too)
// into MinLen and MaxLen.
func (b *Bounds) length(fn, value *pg_query.Node, op, column string) bool {
	call := fn.GetFuncCall()
	if call == nil || len(call.Args) != 1 || !isColumn(call.Args[0], column) || len(call.Funcname) == 0 {
		return false
	}
	switch call.Funcname[len(call.Funcname)-1].GetString_().GetSval() {
	case "length", "char_length", "character_length":
	default:
		return false
	}
	v, ok := number(value)
	if !ok {
		return false
	}
	n := int(v)
	switch op {
	case "<":
		n--
		fallthrough
	case "<=":
		if b.MaxLen == 0 || n < b.MaxLen {
			b.MaxLen = max(n, 1)
		}
	case ">":
		n++
		fallthrough
	case ">=":
		b.MinLen = max(b.MinLen, n)
	case "=":
		b.MinLen, b.MaxLen = n, n
	}
	return true
}

var flip = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}

func isColumn(n *pg_query.Node, column string) bool {
	if c := n.GetTypeCast(); c != nil {
		n = c.Arg
	}
	fields := n.GetColumnRef().GetFields()
	return len(fields) > 0 && fields[len(fields)-1].GetString_().GetSval() == column
}

// constant is the text of a literal, under any casts.
func constant(n *pg_query.Node) (string, bool) {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().Arg
	}
	c := n.GetAConst()
	switch {
	case c == nil || c.Isnull:
		return "", false
	case c.GetIval() != nil:
		return strconv.FormatInt(int64(c.GetIval().Ival), 10), true
	case c.GetFval() != nil:
		return c.GetFval().Fval, true
	case c.GetSval() != nil:
		return c.GetSval().Sval, true
	case c.GetBoolval() != nil:
		return strconv.FormatBool(c.GetBoolval().Boolval), true
	}
	return "", false
}

func number(n *pg_query.Node) (float64, bool) {
	s, ok := constant(n)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// maxPtr raises a lower bound to v; a strict bound ("> v") becomes
// ">= v + strictStep". minPtr does the same for upper bounds.
func maxPtr(cur *float64, v float64, strict bool) *float64 {
	if strict {
		v += strictStep
	}
	if cur == nil || v > *cur {
		return &v
	}
	return cur
}

func minPtr(cur *float64, v float64, strict bool) *float64 {
	if strict {
		v -= strictStep
	}
	if cur == nil || v < *cur {
		return &v
	}
	return cur
}

// strictStep turns "> n" into ">= n + strictStep": values are generated
// with two decimals at most, so 0.01 keeps them inside a strict bound.
const strictStep = 0.01
