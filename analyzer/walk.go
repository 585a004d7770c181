package analyzer

import (
	pg_query "github.com/pganalyze/pg_query_go/v5"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Walk calls fn for every Node in the parse tree below and including n,
// depth first. The tree is protobuf, so reflection reaches every field
// without a hand-written case per node type.
func Walk(n *pg_query.Node, fn func(*pg_query.Node)) {
	if n == nil {
		return
	}
	walkMessage(n.ProtoReflect(), fn)
}

func walkMessage(m protoreflect.Message, fn func(*pg_query.Node)) {
	if node, ok := m.Interface().(*pg_query.Node); ok {
		fn(node)
	}
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
