package explain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/qreview/qreview/internal/format"
)

// Thresholds say when a plan change matters.
type Thresholds struct {
	MinRows float64 // a scan of a table this large counts
	Factor  float64 // a cost rise (or fall) by this factor counts
	MinCost float64 // plans cheaper than this are not judged by cost
}

// PlanChange is how a query's plan changed from before to after.
type PlanChange struct {
	Worse, Better bool
	Reason        string
}

// access is how a plan reads a table at its worst: "scan" (Seq Scan, or
// an index walked whole: no Index Cond) or "index" (an index lookup).
type access struct {
	kind, node string
}

// reads maps each table to how the plan reads it, the scan winning over
// an index when both occur.
func reads(p *Plan) map[string]access {
	out := map[string]access{}
	p.Walk(func(n *Node, _ []*Node) {
		if n.RelationName == "" {
			return
		}
		kind := ""
		switch {
		case n.Is("Seq Scan"), (n.Is("Index Scan") || n.Is("Index Only Scan")) && n.IndexCond == "":
			kind = "scan"
		case n.IndexName != "", n.Is("Bitmap Heap Scan"):
			kind = "index"
		default:
			return
		}
		label := n.Label()
		for _, c := range n.Plans { // a Bitmap Heap Scan's index is its child's
			if c.Is("Bitmap Index Scan") {
				label += " using " + c.IndexName
			}
		}
		if cur, ok := out[n.RelationName]; !ok || (cur.kind == "index" && kind == "scan") {
			out[n.RelationName] = access{kind: kind, node: label}
		}
	})
	return out
}

func indexesUsed(p *Plan) map[string]bool {
	used := map[string]bool{}
	p.Walk(func(n *Node, _ []*Node) {
		if n.IndexName != "" {
			used[n.IndexName] = true
		}
		for _, c := range n.Plans { // a Bitmap Heap Scan's index is its child's
			if c.Is("Bitmap Index Scan") && c.IndexName != "" {
				used[c.IndexName] = true
			}
		}
	})
	return used
}

// ComparePlans judges after against before: a large table now scanned
// where an index served, an index the query used now gone, or the cost up
// by Factor is worse; the reverse is better.
func ComparePlans(before, after *Plan, tables map[string]Table, t Thresholds) PlanChange {
	rb, ra := reads(before), reads(after)
	var worse, better []string
	for _, table := range sortedTables(ra) {
		a, b := ra[table], rb[table]
		if tables[table].Rows < t.MinRows {
			continue
		}
		switch {
		case a.kind == "scan" && b.kind == "index":
			worse = append(worse, fmt.Sprintf("%s where %s was used", a.node, b.node))
		case a.kind == "index" && b.kind == "scan":
			better = append(better, fmt.Sprintf("%s → %s", b.node, a.node))
		}
	}
	usedAfter := indexesUsed(after)
	for index := range indexesUsed(before) {
		if !usedAfter[index] && !indexExists(tables, index) && after.Root.TotalCost > before.Root.TotalCost {
			worse = append(worse, fmt.Sprintf("index %s, which the query used, is gone", index))
		}
	}
	cb, ca := before.Root.TotalCost, after.Root.TotalCost
	costs := fmt.Sprintf("cost %s → %s", format.Count(cb), format.Count(ca))
	switch {
	case ca >= t.MinCost && ca > t.Factor*cb:
		worse = append(worse, costs)
	case len(worse) == 0 && cb >= t.MinCost && cb > t.Factor*ca:
		better = append(better, costs)
	}
	if len(worse) > 0 {
		return PlanChange{Worse: true, Reason: strings.Join(appendCost(worse, costs), "; ")}
	}
	if len(better) > 0 {
		return PlanChange{Better: true, Reason: strings.Join(appendCost(better, costs), "; ")}
	}
	return PlanChange{}
}

func appendCost(reasons []string, costs string) []string {
	for _, r := range reasons {
		if strings.HasPrefix(r, "cost ") {
			return reasons
		}
	}
	return append(reasons, costs)
}

func indexExists(tables map[string]Table, name string) bool {
	for _, t := range tables {
		for _, ix := range t.Indexes {
			if ix.Name == name {
				return true
			}
		}
	}
	return false
}

func sortedTables(m map[string]access) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
