package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var fullIndexScan = &Rule{
	ID:          "full-index-scan",
	Severity:    Error,
	ProvesIndex: true,
	Summary:     "an index is walked from end to end: an Index Scan with no Index Cond",
	Doc: `An Index Scan or Index Only Scan with no Index Cond walks the whole index, in
index order, and tests every row against its Filter. It is a Seq Scan in
disguise, and slower: the planner picks it to avoid a sort (ORDER BY id LIMIT
n) and bets that matching rows come early. When they do not (a rare value, a
filter no index serves) the query reads the whole table one random page at a
time. No "Seq Scan" appears in the plan, so the seq-scan rule does not see it.

Flagged when the table has at least min-rows rows (default 100,000) and the
rows the walk examines reach min-rows: under EXPLAIN ANALYZE the rows returned
plus those removed by the filter; otherwise the planner's own bet, the table's
rows times the share a LIMIT above it needs.

Fix: an index that serves the filter and the order together, e.g. for
WHERE status = $1 ORDER BY id LIMIT 20, CREATE INDEX CONCURRENTLY ON t
(status, id).`,
	Options: Options{"min-rows": 100_000},
	Check: func(in *Input, opts Options) []Finding {
		var out []Finding
		in.Plan.Walk(func(n *explain.Node, ancestors []*explain.Node) {
			table, ok := in.Tables[n.RelationName]
			if !(n.Is("Index Scan") || n.Is("Index Only Scan")) || n.IndexCond != "" || !ok || table.Rows < opts["min-rows"] {
				return
			}
			if n.Filter == "" {
				return // it returns what it reads: an unbounded read or an OFFSET, not a hidden scan
			}
			examined := examinedRows(in.Plan, n, ancestors, table.Rows)
			if examined < opts["min-rows"] {
				return
			}
			returned := rowsOut(in.Plan, n, ancestors)
			f := Finding{
				Message: fmt.Sprintf("%s has no Index Cond: it walks the index and examines ~%s of %s rows to return ~%s",
					n.Label(), format.Count(examined), format.Count(table.Rows), format.Count(returned)),
				Evidence: map[string]any{
					"table": n.RelationName, "index": n.IndexName, "estimated_rows": table.Rows,
					"examined_rows": examined, "returned_rows": returned, "node": n.Label(), "cost": n.TotalCost,
				},
			}
			if n.Filter != "" {
				f.Evidence["filter"] = n.Filter
			}
			out = append(out, f)
		})
		return out
	},
}

// examinedRows is how many rows an index walk with no Index Cond reads:
// measured (returned plus filtered out), or the planner's bet: the whole
// table, or, under a Limit, the share of it the Limit needs.
func examinedRows(p *explain.Plan, n *explain.Node, ancestors []*explain.Node, tableRows float64) float64 {
	if p.Analyzed {
		return actualRows(n) + n.RowsRemovedByFilter*max(n.ActualLoops, 1)
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		if ancestors[i].Is("Limit") && n.PlanRows > 0 {
			return min(tableRows, tableRows*ancestors[i].PlanRows/explain.ReturnedRows(n, ancestors))
		}
	}
	return tableRows
}
