package rules

import "github.com/qreview/qreview/explain"

// actualRows is what a node returned in all its loops (EXPLAIN ANALYZE
// gives rows per loop).
func actualRows(n *explain.Node) float64 {
	return n.ActualRows * max(n.ActualLoops, 1)
}

// rowsOut is what a node returns: measured when the plan was analyzed,
// else estimated.
func rowsOut(p *explain.Plan, n *explain.Node, ancestors []*explain.Node) float64 {
	if p.Analyzed {
		return actualRows(n)
	}
	return explain.ReturnedRows(n, ancestors)
}
