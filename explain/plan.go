package explain

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Plan is one EXPLAIN (FORMAT JSON) result.
type Plan struct {
	Root        *Node           `json:"Plan"`
	PlanningMS  float64         `json:"Planning Time,omitempty"`
	ExecutionMS float64         `json:"Execution Time,omitempty"`
	Analyzed    bool            `json:"-"` // EXPLAIN ANALYZE: actual rows and times are filled
	Generic     bool            `json:"-"` // a generic plan for a parameterized statement
	JSON        json.RawMessage `json:"-"` // the server's text, kept for reports
}

// Node is a plan node with the fields the rules read. Field names follow
// EXPLAIN's JSON keys.
type Node struct {
	NodeType            string   `json:"Node Type"`
	ParallelAware       bool     `json:"Parallel Aware"`
	ParentRelationship  string   `json:"Parent Relationship,omitempty"`
	SubplanName         string   `json:"Subplan Name,omitempty"`
	RelationName        string   `json:"Relation Name,omitempty"`
	Schema              string   `json:"Schema,omitempty"`
	Alias               string   `json:"Alias,omitempty"`
	IndexName           string   `json:"Index Name,omitempty"`
	IndexCond           string   `json:"Index Cond,omitempty"`
	RecheckCond         string   `json:"Recheck Cond,omitempty"`
	Filter              string   `json:"Filter,omitempty"`
	JoinType            string   `json:"Join Type,omitempty"`
	Strategy            string   `json:"Strategy,omitempty"`
	PartialMode         string   `json:"Partial Mode,omitempty"`
	CTEName             string   `json:"CTE Name,omitempty"`
	SortKey             []string `json:"Sort Key,omitempty"`
	WorkersPlanned      int      `json:"Workers Planned,omitempty"`
	StartupCost         float64  `json:"Startup Cost"`
	TotalCost           float64  `json:"Total Cost"`
	PlanRows            float64  `json:"Plan Rows"`
	PlanWidth           int      `json:"Plan Width"`
	ActualRows          float64  `json:"Actual Rows,omitempty"`
	ActualLoops         float64  `json:"Actual Loops,omitempty"`
	ActualTotalMS       float64  `json:"Actual Total Time,omitempty"`
	RowsRemovedByFilter float64  `json:"Rows Removed by Filter,omitempty"`
	SortMethod          string   `json:"Sort Method,omitempty"`
	SortSpaceType       string   `json:"Sort Space Type,omitempty"`
	SortSpaceUsedKB     float64  `json:"Sort Space Used,omitempty"`
	ExactHeapBlocks     float64  `json:"Exact Heap Blocks,omitempty"`
	LossyHeapBlocks     float64  `json:"Lossy Heap Blocks,omitempty"`
	HashBatches         float64  `json:"Hash Batches,omitempty"`
	Plans               []*Node  `json:"Plans,omitempty"`
}

// ParsePlan reads the JSON EXPLAIN prints: a one-element array.
func ParsePlan(data []byte) (*Plan, error) {
	var plans []*Plan
	if err := json.Unmarshal(data, &plans); err != nil {
		return nil, fmt.Errorf("parse EXPLAIN JSON: %w", err)
	}
	if len(plans) != 1 || plans[0].Root == nil {
		return nil, fmt.Errorf("parse EXPLAIN JSON: want one plan, got %d", len(plans))
	}
	p := plans[0]
	p.JSON = append(json.RawMessage(nil), data...)
	p.Analyzed = p.ExecutionMS > 0 || p.Root.ActualLoops > 0 // only ANALYZE prints these
	return p, nil
}

// Walk visits every node depth first: children, InitPlans, SubPlans and
// CTE scans all sit in Plans. fn gets the chain of ancestors, root first.
func (p *Plan) Walk(fn func(n *Node, ancestors []*Node)) {
	var walk func(n *Node, ancestors []*Node)
	walk = func(n *Node, ancestors []*Node) {
		fn(n, ancestors)
		next := append(ancestors[:len(ancestors):len(ancestors)], n)
		for _, c := range n.Plans {
			walk(c, next)
		}
	}
	if p != nil && p.Root != nil {
		walk(p.Root, nil)
	}
}

// Nodes lists the nodes in walk order.
func (p *Plan) Nodes() []*Node {
	var nodes []*Node
	p.Walk(func(n *Node, _ []*Node) { nodes = append(nodes, n) })
	return nodes
}

// Is reports whether the node is of the given base type; a parallel-aware
// node counts as its base type ("Parallel Seq Scan" is a "Seq Scan").
func (n *Node) Is(nodeType string) bool { return n.NodeType == nodeType }

// Label names a node the way EXPLAIN's text format does:
// "Parallel Seq Scan on payments", "Index Scan using x on payments".
func (n *Node) Label() string {
	var b strings.Builder
	if n.ParallelAware {
		b.WriteString("Parallel ")
	}
	if n.PartialMode != "" && n.PartialMode != "Simple" {
		b.WriteString(n.PartialMode + " ") // "Finalize Aggregate", "Partial Aggregate"
	}
	b.WriteString(n.NodeType)
	if n.IndexName != "" {
		b.WriteString(" using " + n.IndexName)
	}
	if n.RelationName != "" {
		b.WriteString(" on " + n.RelationName)
	} else if n.CTEName != "" {
		b.WriteString(" on " + n.CTEName)
	}
	return b.String()
}

// ReturnedRows estimates the rows a node returns in all. A parallel-aware
// node's estimate is per process: the planner divided the total by its
// parallel divisor (workers plus the leader's share, 1 - 0.3 per worker,
// as in costsize.c's get_parallel_divisor), so multiply it back.
func ReturnedRows(n *Node, ancestors []*Node) float64 {
	if !n.ParallelAware {
		return n.PlanRows
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		if w := float64(ancestors[i].WorkersPlanned); w > 0 {
			return n.PlanRows * (w + max(0, 1-0.3*w))
		}
	}
	return n.PlanRows
}
