package rules

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/explain"
)

var unusedIndex = &Rule{
	ID:       "unused-index",
	Severity: Notice,
	Summary:  "the change creates an index that no query of the repository uses",
	Doc: `An index costs write time on every INSERT and UPDATE, disk, and vacuum work. One
that the change creates and that no query of the repository uses on the seeded
database (after the change's migrations) may be for a query elsewhere, or not
needed at all: worth a look before it ships.

Fix: drop it from the change, or add the query it serves to the reviewed files.`,
	Check: func(in *Input, _ Options) []Finding {
		ix := in.Statement.Tree.GetIndexStmt()
		if ix == nil || in.Measured == nil || in.Plans == nil || ix.Relation == nil {
			return nil
		}
		name := ix.Idxname
		if name == "" {
			name = defaultIndexName(ix)
		}
		for _, p := range in.Plans {
			used := false
			p.Walk(func(n *explain.Node, _ []*explain.Node) { used = used || n.IndexName == name })
			if used {
				return nil
			}
		}
		return []Finding{{
			Message:  fmt.Sprintf("no query of the repository uses %s on %s", name, ix.Relation.Relname),
			Evidence: map[string]any{"index": name, "table": ix.Relation.Relname},
		}}
	},
}

// defaultIndexName is the name PostgreSQL gives an unnamed index,
// table_col1_col2_idx with "expr" for an expression, cut to 63 bytes
// (ChooseIndexName; the numbered names it picks on a clash are not
// followed).
func defaultIndexName(ix *pg_query.IndexStmt) string {
	parts := []string{ix.Relation.Relname}
	for _, p := range ix.IndexParams {
		if name := p.GetIndexElem().GetName(); name != "" {
			parts = append(parts, name)
		} else {
			parts = append(parts, "expr")
		}
	}
	name := strings.Join(parts, "_") + "_idx"
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}
