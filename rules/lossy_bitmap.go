package rules

import (
	"fmt"

	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

var lossyBitmap = &Rule{
	ID:       "lossy-bitmap",
	Severity: Warning,
	Summary:  "a Bitmap Heap Scan went lossy: work_mem could not hold the bitmap",
	Doc: `A bitmap scan keeps one bit per matching row while the bitmap fits in work_mem;
when it does not, it keeps one bit per page and must recheck every row of those
pages ("Lossy Heap Blocks"). The scan then reads and tests far more rows than
match. Seen only under EXPLAIN ANALYZE.

Fix: a more selective condition or index, or more work_mem for this query.`,
	Check: func(in *Input, _ Options) []Finding {
		var out []Finding
		in.Plan.Walk(func(n *explain.Node, _ []*explain.Node) {
			if n.Is("Bitmap Heap Scan") && n.LossyHeapBlocks > 0 {
				out = append(out, Finding{
					Message: fmt.Sprintf("%s went lossy: %s heap blocks (of %s) rechecked row by row",
						n.Label(), format.Count(n.LossyHeapBlocks), format.Count(n.LossyHeapBlocks+n.ExactHeapBlocks)),
					Evidence: map[string]any{"node": n.Label(), "lossy_blocks": n.LossyHeapBlocks, "exact_blocks": n.ExactHeapBlocks},
				})
			}
		})
		return out
	},
}
