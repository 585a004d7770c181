package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var seqScanLargeTable = &Rule{
	ID:          "seq-scan-large-table",
	Severity:    Error,
	ProvesIndex: true,
	Summary:     "the plan reads a large table from end to end",
	Doc: `A Seq Scan reads every row of a table. On a table with more rows than min-rows
(default 100,000) that is slow, and it grows with the table: a query that took
milliseconds in development takes seconds in production, holds its connection
the whole time, and under load the pool runs dry. This is the payments outage.

The whole plan tree is searched (under Gather, Sort, Limit, joins, CTEs,
InitPlans and SubPlans); a Parallel Seq Scan counts.

Fix: add an index that serves the filter (CREATE INDEX CONCURRENTLY), or change
the query so that an existing index applies.

Example: SELECT * FROM payments WHERE status = 'pending' AND created_at < $1
on 1,000,000 payments with no index on status.`,
	Options: Options{"min-rows": 100_000},
	Check: func(in *Input, opts Options) []Finding {
		var out []Finding
		seen := map[string]bool{}
		in.Plan.Walk(func(n *explain.Node, ancestors []*explain.Node) {
			table, ok := in.Tables[n.RelationName]
			if !n.Is("Seq Scan") || !ok || table.Rows < opts["min-rows"] || seen[n.RelationName] {
				return
			}
			seen[n.RelationName] = true
			returned := explain.ReturnedRows(n, ancestors)
			f := Finding{
				Message: fmt.Sprintf("%s reads ~%s rows to return ~%s", n.Label(), format.Count(table.Rows), format.Count(returned)),
				Evidence: map[string]any{
					"table": n.RelationName, "estimated_rows": table.Rows, "returned_rows": returned,
					"node": n.Label(), "cost": n.TotalCost,
				},
			}
			if n.Filter != "" {
				f.Evidence["filter"] = n.Filter
				f.Suggestion = fmt.Sprintf("no index serves Filter: %s on %s; create one on the filtered columns (CREATE INDEX CONCURRENTLY …)", n.Filter, n.RelationName)
			}
			out = append(out, f)
		})
		return out
	},
}
