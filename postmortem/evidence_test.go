package postmortem

import (
	"bytes"
	"strings"
	"testing"
)

func TestEvidenceIsAppendedOncePerCommit(t *testing.T) {
	res := paymentsResult(t)
	r := readRecord(t, bundled)
	Link(res, []*Record{r})
	ev := NewEvidence(r, res, "2025-12-08", "9f65209")
	if want := "seq-scan-large-table at testdata/payments/queries/payments.sql:35 (ListPendingPayments)"; len(ev.Caught) != 1 || ev.Caught[0] != want ||
		ev.Statements != 13 || ev.Verdict != "fail" {
		t.Errorf("evidence %+v, want it to have caught %q in 13 statements", ev, want)
	}
	guard := r.Guards()[0]
	if added, err := r.AddEvidence(guard, ev); !added || err != nil {
		t.Fatalf("first append: %v %v", added, err)
	}
	once, err := r.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	later := ev
	later.Date = "2025-12-09" // the same commit recorded again, a day later
	if added, err := r.AddEvidence(guard, later); added || err != nil {
		t.Errorf("second append for the same commit: %v %v", added, err)
	}
	twice, _ := r.Bytes()
	if !bytes.Equal(once, twice) {
		t.Errorf("recording the same commit again changed the record:\n%s", twice)
	}
	if !strings.Contains(string(once), "    evidence:\n      - date: \"2025-12-08\"\n        commit: 9f65209\n        statements: 13\n        verdict: fail\n        caught:\n          - seq-scan-large-table at") {
		t.Errorf("evidence not under A1:\n%s", once)
	}

	// Read back, the evidence counts: one run, which caught the shape;
	// then a run of another commit that caught nothing.
	again, err := Parse(r.Path, once)
	if err != nil {
		t.Fatal(err)
	}
	if fired, runs := again.Fired(); fired != 1 || runs != 1 {
		t.Errorf("fired %d of %d runs, want 1 of 1", fired, runs)
	}
	quiet := NewEvidence(again, paymentsResult(t), "2025-12-10", "a1b2c3d") // unlinked: nothing caught
	if _, err := again.AddEvidence(guard, quiet); err != nil {
		t.Fatal(err)
	}
	if fired, runs := again.Fired(); fired != 1 || runs != 2 {
		t.Errorf("fired %d of %d runs, want 1 of 2", fired, runs)
	}
}
