package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qreview/qreview/approval"
)

// A DBA approves a statement: its findings stop failing the gate, are
// reported with who, when and why, and fail again when the statement
// changes or the approval expires.
func TestApprovalPassesTheGateUntilTheStatementChangesOrItExpires(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"migrations/1_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a text);",
		"queries/q.sql":         "-- name: Star :many\nSELECT * FROM t WHERE id = $1;\n",
		".qreview.yaml":         "fail-on: notice\nscale: {t: {rows: 1000}}\n",
	})
	review := func() result {
		t.Helper()
		return qreviewIn(t, dir, "review", ".", "--format", "json", "--db", "local")
	}
	r := review()
	if r.code != exitFail {
		t.Fatalf("before the approval: exit %d, want 1\n%s", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	if len(res.Findings) != 1 || res.Findings[0].Rule != "select-star" {
		t.Fatalf("findings %+v, want select-star", res.Findings)
	}
	fp := ""
	for _, s := range res.Statements {
		if s.Name == "Star" {
			fp = s.Fingerprint
		}
	}

	expires := time.Now().UTC().AddDate(0, 0, 30).Format(approval.DateLayout)
	r = qreviewIn(t, dir, "approve", fp, "--by", "alice", "--reason", "first try", "--expires", expires)
	if r.code != exitPass {
		t.Fatalf("approve: exit %d\n%s", r.code, r.stderr)
	}
	// Approving again renews the entry rather than adding one.
	r = qreviewIn(t, dir, "approve", fp, "--by", "alice", "--reason", "the admin page shows every column", "--expires", expires)
	if r.code != exitPass || !strings.Contains(r.stderr, "renewed the approval of "+fp+", Star at queries/q.sql:2, by alice until "+expires) {
		t.Fatalf("approve again: exit %d\n%s", r.code, r.stderr)
	}
	file := filepath.Join(dir, ".qreview/approvals.yaml")
	data, err := os.ReadFile(file)
	if err != nil || strings.Count(string(data), "fingerprint:") != 1 || !strings.Contains(string(data), "the admin page shows every column") {
		t.Fatalf("approvals file (%v):\n%s", err, data)
	}

	r = review()
	if r.code != exitPass {
		t.Fatalf("approved: exit %d, want 0\n%s", r.code, r.stderr)
	}
	res = decode(t, r.stdout)
	if res.Verdict != "pass" || len(res.Findings) != 0 || res.Summary.Approved != 1 || len(res.Approved) != 1 {
		t.Fatalf("approved: verdict %s, findings %+v, approved %+v", res.Verdict, res.Findings, res.Approved)
	}
	if a := res.Approved[0].Approval; a == nil || a.By != "alice" || a.Reason != "the admin page shows every column" || a.Expires != expires || a.Status != "approved" {
		t.Errorf("approved finding's approval %+v", a)
	}
	if len(res.Approvals) != 1 || res.Approvals[0].Fingerprint != fp {
		t.Errorf("approvals %+v", res.Approvals)
	}

	// Expired yesterday: counted again, and the output says so.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(approval.DateLayout)
	lastWeek := time.Now().UTC().AddDate(0, 0, -7).Format(approval.DateLayout)
	expired := strings.NewReplacer(`expires: "`+expires+`"`, `expires: "`+yesterday+`"`,
		`approved: "`+time.Now().UTC().Format(approval.DateLayout)+`"`, `approved: "`+lastWeek+`"`).Replace(string(data))
	if expired == string(data) {
		t.Fatalf("could not backdate the approval:\n%s", data)
	}
	os.WriteFile(file, []byte(expired), 0o644)
	r = review()
	if r.code != exitFail || !strings.Contains(r.stderr, "expired on "+yesterday) {
		t.Fatalf("expired: exit %d, want 1 and a word about it\n%s", r.code, r.stderr)
	}
	res = decode(t, r.stdout)
	if len(res.Findings) != 1 || res.Findings[0].Approval == nil || res.Findings[0].Approval.Status != "expired" || len(res.Approved) != 0 {
		t.Errorf("expired: findings %+v, approved %+v", res.Findings, res.Approved)
	}

	// In force again, but the query is edited: a new fingerprint, no approval.
	os.WriteFile(file, data, 0o644)
	os.WriteFile(filepath.Join(dir, "queries/q.sql"), []byte("-- name: Star :many\nSELECT * FROM t WHERE a = $1;\n"), 0o644)
	r = review()
	if r.code != exitFail {
		t.Fatalf("edited query: exit %d, want 1\n%s", r.code, r.stderr)
	}
	res = decode(t, r.stdout)
	if len(res.Findings) != 1 || res.Findings[0].Approval != nil || len(res.Approvals) != 0 {
		t.Errorf("edited query: findings %+v, approvals %+v", res.Findings, res.Approvals)
	}
}

func TestApproveRefusesWhatItCannotCheck(t *testing.T) {
	dir := writeProject(t, map[string]string{"queries/q.sql": "SELECT 1;\n"})
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"approve", "0123456789abcdef", "--by", "a", "--reason", "r"}, "fingerprint 0123456789abcdef: no statement under . has it"},
		{[]string{"approve", "xyz", "--by", "a", "--reason", "r"}, `fingerprint "xyz": want 16 hex digits`},
		{[]string{"approve", "0123456789abcdef", "--reason", "r"}, "--by NAME and --reason TEXT are required"},
		{[]string{"approve", "0123456789abcdef", "--by", "a", "--reason", "r", "--expires", "2020-01-01"}, "--expires 2020-01-01 has passed"},
		{[]string{"approve", "0123456789abcdef", "--by", "a", "--reason", "r", "--expires", "next week"}, `--expires: "next week" is not a date (YYYY-MM-DD)`},
	}
	for _, tt := range tests {
		r := qreviewIn(t, dir, tt.args...)
		if r.code != exitBroken || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".qreview")); err == nil {
		t.Error("a refused approval wrote the approvals file")
	}
}

func TestBrokenApprovalsFileExits2BeforeAnyDatabase(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"queries/q.sql":           "SELECT 1;\n",
		".qreview/approvals.yaml": "approvals:\n  - fingerprint: 0123456789abcdef\n    by: alice\n    reason: ok\n    approved: 2026-01-02\n    expires: tomorrow\n",
	})
	r := qreviewIn(t, dir, "review", ".", "--db", "local")
	want := `.qreview/approvals.yaml:6: expires: "tomorrow" is not a date (YYYY-MM-DD)`
	if r.code != exitBroken || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "ready in") {
		t.Errorf("exit %d, stderr %q; want 2 and %q, with no database started", r.code, r.stderr, want)
	}
}
