package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/rules"
)

// The HTML report is one file with its CSS and script inside, for a DBA to
// read on a laptop or on paper: no external assets, nothing fetched.
//
//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"count":  countOf,
	"ms":     formatMS,
	"plural": plural,
	"sql":    highlightSQL,
	"deref":  func(b *bool) bool { return b != nil && *b },
	"brief":  briefNodes,
	"short":  shortHash,
}).Parse(htmlSource))

// HTML writes the self-contained review report: the verdict, the database
// the plans were taken on, the findings, the change's timings and locks,
// then every statement with its SQL, findings and plan tree, and a
// sign-off section.
func HTML(w io.Writer, r *Result) error {
	return htmlTemplate.Execute(w, newHTMLPage(r))
}

// Plan nodes are marked expensive when they take at least this share of
// their plan (time under EXPLAIN ANALYZE, else cost), in a plan that is
// not trivial: a plan costing at least minExpensiveCost or measured at
// minExpensiveMS. Without the floor, the only node of a primary-key
// lookup would be "expensive".
const (
	expensiveShare   = 1.0 / 3
	minExpensiveCost = 1000
	minExpensiveMS   = 10
)

type htmlPage struct {
	Result     *Result
	Verdict    string        // PASS or FAIL
	Findings   []htmlFinding // errors first
	Flagged    []htmlStatement
	Others     []htmlStatement // statements with no finding, in source order
	Migrations []Statement     // statements of the change, as measured
	Baselined  []htmlFinding
	Approved   []htmlFinding // findings a DBA approved: not counted
	Approvals  []htmlApproval
}

// htmlApproval is an approval with the statements it covers.
type htmlApproval struct {
	Approval
	Where []htmlStatement
}

type htmlStatement struct {
	Statement
	Title    string
	Findings []htmlFinding
	Approved []htmlFinding // approved by a DBA: shown, not counted
	// Collapsed: a statement with no finding shows one line until opened
	// (and on paper, where everything is open).
	Collapsed bool
	Worst     string // the most severe finding's severity, "" with none
	Tree      *htmlNode
	// A parameterized query's plans (statements[].plans), in brief; the
	// tree above is the first one production runs.
	Plans     []PlanSummary
	MainPlan  string // the label of the plan the tree shows
	CacheNote string // the plan cache's choice, in one line
}

type htmlFinding struct {
	Finding
	Title   string // the statement's name or SQL excerpt
	Summary string // the rule's one-line summary
	URL     string
	Index   string // a suggested CREATE INDEX, when the finding proved one
	Before  string // cost before → after the suggested index
	After   string
	Proven  string // how the index was proven (hypopg, a rolled-back build)
	InPlan  string // the plan it was found in, when not the one the tree shows
}

// htmlNode is a plan node with what the tree shows about it.
type htmlNode struct {
	*PlanNode
	Children    []*htmlNode
	CostShare   float64 // of the plan, 0–100: the node's own cost, children's taken off
	TimeShare   float64 // the same for actual time; -1 without ANALYZE
	Expensive   bool
	Flags       []string // rules whose findings name this node
	Open        bool     // shown expanded: on the way to an expensive or flagged node
	Body        bool     // has conditions or children to show when expanded
	Misestimate string   // "×120 more than estimated", when off by 10× or more
}

