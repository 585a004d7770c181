package postmortem

import (
	"strings"
	"testing"
)

// A draft from the review of the payments example: it parses, holds the
// query with its plan and the verified index, and once saved it links the
// same finding in the next review.
func TestDraftFromTheReview(t *testing.T) {
	res := paymentsResult(t)
	inFile := func(file string) bool { return file == "testdata/payments/queries/payments.sql" }
	d, err := Draft(res, inFile, "PM-2025-12-20", "2025-12-20", "Retry worker outage")
	if err != nil {
		t.Fatal(err)
	}
	data, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse("PM-2025-12-20.md", data)
	if err != nil {
		t.Fatalf("the draft does not parse: %v\n%s", err, data)
	}
	if len(r.Queries) != 1 {
		t.Fatalf("queries %+v, want the one flagged statement of the file", r.Queries)
	}
	q := r.Queries[0]
	if q.Name != "ListPendingPayments" || q.Fingerprint != "c9f8db4c1eb0baa5" || strings.Join(q.Tables, ",") != "payments" ||
		strings.Join(q.Rules, ",") != "seq-scan-large-table" || !strings.Contains(q.SQL, "WHERE status = 'pending'") ||
		!strings.HasPrefix(q.Plan, "Limit → Gather Merge → Sort → Parallel Seq Scan on payments (cost ") {
		t.Errorf("query %+v", q)
	}
	if len(r.Timeline) != 0 || len(r.RootCauses) != 5 || r.RootCauses[0].Why != "" {
		t.Errorf("timeline %v and whys %v are not an empty skeleton", r.Timeline, r.RootCauses)
	}
	if len(r.ActionItems) != 2 || !strings.HasPrefix(r.ActionItems[0].What, "Apply the fix qreview verified: CREATE INDEX CONCURRENTLY ON payments (status, created_at);") ||
		r.ActionItems[1].Guard != GuardReview || r.ActionItems[1].Status != "open" {
		t.Errorf("action items %+v", r.ActionItems)
	}
	for _, want := range []string{"## Root-cause evidence", "### ListPendingPayments — `testdata/payments/queries/payments.sql:35`",
		"Parallel Seq Scan on payments", "- **error** `seq-scan-large-table`: Parallel Seq Scan on payments reads", "  - Fix: `CREATE INDEX CONCURRENTLY"} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("body lacks %q:\n%s", want, r.Body)
		}
	}
	next := paymentsResult(t)
	Link(next, []*Record{r})
	if got := next.Findings[0].Postmortems; len(got) != 1 || got[0] != "PM-2025-12-20" {
		t.Errorf("the draft does not link the finding it was drafted from: %v", got)
	}

	if _, err := Draft(res, func(string) bool { return false }, "PM-1", "2025-12-20", "x"); err == nil {
		t.Error("a draft of no statement")
	}
}
