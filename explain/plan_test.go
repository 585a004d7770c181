package explain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LoadRecordedPlan reads a plan recorded from a real PostgreSQL 15 with
// EXPLAIN (FORMAT JSON) into testdata/plans.
func loadPlan(t *testing.T, name string) *Plan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/plans", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWalkReachesEveryNode(t *testing.T) {
	tests := []struct {
		plan  string
		nodes string
	}{
		{"parallel_seq_scan_under_limit", "Limit, Gather Merge, Sort, Parallel Seq Scan on payments"},
		{"index_scan", "Index Scan using payments_pkey on payments"},
		{"seq_scan_in_subplan", "Seq Scan on currencies, Aggregate, Seq Scan on payments"},
		{"seq_scan_in_cte", "Aggregate, Gather, Parallel Seq Scan on payments, CTE Scan on pending"},
		{"seq_scan_in_initplan", "Index Scan using payments_pkey on payments, Aggregate, Gather, Parallel Seq Scan on payments"},
	}
	for _, tt := range tests {
		var labels []string
		for _, n := range loadPlan(t, tt.plan).Nodes() {
			labels = append(labels, n.Label())
		}
		if got := strings.Join(labels, ", "); got != tt.nodes {
			t.Errorf("%s: nodes %q, want %q", tt.plan, got, tt.nodes)
		}
	}
}

func TestParallelNodeCountsAsItsBaseTypeAndAllProcesses(t *testing.T) {
	p := loadPlan(t, "parallel_seq_scan_under_limit")
	var scan *Node
	var above []*Node
	p.Walk(func(n *Node, ancestors []*Node) {
		if n.RelationName == "payments" {
			scan, above = n, ancestors
		}
	})
	if scan == nil || !scan.Is("Seq Scan") || !scan.ParallelAware {
		t.Fatalf("no parallel Seq Scan on payments in %+v", p.Root)
	}
	gather := above[len(above)-2] // Limit → Gather Merge → Sort → scan
	if gather.WorkersPlanned != 2 {
		t.Fatalf("Gather Merge plans %d workers, want the recorded 2", gather.WorkersPlanned)
	}
	// 2 workers and a leader doing 1 - 0.6 of a worker's share: 2.4.
	if got, want := ReturnedRows(scan, above), scan.PlanRows*2.4; got != want {
		t.Errorf("ReturnedRows %g, want %g (per-process estimate × 2.4)", got, want)
	}
	// The recorded query returns ~1% of 1,000,000 rows.
	if got := ReturnedRows(scan, above); got < 9_000 || got > 11_000 {
		t.Errorf("ReturnedRows %g, want about 10,000", got)
	}
}

func TestParsePlanRejectsWhatIsNotAPlan(t *testing.T) {
	for _, bad := range []string{``, `{}`, `[]`, `[{"Plan": null}]`, `[{"Plan": {}}, {"Plan": {}}]`} {
		if _, err := ParsePlan([]byte(bad)); err == nil {
			t.Errorf("ParsePlan(%q) succeeded", bad)
		}
	}
}
