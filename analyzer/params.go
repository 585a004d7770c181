package analyzer

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/proto"
)

// UseKind is what a $n parameter does in its statement, which says what a
// representative value for it looks like.
type UseKind string

const (
	UseEqual   UseKind = "equal"   // col = $n, col IN ($n, …)
	UseAny     UseKind = "any"     // col = ANY($n): an array
	UseLess    UseKind = "less"    // col < $n, col <= $n, upper bound of BETWEEN
	UseGreater UseKind = "greater" // col > $n, col >= $n, lower bound of BETWEEN
	UseLike    UseKind = "like"    // col LIKE $n, ILIKE
	UseLimit   UseKind = "limit"   // LIMIT $n
	UseOffset  UseKind = "offset"  // OFFSET $n
	UseValue   UseKind = "value"   // INSERT … VALUES ($n), UPDATE … SET col = $n
	UseFlag    UseKind = "flag"    // ($n OR …): a boolean switch
	UseOther   UseKind = "other"   // anything else ($n = 0, f($n), …)
)

// NeedsType: a value for this use comes from the parameter's type when
// no column says more (LIMIT, OFFSET and flags have their own).
func (k UseKind) NeedsType() bool {
	return k != UseLimit && k != UseOffset && k != UseFlag
}

// ParamUse is the most telling use of one $n in a statement.
type ParamUse struct {
	N      int
	Kind   UseKind
	Column string   // the column it is compared with or assigned to; "" if none
	Tables []string // the tables that column may belong to (resolved alias first)
}

// rank orders uses: a comparison with a column says most about the value.
func (k UseKind) rank() int {
	switch k {
	case UseEqual, UseAny, UseLess, UseGreater, UseLike:
		return 4
	case UseValue:
		return 3
	case UseLimit, UseOffset:
		return 2
	case UseFlag:
		return 1
	}
	return 0
}

// ParamUses says, for $1 … $Params in order, what each is compared with
// or assigned to, from the parse tree.
func (s *Statement) ParamUses() []ParamUse {
	if s.paramUses == nil {
		s.paramUses = s.paramUsesFromTree()
	}
	return s.paramUses
}

func (s *Statement) paramUsesFromTree() []ParamUse {
	uses := make([]ParamUse, s.Params)
	for i := range uses {
		uses[i] = ParamUse{N: i + 1, Kind: UseOther}
	}
	if s.Params == 0 || s.Tree == nil {
		return uses
	}
	tables := tableNames(s.Tree)
	note := func(n int, kind UseKind, ref *pg_query.ColumnRef) {
		if n < 1 || n > len(uses) || kind.rank() <= uses[n-1].Kind.rank() {
			return
		}
		u := ParamUse{N: n, Kind: kind}
		if ref != nil {
			u.Column, u.Tables = resolveColumn(ref, tables)
		}
		uses[n-1] = u
	}
	Walk(s.Tree, func(node *pg_query.Node) {
		switch v := node.Node.(type) {
		case *pg_query.Node_AExpr:
			comparison(v.AExpr, note)
		case *pg_query.Node_SelectStmt:
			note(paramNumber(v.SelectStmt.LimitCount), UseLimit, nil)
			note(paramNumber(v.SelectStmt.LimitOffset), UseOffset, nil)
		case *pg_query.Node_BoolExpr:
			for _, arg := range v.BoolExpr.Args {
				note(paramNumber(arg), UseFlag, nil)
			}
		case *pg_query.Node_InsertStmt:
			insertValues(v.InsertStmt, note)
		case *pg_query.Node_UpdateStmt:
			for _, t := range v.UpdateStmt.TargetList {
				if rt := t.GetResTarget(); rt != nil {
					note(paramNumber(rt.Val), UseValue, columnRef(rt.Name))
				}
			}
		}
	})
	return uses
}

// comparison notes the parameters of one operator expression.
func comparison(e *pg_query.A_Expr, note func(int, UseKind, *pg_query.ColumnRef)) {
	op := ""
	if len(e.Name) == 1 {
		op = e.Name[0].GetString_().GetSval()
	}
	col, param, flipped := columnRefOf(e.Lexpr), e.Rexpr, false
	if col == nil {
		col, param, flipped = columnRefOf(e.Rexpr), e.Lexpr, true
	}
	if col == nil {
		return
	}
	switch e.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		switch op {
		case "=", "<>", "!=":
			note(paramNumber(param), UseEqual, col)
		case "<", "<=", ">", ">=":
			// col < $n bounds col from above; $n < col from below.
			if (op[0] == '<') != flipped {
				note(paramNumber(param), UseLess, col)
			} else {
				note(paramNumber(param), UseGreater, col)
			}
		case "~~", "~~*":
			note(paramNumber(param), UseLike, col)
		}
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		note(paramNumber(param), UseLike, col)
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY:
		note(paramNumber(param), UseAny, col)
	case pg_query.A_Expr_Kind_AEXPR_IN:
		for _, item := range param.GetList().GetItems() {
			note(paramNumber(item), UseEqual, col)
		}
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		if bounds := param.GetList().GetItems(); len(bounds) == 2 && !flipped {
			note(paramNumber(bounds[0]), UseGreater, col)
			note(paramNumber(bounds[1]), UseLess, col)
		}
	}
}

