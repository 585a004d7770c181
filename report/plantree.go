package report

import "github.com/qreview/qreview/explain"

// PlanNode is one node of the judged plan, for reports that show the whole
// tree (the HTML report). Children hold child plans, InitPlans, SubPlans
// and CTE scans, as EXPLAIN nests them. The actual_* fields are there only
// when the plan ran under EXPLAIN ANALYZE; actual rows and time are per
// loop, as EXPLAIN gives them.
type PlanNode struct {
	NodeType           string      `json:"node_type"`
	Label              string      `json:"label"` // as EXPLAIN's text format names the node
	ParentRelationship string      `json:"parent_relationship,omitempty"`
	SubplanName        string      `json:"subplan_name,omitempty"`
	Relation           string      `json:"relation,omitempty"`
	Alias              string      `json:"alias,omitempty"`
	Index              string      `json:"index,omitempty"`
	JoinType           string      `json:"join_type,omitempty"`
	IndexCond          string      `json:"index_cond,omitempty"`
	Filter             string      `json:"filter,omitempty"`
	SortKey            []string    `json:"sort_key,omitempty"`
	StartupCost        float64     `json:"startup_cost"`
	TotalCost          float64     `json:"total_cost"`
	PlanRows           float64     `json:"plan_rows"`
	ActualRows         *float64    `json:"actual_rows,omitempty"`
	ActualLoops        *float64    `json:"actual_loops,omitempty"`
	ActualTotalMS      *float64    `json:"actual_total_ms,omitempty"`
	RowsRemoved        *float64    `json:"rows_removed_by_filter,omitempty"`
	Children           []*PlanNode `json:"children,omitempty"`
}

// planTree copies an explain node and its descendants.
func planTree(n *explain.Node, analyzed bool) *PlanNode {
	if n == nil {
		return nil
	}
	out := &PlanNode{
		NodeType: n.NodeType, Label: n.Label(), ParentRelationship: n.ParentRelationship, SubplanName: n.SubplanName,
		Relation: n.RelationName, Alias: n.Alias, Index: n.IndexName, JoinType: n.JoinType,
		IndexCond: n.IndexCond, Filter: n.Filter, SortKey: n.SortKey,
		StartupCost: n.StartupCost, TotalCost: n.TotalCost, PlanRows: n.PlanRows,
	}
	if out.Alias == out.Relation {
		out.Alias = "" // only an alias that says something
	}
	if analyzed {
		rows, loops, ms := n.ActualRows, n.ActualLoops, n.ActualTotalMS
		out.ActualRows, out.ActualLoops, out.ActualTotalMS = &rows, &loops, &ms
		if n.RowsRemovedByFilter > 0 {
			removed := n.RowsRemovedByFilter
			out.RowsRemoved = &removed
		}
	}
	for _, c := range n.Plans {
		out.Children = append(out.Children, planTree(c, analyzed))
	}
	return out
}
