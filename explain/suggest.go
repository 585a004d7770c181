package explain

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

// IndexProof is an index proposed for a scan and what the planner does
// with it: the plan switches to it and the cost falls.
type IndexProof struct {
	Create     string // CREATE INDEX CONCURRENTLY … to suggest
	CostBefore float64
	CostAfter  float64
	After      *Plan
	How        string // "hypopg" or "a real index in a rolled-back savepoint"
}

// ProposeIndex derives an index for st's conditions on table from its
// parse tree: the columns compared for equality first, then one range
// column (the order a B-tree can use), else the ORDER BY columns. It
// returns "" when the statement filters table on nothing indexable.
func ProposeIndex(st *analyzer.Statement, table string) string {
	where, order := clauses(st.Tree)
	names := aliases(st.Tree, table)
	var eq, rng []string
	for _, cond := range conjuncts(where) {
		e := cond.GetAExpr()
		if e == nil {
			continue
		}
		col := columnOf(e.Lexpr, names)
		if col == "" {
			col = columnOf(e.Rexpr, names)
		}
		if col == "" || (columnOf(e.Lexpr, names) != "" && columnOf(e.Rexpr, names) != "") {
			continue
		}
		op := ""
		if len(e.Name) == 1 {
			op = e.Name[0].GetString_().GetSval()
		}
		switch {
		case (e.Kind == pg_query.A_Expr_Kind_AEXPR_OP || e.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ANY || e.Kind == pg_query.A_Expr_Kind_AEXPR_IN) && op == "=":
			eq = appendNew(eq, col)
		case e.Kind == pg_query.A_Expr_Kind_AEXPR_OP && (op == "<" || op == "<=" || op == ">" || op == ">="),
			e.Kind == pg_query.A_Expr_Kind_AEXPR_BETWEEN:
			rng = appendNew(rng, col)
		case e.Kind == pg_query.A_Expr_Kind_AEXPR_LIKE && op == "~~" && !leadingWildcard(e.Rexpr):
			rng = appendNew(rng, col)
		}
	}
	cols := eq
	switch {
	case len(rng) > 0:
		cols = appendNew(cols, rng[0]) // a B-tree uses one range column, after the equalities
	default:
		for _, s := range order {
			if col := columnOf(s.GetSortBy().GetNode(), names); col != "" {
				cols = appendNew(cols, col)
			}
		}
	}
	if len(cols) == 0 {
		return ""
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = ident(c)
	}
	return fmt.Sprintf("CREATE INDEX CONCURRENTLY ON %s (%s);", qualifiedTable(st.Tree, table), strings.Join(quoted, ", "))
}

// qualifiedTable is table as the statement names it: with its schema
// when the statement gives one (app.t), so that the index is proposed on
// the table the query reads whatever the search_path.
func qualifiedTable(tree *pg_query.Node, table string) string {
	schema := ""
	analyzer.Walk(tree, func(n *pg_query.Node) {
		if rv := n.GetRangeVar(); rv != nil && rv.Relname == table && rv.Schemaname != "" && schema == "" {
			schema = rv.Schemaname
		}
	})
	if schema == "" {
		return ident(table)
	}
	return ident(schema) + "." + ident(table)
}