// insertValues notes the parameters of INSERT … VALUES by target column.
func insertValues(ins *pg_query.InsertStmt, note func(int, UseKind, *pg_query.ColumnRef)) {
	sel := ins.SelectStmt.GetSelectStmt()
	if sel == nil {
		return
	}
	for _, row := range sel.ValuesLists {
		for i, v := range row.GetList().GetItems() {
			var ref *pg_query.ColumnRef
			if i < len(ins.Cols) {
				ref = columnRef(ins.Relation.GetRelname(), ins.Cols[i].GetResTarget().GetName())
			}
			note(paramNumber(v), UseValue, ref)
		}
	}
}

// paramNumber is n for $n, seen through casts ($1::bigint); 0 otherwise.
func paramNumber(n *pg_query.Node) int {
	if c := n.GetTypeCast(); c != nil {
		return paramNumber(c.Arg)
	}
	if p := n.GetParamRef(); p != nil {
		return int(p.Number)
	}
	return 0
}

// columnRefOf is the column a side of a comparison names, through casts.
func columnRefOf(n *pg_query.Node) *pg_query.ColumnRef {
	if c := n.GetTypeCast(); c != nil {
		return columnRefOf(c.Arg)
	}
	return n.GetColumnRef()
}

func columnRef(names ...string) *pg_query.ColumnRef {
	ref := &pg_query.ColumnRef{}
	for _, name := range names {
		if name != "" {
			ref.Fields = append(ref.Fields, pg_query.MakeStrNode(name))
		}
	}
	return ref
}

// tableNames maps every name a table goes by in the statement (alias or
// table name) to the table.
func tableNames(tree *pg_query.Node) map[string]string {
	names := map[string]string{}
	// UPDATE's and INSERT's target is a bare RangeVar, not a Node: walk
	// the messages.
	walkMessage(tree.ProtoReflect(), func(m proto.Message) {
		if rv, ok := m.(*pg_query.RangeVar); ok {
			names[rv.Relname] = rv.Relname
			if a := rv.GetAlias().GetAliasname(); a != "" {
				names[a] = rv.Relname
			}
		}
	})
	return names
}

// resolveColumn names the column and the tables it may belong to: the
// one its qualifier names, else every table of the statement.
func resolveColumn(ref *pg_query.ColumnRef, tables map[string]string) (string, []string) {
	var parts []string
	for _, f := range ref.Fields {
		if f.GetAStar() != nil {
			return "", nil
		}
		parts = append(parts, f.GetString_().GetSval())
	}
	if len(parts) == 0 {
		return "", nil
	}
	column := parts[len(parts)-1]
	if len(parts) > 1 {
		q := parts[len(parts)-2]
		if t, ok := tables[q]; ok {
			return column, []string{t}
		}
		return column, []string{q}
	}
	seen := map[string]bool{}
	var candidates []string
	for _, t := range tables {
		if !seen[t] {
			seen[t] = true
			candidates = append(candidates, t)
		}
	}
	sort.Strings(candidates)
	return column, candidates
}

// OptionalFilters finds the optional-filter patterns whose generic plan
// cannot use an index: an OR or a CASE branch that tests only parameters
// (($1 = 0 OR status = $1), ($2 OR id = ANY($1)), CASE WHEN $1 > 0 THEN
// … END). A custom plan folds them away; the generic plan must keep
// every branch. It returns their SQL.
func (s *Statement) OptionalFilters() []string {
	var out []string
	Walk(s.Tree, func(n *pg_query.Node) {
		switch v := n.Node.(type) {
		case *pg_query.Node_BoolExpr:
			if v.BoolExpr.Boolop != pg_query.BoolExprType_OR_EXPR {
				return
			}
			for _, arg := range v.BoolExpr.Args {
				if parametersOnly(arg) {
					out = append(out, "("+deparseExpr(n)+")")
					return
				}
			}
		case *pg_query.Node_CaseExpr:
			for _, w := range v.CaseExpr.Args {
				if parametersOnly(w.GetCaseWhen().GetExpr()) {
					out = append(out, deparseExpr(n))
					return
				}
			}
		}
	})
	return out
}

