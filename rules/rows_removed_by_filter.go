package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var rowsRemovedByFilter = &Rule{
	ID:       "rows-removed-by-filter",
	Severity: Warning,
	Summary:  "an index scan or join reads far more rows than it keeps: the index does not match the filter",
	Doc: `A node that reads rows and throws most of them away in its Filter does work
for nothing: an index scan whose index serves only part of the WHERE clause,
a join that filters after joining. The finding fires when the rows removed
are at least min-rows (default 10,000) and min-ratio (default 10) times the
rows kept. Seq Scans are left to seq-scan-large-table. Seen only under
EXPLAIN ANALYZE.

Fix: an index whose columns cover the filtered columns too (equality columns
first), or a partial index for a selective constant condition.

Example: Index Scan using payments_pkey (id < 500000) with Filter
(status = 'pending') keeps 4,999 rows of 500,000.`,
	Options: Options{"min-rows": 10_000, "min-ratio": 10},
	Check: func(in *Input, opts Options) []Finding {
		var out []Finding
		if in.Plan == nil || !in.Plan.Analyzed {
			return nil
		}
		in.Plan.Walk(func(n *explain.Node, _ []*explain.Node) {
			removed := n.RowsRemovedByFilter * max(n.ActualLoops, 1)
			kept := actualRows(n)
			if n.Is("Seq Scan") || removed < opts["min-rows"] || removed < opts["min-ratio"]*max(kept, 1) {
				return
			}
			out = append(out, Finding{
				Message: fmt.Sprintf("%s reads %s rows to keep %s: Filter %s removes %.0f%%",
					n.Label(), format.Count(removed+kept), format.Count(kept), n.Filter, 100*removed/(removed+kept)),
				Evidence: map[string]any{"node": n.Label(), "removed": removed, "kept": kept, "filter": n.Filter},
			})
		})
		return out
	},
}