// ProveIndex asks the planner for st's plan with the proposed index in
// place: hypothetical (hypopg) when the extension is there, else really
// built inside a savepoint that is rolled back. It returns nil when the
// plan does not use the index or costs no less.
//
// The plan is re-taken the way before was: generic, or custom for set.
func ProveIndex(ctx context.Context, db DB, st *analyzer.Statement, create string, before *Plan, set *ParamSet, hypopg bool) (*IndexProof, error) {
	sp, err := db.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer sp.Rollback(context.WithoutCancel(ctx))
	def := strings.Replace(create, " CONCURRENTLY", "", 1) // neither form can build concurrently in a transaction
	proof := &IndexProof{Create: create, CostBefore: before.Root.TotalCost, How: "a real index in a rolled-back savepoint"}
	marker := "qreview_proof_idx"
	if hypopg {
		var name string
		if err := sp.QueryRow(ctx, "SELECT indexname FROM hypopg_create_index($1)", def).Scan(&name); err != nil {
			return nil, ServerError(err)
		}
		defer sp.Exec(context.WithoutCancel(ctx), "SELECT hypopg_reset()") // hypothetical indexes outlive a rollback
		marker, proof.How = name, "hypopg"
	} else if _, err := sp.Exec(ctx, strings.Replace(def, "CREATE INDEX ON", "CREATE INDEX "+marker+" ON", 1)); err != nil {
		return nil, ServerError(err)
	}
	after, err := replan(ctx, sp, st, set)
	if err != nil {
		return nil, err
	}
	uses := false
	after.Walk(func(n *Node, _ []*Node) { uses = uses || n.IndexName == marker })
	if !uses || after.Root.TotalCost >= before.Root.TotalCost {
		return nil, nil
	}
	proof.CostAfter, proof.After = after.Root.TotalCost, after
	return proof, nil
}

// replan plans st again: generic (set nil) or custom for set.
func replan(ctx context.Context, db DB, st *analyzer.Statement, set *ParamSet) (*Plan, error) {
	if set == nil {
		return Explain(ctx, db, st)
	}
	return withPrepared(ctx, db, st, func(p *Prepared) (*Plan, error) { return p.Custom(ctx, *set) })
}

// HasHypopg reports whether hypothetical indexes can be made here.
func HasHypopg(ctx context.Context, db DB) bool {
	var ok bool
	db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'hypopg')").Scan(&ok)
	return ok
}

func clauses(n *pg_query.Node) (where *pg_query.Node, order []*pg_query.Node) {
	switch {
	case n.GetSelectStmt() != nil:
		return n.GetSelectStmt().WhereClause, n.GetSelectStmt().SortClause
	case n.GetUpdateStmt() != nil:
		return n.GetUpdateStmt().WhereClause, nil
	case n.GetDeleteStmt() != nil:
		return n.GetDeleteStmt().WhereClause, nil
	}
	return nil, nil
}

func conjuncts(n *pg_query.Node) []*pg_query.Node {
	if b := n.GetBoolExpr(); b != nil && b.Boolop == pg_query.BoolExprType_AND_EXPR {
		var out []*pg_query.Node
		for _, arg := range b.Args {
			out = append(out, conjuncts(arg)...)
		}
		return out
	}
	if n == nil {
		return nil
	}
	return []*pg_query.Node{n}
}

// aliases are the names table goes by in the statement: its own and
// any alias.
func aliases(tree *pg_query.Node, table string) map[string]bool {
	names := map[string]bool{table: true}
	analyzer.Walk(tree, func(n *pg_query.Node) {
		if rv := n.GetRangeVar(); rv != nil && rv.Relname == table && rv.Alias != nil {
			names[rv.Alias.Aliasname] = true
		}
	})
	return names
}

// columnOf is the column a (possibly cast) column reference names, when
// it is unqualified or qualified by one of names.
func columnOf(n *pg_query.Node, names map[string]bool) string {
	if n == nil {
		return ""
	}
	if c := n.GetTypeCast(); c != nil {
		n = c.Arg
	}
	fields := n.GetColumnRef().GetFields()
	switch len(fields) {
	case 1:
		return fields[0].GetString_().GetSval()
	case 2:
		if names[fields[0].GetString_().GetSval()] {
			return fields[1].GetString_().GetSval()
		}
	}
	return ""
}

func leadingWildcard(n *pg_query.Node) bool {
	s := n.GetAConst().GetSval().GetSval()
	return s == "" || s[0] == '%' || s[0] == '_'
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// ident quotes a name only when it needs quotes, so that suggestions read
// as people write them.
func ident(name string) string {
	if plainIdent.MatchString(name) {
		return name
	}
	return pgx.Identifier{name}.Sanitize()
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
