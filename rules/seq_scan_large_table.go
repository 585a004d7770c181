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

A Seq Scan under a Limit stops once the Limit has its rows, when nothing
between them needs every row first (only Gather, Result or Subquery Scan may
sit between; a Sort, an Aggregate or a join reads its input whole). Such a scan
is reported when the rows it reads reach min-rows. Without a Filter it reads
what the Limit takes, OFFSET plus LIMIT (for LIMIT $n the planner assumes 10%
of the rows): SELECT * FROM pilots LIMIT 5 reads 5 rows and is not reported.
With a Filter the planner expects to keep at least selective-filter of the
rows (default 0.1: 10%), it reads about LIMIT divided by that share (WHERE
status = 'active' LIMIT 5, a third of the rows, reads ~15). With a Filter the
planner expects to keep less (rows removed outnumber rows returned more than
nine to one at the default), the scan is taken to read the whole table: the
estimate assumes the few matches are spread evenly, but a rare value, an absent
one, or matching rows that sit at the end of the table (the newest, often the
ones asked for) make it read all of it. The planner's default guesses count
too: lower(email) = $1 is estimated to keep 0.5%. Under EXPLAIN ANALYZE the
rows the scan really read (returned plus removed by the Filter) count when they
are more: the seeded data may hold no match where the planner expected some.

Fix: add an index that serves the filter (CREATE INDEX CONCURRENTLY), or change
the query so that an existing index applies.

Example: SELECT * FROM payments WHERE status = 'pending' AND created_at < $1
on 1,000,000 payments with no index on status.`,
	Options: Options{"min-rows": 100_000, "selective-filter": 0.1},
	Check: func(in *Input, opts Options) []Finding {
		var out []Finding
		seen := map[string]bool{}
		in.Plan.Walk(func(n *explain.Node, ancestors []*explain.Node) {
			table, ok := in.Tables[n.RelationName]
			if !n.Is("Seq Scan") || !ok || table.Rows < opts["min-rows"] || seen[n.RelationName] {
				return
			}
			read, returned := scanRowsRead(in.Plan, n, ancestors, table.Rows, opts["selective-filter"])
			if read < opts["min-rows"] {
				return
			}
			seen[n.RelationName] = true
			f := Finding{
				Message: fmt.Sprintf("%s reads ~%s rows to return ~%s", n.Label(), format.Count(read), format.Count(returned)),
				Evidence: map[string]any{
					"table": n.RelationName, "estimated_rows": table.Rows, "read_rows": read, "returned_rows": returned,
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

// scanRowsRead is how many rows of a table of tableRows a Seq Scan reads,
// and how many of them it returns: all of them, unless a Limit stops it
// early (limitedShare) and any Filter keeps at least the selective share
// of the rows. Under ANALYZE a limited scan counts what it really read
// when that is more.
func scanRowsRead(p *explain.Plan, n *explain.Node, ancestors []*explain.Node, tableRows, selective float64) (read, returned float64) {
	returned = explain.ReturnedRows(n, ancestors)
	share, limited := limitedShare(n, ancestors)
	if !limited || n.Filter != "" && returned < selective*tableRows {
		return tableRows, returned
	}
	read, returned = share*tableRows, share*returned
	if actual := (n.ActualRows + n.RowsRemovedByFilter) * max(n.ActualLoops, 1); p.Analyzed && actual > read {
		// Rows Removed by Filter is, like Actual Rows, per loop.
		read, returned = actual, actualRows(n)
	}
	return min(read, tableRows), returned
}

// limitedShare is the share of a scan the planner expects to run before
// the nearest Limit above it has its rows, when only nodes that pass rows
// on as they come sit between them. The Limit's own cost says it: its
// total cost is its input's startup cost plus (OFFSET + LIMIT) / input rows
// of the input's run cost (costsize.c, adjust_limit_rows_costs).
func limitedShare(n *explain.Node, ancestors []*explain.Node) (share float64, limited bool) {
	child := n
	for i := len(ancestors) - 1; i >= 0; i-- {
		a := ancestors[i]
		if child.ParentRelationship != "Outer" && child.ParentRelationship != "Subquery" {
			return 1, false // an InitPlan or SubPlan runs to its end
		}
		switch {
		case a.Is("Limit"):
			run := child.TotalCost - child.StartupCost
			if run <= 0 {
				return 1, false
			}
			return min(1, max(0, a.TotalCost-child.StartupCost)/run), true
		case a.Is("Gather"), a.Is("Result"), a.Is("Subquery Scan"):
			child = a
		default:
			return 1, false
		}
	}
	return 1, false
}
