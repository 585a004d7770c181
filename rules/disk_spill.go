package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var diskSpill = &Rule{
	ID:       "disk-spill",
	Severity: Warning,
	Summary:  "a sort or hash did not fit in work_mem and spilled to disk",
	Doc: `When a Sort or a Hash needs more memory than work_mem, PostgreSQL writes it to
temporary files: an external merge sort, or a hash split into batches. That
is many times slower, and it gets worse with every row the table gains. Seen
only under EXPLAIN ANALYZE (config analyze: select or all).

Fix: sort or hash fewer rows (filter first, LIMIT with an index that gives the
order), or raise work_mem for this query (SET LOCAL work_mem) if the memory
is there: work_mem is per node and per connection.`,
	Check: func(in *Input, _ Options) []Finding {
		var out []Finding
		in.Plan.Walk(func(n *explain.Node, _ []*explain.Node) {
			switch {
			case n.Is("Sort") && n.SortSpaceType == "Disk":
				out = append(out, Finding{
					Message:  fmt.Sprintf("Sort spilled %s kB to disk (%s) sorting %s rows", format.Count(n.SortSpaceUsedKB), n.SortMethod, format.Count(actualRows(n))),
					Evidence: map[string]any{"node": n.Label(), "disk_kb": n.SortSpaceUsedKB, "method": n.SortMethod},
				})
			case n.Is("Hash") && n.HashBatches > 1:
				out = append(out, Finding{
					Message:  fmt.Sprintf("Hash of %s rows split into %s batches on disk", format.Count(actualRows(n)), format.Count(n.HashBatches)),
					Evidence: map[string]any{"node": n.Label(), "batches": n.HashBatches},
				})
			}
		})
		return out
	},
}