// parametersOnly: the expression reads parameters and no column.
func parametersOnly(n *pg_query.Node) bool {
	params, columns := false, false
	Walk(n, func(x *pg_query.Node) {
		switch x.Node.(type) {
		case *pg_query.Node_ParamRef:
			params = true
		case *pg_query.Node_ColumnRef, *pg_query.Node_SubLink:
			columns = true
		}
	})
	return params && !columns
}

// deparseExpr prints an expression as SQL.
func deparseExpr(n *pg_query.Node) string {
	sel := &pg_query.SelectStmt{TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithVal(n, 0)}}
	out, err := pg_query.Deparse(&pg_query.ParseResult{Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}}}}})
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(out, "SELECT ")
}

var pinnedDirective = regexp.MustCompile(`^qreview:params\b(.*)$`)
var pinnedValue = regexp.MustCompile(`^\s*(\$\d+|@[A-Za-z_][A-Za-z0-9_$]*)\s*=\s*('(?:[^']|'')*'|[^\s']+)`)

// PinnedParams reads "-- qreview:params $1=42 @status='pending'" above
// the statement: parameter number → value (nil for NULL). A parameter is
// named by number ($1) or, when the query names it (@id, sqlc.arg(id)),
// by name (@id). Quoted values are SQL string literals (” is a quote);
// bare ones are taken as written.
func (s *Statement) PinnedParams() (map[int]*string, error) {
	out := map[int]*string{}
	for _, c := range s.Comments {
		m := pinnedDirective.FindStringSubmatch(c.Text)
		if m == nil {
			continue
		}
		rest := m[1]
		for strings.TrimSpace(rest) != "" {
			v := pinnedValue.FindStringSubmatch(rest)
			if v == nil {
				return nil, fmt.Errorf("%s:%d: qreview:params: cannot read %q: write $1=42 $2='some text' (or @name=42)", s.File, c.Line, strings.TrimSpace(rest))
			}
			rest = rest[len(v[0]):]
			n, err := s.ParamNumber(v[1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: qreview:params: %w", s.File, c.Line, err)
			}
			out[n] = literalValue(v[2])
		}
	}
	return out, nil
}

// ParamNumber is the n of the parameter key names: "$2", or a name the
// statement gives one ("@id" or "id"). A key that names none is an error
// that lists what the statement has.
func (s *Statement) ParamNumber(key string) (int, error) {
	if num, ok := strings.CutPrefix(key, "$"); ok {
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > s.Params {
			return 0, fmt.Errorf("the statement has no %s (it uses %s)", key, s.paramList())
		}
		return n, nil
	}
	name := strings.TrimPrefix(key, "@")
	for i, have := range s.ParamNames {
		if have != "" && have == name {
			return i + 1, nil
		}
	}
	for i, have := range s.ParamNames {
		if strings.EqualFold(have, name) {
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("the statement has no parameter named %s (it uses %s)", name, s.paramList())
}

// paramList says which parameters the statement has: "$1 (@id), $2".
func (s *Statement) paramList() string {
	if s.Params == 0 {
		return "no parameters"
	}
	var parts []string
	for n := 1; n <= s.Params; n++ {
		parts = append(parts, s.ParamLabel(n))
	}
	return strings.Join(parts, ", ")
}

// ParamLabel names $n for messages: "$1 (@id)" when the query names it,
// else "$1".
func (s *Statement) ParamLabel(n int) string {
	label := "$" + strconv.Itoa(n)
	if n >= 1 && n <= len(s.ParamNames) && s.ParamNames[n-1] != "" {
		label += " (@" + s.ParamNames[n-1] + ")"
	}
	return label
}

// literalValue unquotes a pinned value: 'it”s' is it's, NULL is nil.
func literalValue(s string) *string {
	if strings.EqualFold(s, "null") {
		return nil
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return &s
}

// RangeEntries counts the entries the planner's range table will hold
// for the statement: each table reference (UPDATE's and INSERT's target
// included), subquery and function in FROM, and join.
func RangeEntries(tree *pg_query.Node) int {
	n := 0
	if tree == nil {
		return 0
	}
	walkMessage(tree.ProtoReflect(), func(m proto.Message) {
		switch m.(type) {
		case *pg_query.RangeVar, *pg_query.RangeSubselect, *pg_query.RangeFunction, *pg_query.JoinExpr:
			n++
		}
	})
	return n
}
