package analyzer

import (
	"sort"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Walk calls fn for every Node in the parse tree below and including n,
// depth first. The tree is protobuf, so reflection reaches every field
// without a hand-written case per node type.
func Walk(n *pg_query.Node, fn func(*pg_query.Node)) {
	if n == nil {
		return
	}
	walkMessage(n.ProtoReflect(), func(m proto.Message) {
		if node, ok := m.(*pg_query.Node); ok {
			fn(node)
		}
	})
}

// Relations lists, sorted, the relation names a statement mentions
// wherever they sit: FROM clauses, DDL targets, foreign key references
// (and the names of CTEs it reads, which look the same to the parser).
func Relations(n *pg_query.Node) []string {
	var names []string
	seen := map[string]bool{}
	if n == nil {
		return nil
	}
	walkMessage(n.ProtoReflect(), func(m proto.Message) {
		if rv, ok := m.(*pg_query.RangeVar); ok && !seen[rv.Relname] {
			seen[rv.Relname] = true
			names = append(names, rv.Relname)
		}
	})
	sort.Strings(names)
	return names
}

// walkMessage calls fn for every message in the tree, depth first.
func walkMessage(m protoreflect.Message, fn func(proto.Message)) {
	fn(m.Interface())
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap() || fd.Message() == nil:
		case fd.IsList():
			list := v.List()
			for i := 0; i < list.Len(); i++ {
				walkMessage(list.Get(i).Message(), fn)
			}
		default:
			walkMessage(v.Message(), fn)
		}
		return true
	})
}

// maxParam is the highest $n used in the tree: the number of values a
// PREPAREd statement needs.
func maxParam(n *pg_query.Node) int {
	highest := 0
	Walk(n, func(n *pg_query.Node) {
		if p := n.GetParamRef(); p != nil && int(p.Number) > highest {
			highest = int(p.Number)
		}
	})
	return highest
}
