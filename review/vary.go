package review

import (
	"sort"

	"github.com/qreview/qreview/analyzer"
)

// indexedByChange lists the columns ("table.column") the change's
// migrations index. Seeding runs before the change, so it cannot see those
// indexes: without being told, it would give a column with a constant
// default one value in every row, and the index the change adds would
// look useless (seed.Options.Vary).
func indexedByChange(migrations []*analyzer.Migration) []string {
	seen := map[string]bool{}
	for _, st := range statementsOf(migrations) {
		idx := st.Tree.GetIndexStmt()
		if idx == nil || idx.Relation == nil {
			continue
		}
		for _, p := range idx.IndexParams {
			if name := p.GetIndexElem().GetName(); name != "" {
				seen[idx.Relation.Relname+"."+name] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