func newHTMLPage(r *Result) *htmlPage {
	p := &htmlPage{Result: r, Verdict: strings.ToUpper(r.Verdict)}
	byID := statementsByID(r)
	perStatement := map[string][]htmlFinding{}
	for _, f := range bySeverity(r.Findings) {
		hf := newHTMLFinding(f, byID[f.Statement])
		p.Findings = append(p.Findings, hf)
		perStatement[f.Statement] = append(perStatement[f.Statement], hf)
	}
	for _, f := range r.Baselined {
		p.Baselined = append(p.Baselined, newHTMLFinding(f, byID[f.Statement]))
	}
	approved := map[string][]htmlFinding{}
	for _, f := range r.Approved {
		hf := newHTMLFinding(f, byID[f.Statement])
		p.Approved = append(p.Approved, hf)
		approved[f.Statement] = append(approved[f.Statement], hf)
	}
	for _, a := range r.Approvals {
		ha := htmlApproval{Approval: a}
		for _, id := range a.Statements {
			ha.Where = append(ha.Where, htmlStatement{Statement: byID[id], Title: statementTitle(byID[id])})
		}
		p.Approvals = append(p.Approvals, ha)
	}
	for _, s := range r.Statements {
		hs := htmlStatement{Statement: s, Title: statementTitle(s), Findings: perStatement[s.ID], Approved: approved[s.ID]}
		if len(hs.Findings) > 0 {
			hs.Worst = hs.Findings[0].Severity
		}
		if len(s.Plans) > 1 {
			hs.Plans = s.Plans
			for _, pl := range s.Plans {
				if pl.Runs != nil && *pl.Runs {
					hs.MainPlan = pl.Label
					break
				}
			}
			if s.PlanCache != nil {
				hs.CacheNote = s.PlanCache.Reason
			}
		}
		var onTree []htmlFinding // findings in the plan the tree shows
		for i, f := range hs.Findings {
			if f.Plan != "" && hs.MainPlan != "" && f.Plan != hs.MainPlan {
				hs.Findings[i].InPlan = f.Plan
				continue
			}
			onTree = append(onTree, f)
		}
		if s.Plan != nil && s.Plan.Tree != nil {
			hs.Tree = newPlanView(s.Plan, onTree)
		}
		if hs.Worst != "" {
			p.Flagged = append(p.Flagged, hs)
		} else {
			hs.Collapsed = true
			p.Others = append(p.Others, hs)
		}
		if s.Migration != nil {
			p.Migrations = append(p.Migrations, s)
		}
	}
	// The worst first; otherwise in the order of the source.
	sort.SliceStable(p.Flagged, func(i, j int) bool {
		return rules.Severity(p.Flagged[i].Worst).Rank() > rules.Severity(p.Flagged[j].Worst).Rank()
	})
	return p
}

func statementTitle(s Statement) string {
	if s.Name != "" {
		return s.Name
	}
	return excerpt(s.SQL, 60)
}

func newHTMLFinding(f Finding, st Statement) htmlFinding {
	hf := htmlFinding{Finding: f, Title: statementTitle(st), URL: RuleURL(f.Rule)}
	if rule := rules.Lookup(f.Rule); rule != nil {
		hf.Summary = rule.Summary
	}
	if ix, ok := f.Evidence["index"].(string); ok && strings.HasPrefix(strings.ToUpper(ix), "CREATE") {
		hf.Index = ix
		before, okB := f.Evidence["cost_before"].(float64)
		after, okA := f.Evidence["cost_after"].(float64)
		if okB && okA {
			hf.Before, hf.After = format.Count(before), format.Count(after)
		}
		hf.Proven, _ = f.Evidence["proven_with"].(string)
	}
	return hf
}

