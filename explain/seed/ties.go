package seed

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// Tie is a CHECK on two columns, such as river's
//
//	(finalized_at IS NULL AND state NOT IN ('cancelled', 'completed', 'discarded'))
//	OR (finalized_at IS NOT NULL AND state IN ('cancelled', 'completed', 'discarded'))
//
// Generated independently, the two columns break it on most rows.
type Tie struct {
	Name    string
	Columns []string
	Expr    *pg_query.Node
}

// readTies reads the CHECK constraints on exactly two columns, parsed
// with PostgreSQL's parser; planTies decides whether it can meet them.
func readTies(ctx context.Context, conn *pgx.Conn, tables map[string]*Table) error {
	rows, err := conn.Query(ctx, `
		SELECT `+qualified("c.conrelid")+`, c.conname::text, pg_get_constraintdef(c.oid),
		       array(SELECT a.attname::text FROM unnest(c.conkey) k(n)
		             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.n)
		FROM pg_constraint c
		WHERE c.contype = 'c' AND c.conrelid <> 0 AND cardinality(c.conkey) = 2
		ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("read constraints: %w", err)
	}
	for rows.Next() {
		var table, name, def string
		var columns []string
		if err := rows.Scan(&table, &name, &def, &columns); err != nil {
			return fmt.Errorf("read constraints: %w", err)
		}
		t := tables[table]
		if t == nil {
			continue // a partition's copy of its parent's CHECK
		}
		expr, err := parseExpr(strings.TrimSuffix(strings.TrimPrefix(def, "CHECK "), " NOT VALID"))
		if err != nil {
			continue // left to the trial load, which names the columns
		}
		t.Ties = append(t.Ties, Tie{Name: name, Columns: columns, Expr: expr})
	}
	return rows.Err()
}

// tri is SQL's three-valued logic.
type tri int8

const (
	triFalse tri = iota
	triTrue
	triNull
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// cell is one column's value in a row being judged: NULL, a known value
// (as the profile or the schema writes it), or only "not NULL".
type cell struct {
	null  bool
	value string
	known bool
}

// evalCheck evaluates a CHECK expression on a row. ok is false for any
// shape it does not read: comparisons other than equality, functions,
// arithmetic, comparing a column whose value is not known.
func evalCheck(n *pg_query.Node, row map[string]cell) (tri, bool) {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().Arg
	}
	switch {
	case n.GetBoolExpr() != nil:
		return evalBool(n.GetBoolExpr(), row)
	case n.GetNullTest() != nil:
		t := n.GetNullTest()
		c, ok := row[columnName(t.Arg)]
		if !ok {
			return triNull, false
		}
		return triOf(c.null == (t.Nulltesttype == pg_query.NullTestType_IS_NULL)), true
	case n.GetColumnRef() != nil: // a boolean column
		c, ok := row[columnName(n)]
		switch {
		case !ok || (!c.null && !c.known):
			return triNull, false
		case c.null:
			return triNull, true
		}
		return triOf(c.value == "true"), true
	case n.GetAConst() != nil:
		if b := n.GetAConst().GetBoolval(); b != nil {
			return triOf(b.Boolval), true
		}
		return triNull, false
	case n.GetAExpr() != nil:
		return evalCompare(n.GetAExpr(), row)
	}
	return triNull, false
}

func evalBool(b *pg_query.BoolExpr, row map[string]cell) (tri, bool) {
	var results []tri
	for _, arg := range b.Args {
		r, ok := evalCheck(arg, row)
		if !ok {
			return triNull, false
		}
		results = append(results, r)
	}
	switch b.Boolop {
	case pg_query.BoolExprType_NOT_EXPR:
		if len(results) != 1 || results[0] == triNull {
			return triNull, len(results) == 1
		}
		return triOf(results[0] == triFalse), true
	case pg_query.BoolExprType_AND_EXPR:
		out := triTrue
		for _, r := range results {
			if r == triFalse {
				return triFalse, true
			}
			if r == triNull {
				out = triNull
			}
		}
		return out, true
	case pg_query.BoolExprType_OR_EXPR:
		out := triFalse
		for _, r := range results {
			if r == triTrue {
				return triTrue, true
			}
			if r == triNull {
				out = triNull
			}
		}
		return out, true
	}
	return triNull, false
}

// evalCompare reads col = 'x', col <> 'x', col IN (…), col NOT IN (…),
// col = ANY (ARRAY[…]), col <> ALL (ARRAY[…]), and = / <> between two
// boolean expressions ((a IS NULL) = (b IS NULL)).
func evalCompare(e *pg_query.A_Expr, row map[string]cell) (tri, bool) {
	if len(e.Name) != 1 {
		return triNull, false
	}
	op := e.Name[0].GetString_().GetSval()
	if op != "=" && op != "<>" && op != "!=" {
		return triNull, false
	}
	equal := op == "="
	left, right := e.Lexpr, e.Rexpr
	if _, isColumn := row[columnName(right)]; isColumn && e.Kind == pg_query.A_Expr_Kind_AEXPR_OP {
		left, right = right, left
	}
	c, isColumn := row[columnName(left)]
	if !isColumn || (!c.null && !c.known) {
		if e.Kind != pg_query.A_Expr_Kind_AEXPR_OP {
			return triNull, false
		}
		l, ok1 := evalCheck(left, row)
		r, ok2 := evalCheck(right, row)
		if !ok1 || !ok2 || isColumn {
			return triNull, false
		}
		if l == triNull || r == triNull {
			return triNull, true
		}
		return triOf((l == r) == equal), true
	}
	var list []*pg_query.Node
	switch e.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		list = []*pg_query.Node{right}
	case pg_query.A_Expr_Kind_AEXPR_IN:
		list = right.GetList().GetItems()
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		if (e.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ANY) != equal {
			return triNull, false // = ALL, <> ANY: not what CHECKs say
		}
		for right.GetTypeCast() != nil {
			right = right.GetTypeCast().Arg
		}
		list = right.GetAArrayExpr().GetElements()
	default:
		return triNull, false
	}
	found := false
	for _, item := range list {
		v, ok := constant(item)
		if !ok {
			return triNull, false
		}
		found = found || v == c.value
	}
	if len(list) == 0 {
		return triNull, false
	}
	if c.null {
		return triNull, true
	}
	return triOf(found == equal), true
}

// columnName is the column a node names (under casts), or "".
func columnName(n *pg_query.Node) string {
	if n == nil {
		return ""
	}
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().Arg
	}
	fields := n.GetColumnRef().GetFields()
	if len(fields) == 0 {
		return ""
	}
	return fields[len(fields)-1].GetString_().GetSval()
}

// onlyNullTested reports, for each column the expression uses, whether
// it is used only in IS [NOT] NULL tests.
func onlyNullTested(n *pg_query.Node, out map[string]bool) {
	if n == nil {
		return
	}
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().Arg
	}
	switch {
	case n.GetNullTest() != nil:
		if name := columnName(n.GetNullTest().Arg); name != "" {
			if _, seen := out[name]; !seen {
				out[name] = true
			}
			return
		}
		onlyNullTested(n.GetNullTest().Arg, out)
	case n.GetColumnRef() != nil:
		out[columnName(n)] = false
	case n.GetBoolExpr() != nil:
		for _, arg := range n.GetBoolExpr().Args {
			onlyNullTested(arg, out)
		}
	case n.GetAExpr() != nil:
		onlyNullTested(n.GetAExpr().Lexpr, out)
		onlyNullTested(n.GetAExpr().Rexpr, out)
	case n.GetList() != nil:
		for _, item := range n.GetList().Items {
			onlyNullTested(item, out)
		}
	case n.GetAArrayExpr() != nil:
		for _, item := range n.GetAArrayExpr().Elements {
			onlyNullTested(item, out)
		}
	}
}
