package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The deploy-checklist evidence of a real review: the same statement as
// evidence/testdata/evidence.golden.json (recorded from this project) but
// for the approval's date, and verify passes on the reviewed files and
// fails, naming the file and both digests, once one is edited.
func TestEvidenceOfARealReviewAndItsVerification(t *testing.T) {
	tmp := t.TempDir()
	approvals, result, stmt := filepath.Join(tmp, "approvals.yaml"), filepath.Join(tmp, "result.json"), filepath.Join(tmp, "evidence.json")
	project := "evidence/testdata/project"
	r := qreview(t, nil, "approve", "4caf117e16bfd8f2", project, "--by", "dba-alice", "--reason", "the admin page needs every column",
		"--expires", "2099-12-31", "--file", approvals)
	if r.code != exitPass {
		t.Fatalf("approve: exit %d\n%s", r.code, r.stderr)
	}
	r = qreview(t, nil, "review", project, "--approvals", approvals, "--format", "json="+result, "--db", "local")
	if r.code != exitPass {
		t.Fatalf("review: exit %d\n%s", r.code, r.stderr)
	}
	r = qreview(t, nil, "evidence", "--in", result, "--output", stmt, "--predicate", filepath.Join(tmp, "predicate.json"), "--checksums", filepath.Join(tmp, "sums"))
	if r.code != exitPass {
		t.Fatalf("evidence: exit %d\n%s", r.code, r.stderr)
	}
	got, err := os.ReadFile(stmt)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(repoRoot, "evidence/testdata/evidence.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	// What varies from run to run: the day of the approval.
	approved := regexp.MustCompile(`"approved": "\d{4}-\d{2}-\d{2}"`)
	normal := func(b []byte) string { return approved.ReplaceAllString(string(b), `"approved": "DATE"`) }
	if normal(got) != normal(want) {
		t.Errorf("the evidence differs from evidence/testdata/evidence.golden.json:\n%s", got)
	}
	sums, _ := os.ReadFile(filepath.Join(tmp, "sums"))
	if !strings.Contains(string(sums), "  evidence/testdata/project/queries/accounts.sql\n") || strings.Count(string(sums), "\n") != 2 {
		t.Errorf("checksums:\n%s", sums)
	}

	r = qreview(t, nil, "evidence", "verify", stmt)
	if r.code != exitPass || !strings.Contains(r.stdout, "OK: ") || !strings.Contains(r.stdout, "2 files, verdict pass") {
		t.Fatalf("verify at the repository root: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A copy of the reviewed files, one of them edited after the review.
	root := t.TempDir()
	for _, f := range []string{"migrations/1_create_accounts.up.sql", "migrations/2_add_plan.up.sql", "queries/accounts.sql"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, project, f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(root, project, f)), 0o755)
		os.WriteFile(filepath.Join(root, project, f), data, 0o644)
	}
	if r = qreview(t, nil, "evidence", "verify", stmt, "--root", root); r.code != exitPass {
		t.Fatalf("verify on an unchanged copy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	os.WriteFile(filepath.Join(root, project, "queries/accounts.sql"), []byte("-- name: GetAccount :one\nSELECT * FROM accounts WHERE email = $1;\n"), 0o644)
	r = qreview(t, nil, "evidence", "verify", stmt, "--root", root)
	line := regexp.MustCompile(`(?m)^evidence/testdata/project/queries/accounts\.sql: changed since the review: sha256 [0-9a-f]{64} in the evidence, [0-9a-f]{64} now$`)
	if r.code != exitFail || !line.MatchString(r.stdout) || !strings.Contains(r.stdout, "FAIL: ") || !strings.Contains(r.stdout, "1 of 2 files differ") {
		t.Errorf("verify after an edit: exit %d, want 1 naming the file and both digests\n%s%s", r.code, r.stdout, r.stderr)
	}

	os.WriteFile(filepath.Join(tmp, "junk.json"), []byte(`{"_type": "https://in-toto.io/Statement/v1"}`), 0o644)
	if r = qreview(t, nil, "evidence", "verify", filepath.Join(tmp, "junk.json")); r.code != exitBroken || !strings.Contains(r.stderr, "junk.json") {
		t.Errorf("verify of junk: exit %d, stderr %q; want 2 naming it", r.code, r.stderr)
	}
	if r = qreview(t, nil, "evidence", "--in", stmt); r.code != exitBroken || !strings.Contains(r.stderr, "not a qreview result") {
		t.Errorf("evidence from a non-result: exit %d, stderr %q; want 2", r.code, r.stderr)
	}
}