// newPlanView computes each node's share of the plan and what to mark and
// open. A node's own cost (or time) is its total less its children's, as
// plan visualisers count it; nested loops and parallel workers make that
// approximate, so shares are of the sum of the nodes' own parts and never
// exceed 100.
func newPlanView(p *PlanSummary, findings []htmlFinding) *htmlNode {
	flagged := map[string][]string{} // node label → rules
	for _, f := range findings {
		for _, key := range []string{"node", "outer", "costliest_node"} {
			if label, ok := f.Evidence[key].(string); ok {
				flagged[label] = append(flagged[label], f.Rule)
			}
		}
	}
	analyzed := p.Tree.ActualTotalMS != nil
	var view func(n *PlanNode) *htmlNode
	var costSum, timeSum float64
	view = func(n *PlanNode) *htmlNode {
		v := &htmlNode{PlanNode: n, Flags: flagged[n.Label], TimeShare: -1}
		childCost, childTime := 0.0, 0.0
		for _, c := range n.Children {
			cv := view(c)
			v.Children = append(v.Children, cv)
			childCost += c.TotalCost
			childTime += nodeTime(c)
		}
		v.CostShare = max(0, n.TotalCost-childCost) // own cost for now; a share below
		costSum += v.CostShare
		if analyzed {
			v.TimeShare = max(0, nodeTime(n)-childTime)
			timeSum += v.TimeShare
		}
		v.Body = len(v.Children) > 0 || n.IndexCond != "" || n.Filter != "" || len(n.SortKey) > 0 || n.RowsRemoved != nil || n.JoinType != ""
		v.Misestimate = misestimate(n)
		return v
	}
	root := view(p.Tree)
	nonTrivial := p.TotalCost >= minExpensiveCost || (p.ActualMS != nil && *p.ActualMS >= minExpensiveMS)
	var finish func(v *htmlNode) bool
	finish = func(v *htmlNode) bool {
		v.CostShare = share(v.CostShare, costSum)
		mark := v.CostShare
		if analyzed {
			v.TimeShare = share(v.TimeShare, timeSum)
			mark = v.TimeShare
		}
		v.Expensive = nonTrivial && mark >= expensiveShare*100
		v.Open = v.Expensive || len(v.Flags) > 0
		for _, c := range v.Children {
			if finish(c) {
				v.Open = true
			}
		}
		return v.Open
	}
	finish(root)
	return root
}

// nodeTime is the time a node took over all its loops.
func nodeTime(n *PlanNode) float64 {
	if n.ActualTotalMS == nil || n.ActualLoops == nil {
		return 0
	}
	return *n.ActualTotalMS * max(1, *n.ActualLoops)
}

func share(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return min(100, 100*part/whole)
}

// misestimate says how far the actual rows were from the estimate, when
// 10× or more: what makes the planner pick a bad plan.
func misestimate(n *PlanNode) string {
	if n.ActualRows == nil || n.ActualLoops == nil || *n.ActualLoops == 0 {
		return ""
	}
	est, act := max(n.PlanRows, 1), max(*n.ActualRows, 1)
	switch f := act / est; {
	case f >= 10:
		return fmt.Sprintf("%s× more rows than estimated", format.Count(f))
	case f <= 0.1:
		return fmt.Sprintf("%s× fewer rows than estimated", format.Count(1/f))
	}
	return ""
}

// Pct is a share for the bars' CSS width.
func (v *htmlNode) Pct(share float64) string {
	return strconv.FormatFloat(math.Round(share*10)/10, 'f', -1, 64)
}

// shortHash is "sha256:" and the first 12 hex digits: enough to tell
// profiles apart on screen and paper.
func shortHash(h string) string {
	if len(h) > len("sha256:")+12 {
		return h[:len("sha256:")+12] + "…"
	}
	return h
}

// briefNodes is a plan's nodes on one line, the first few of a big plan.
func briefNodes(nodes []string) string {
	const shown = 8
	if len(nodes) <= shown {
		return strings.Join(nodes, " → ")
	}
	return strings.Join(nodes[:shown], " → ") + fmt.Sprintf(" … (%d more)", len(nodes)-shown)
}

// Loops says how often a node ran, when more than once (actual rows
// and times are per loop).
func (v *htmlNode) Loops() string {
	if v.ActualLoops == nil || *v.ActualLoops <= 1 {
		return ""
	}
	return " ×" + format.Count(*v.ActualLoops) + " loops"
}

// countOf is format.Count for the numbers a template holds.
func countOf(n any) string {
	switch n := n.(type) {
	case float64:
		return format.Count(n)
	case *float64:
		if n != nil {
			return format.Count(*n)
		}
	case int64:
		return format.Count(float64(n))
	case int:
		return format.Count(float64(n))
	}
	return fmt.Sprint(n)
}

// formatMS writes milliseconds with the precision they deserve.
func formatMS(ms float64) string {
	switch {
	case ms >= 100:
		return format.Count(ms) + " ms"
	case ms >= 1:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 3, 64) + " ms"
}
