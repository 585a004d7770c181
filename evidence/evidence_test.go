package evidence

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qreview/qreview/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// result is a recorded real result: qreview review evidence/testdata/project
// --approvals (ListAccounts approved) --format json, run from the
// repository root, so its files are named relative to it (here "..").
func result(t *testing.T) *report.Result {
	t.Helper()
	r, err := report.ReadResultFile("testdata/result.json")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fromRoot names files relative to the repository root, as qreview
// evidence does.
func fromRoot(root string) func(string) string {
	return func(p string) string {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return p
		}
		return filepath.ToSlash(rel)
	}
}

func build(t *testing.T, r *report.Result, root string) []byte {
	t.Helper()
	ev, err := Build(r, Options{Dir: root, Name: fromRoot(root)})
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := ev.Statement()
	if err != nil {
		t.Fatal(err)
	}
	return stmt
}

func TestStatementGolden(t *testing.T) {
	got := build(t, result(t), "..")
	path := "testdata/evidence.golden.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./evidence -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the statement differs from %s (go test ./evidence -update rewrites it; review the diff):\n%s", path, got)
	}
	// What the golden file must say, whatever it is rewritten to.
	var st struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate Predicate `json:"predicate"`
	}
	if err := json.Unmarshal(got, &st); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range st.Subject {
		names = append(names, s.Name)
		if len(s.Digest["sha256"]) != 64 {
			t.Errorf("subject %s: digest %v", s.Name, s.Digest)
		}
	}
	// The reviewed files: the change's migration and the queries (the
	// deployed history before the change is applied, not reviewed).
	wantNames := "evidence/testdata/project/migrations/2_add_plan.up.sql evidence/testdata/project/queries/accounts.sql"
	if strings.Join(names, " ") != wantNames {
		t.Errorf("subjects %v, want %s", names, wantNames)
	}
	p := st.Predicate
	if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != PredicateType || p.Verdict != "pass" ||
		p.Database.ServerVersion == "" || !strings.HasPrefix(p.Database.ScaleProfile, "sha256:") || len(p.Statements) != 4 {
		t.Errorf("statement %s, %s, predicate %+v", st.Type, st.PredicateType, p)
	}
	if len(p.Approvals) != 1 || p.Approvals[0].By != "dba-alice" || p.Summary.Approved != 1 {
		t.Errorf("approvals %+v, summary %+v", p.Approvals, p.Summary)
	}
	if p.Rollback.Passed || len(p.Rollback.Migrations) != 1 || p.Rollback.Migrations[0].Status != "missing" ||
		p.Rollback.Migrations[0].Migration != "evidence/testdata/project/migrations/2_add_plan.up.sql" {
		t.Errorf("rollback check %+v, want 2_add_plan.up.sql missing", p.Rollback)
	}
	for _, s := range p.Statements {
		if (s.Kind == "query") != strings.HasPrefix(s.PlanDigest, "sha256:") {
			t.Errorf("statement %s (%s): plan digest %q", s.ID, s.Kind, s.PlanDigest)
		}
	}
}

func TestPlanDigestIsTheShapeNotTheCost(t *testing.T) {
	a := &report.PlanSummary{TotalCost: 10, PlanRows: 3, Nodes: []string{"Limit", "Index Scan using accounts_pkey on accounts"}}
	b := *a
	b.TotalCost, b.PlanRows = 12.5, 4
	c := *a
	c.Nodes = []string{"Limit", "Seq Scan on accounts"}
	d := *a
	d.Generic = true
	if PlanDigest(a) != PlanDigest(&b) {
		t.Error("costs changed the plan digest")
	}
	if PlanDigest(a) == PlanDigest(&c) || PlanDigest(a) == PlanDigest(&d) {
		t.Error("another plan has the same digest")
	}
	if PlanDigest(nil) != "" {
		t.Error("no plan has a digest")
	}
}

// copyProject copies the reviewed project to root/evidence/testdata/project.
func copyProject(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir("testdata/project", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(root, "evidence", p)
		os.MkdirAll(filepath.Dir(dst), 0o755)
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	stmt := build(t, result(t), "..")
	root := t.TempDir()
	copyProject(t, root)
	query := filepath.Join(root, "evidence/testdata/project/queries/accounts.sql")

	v, err := Verify(stmt, root)
	if err != nil || !v.Holds() || len(v.Subjects) != 2 {
		t.Fatalf("unchanged files: %+v, %v", v, err)
	}
	// As actions/attest stores it: a DSSE envelope, in a Sigstore bundle.
	envelope := map[string]any{"payloadType": "application/vnd.in-toto+json", "payload": base64.StdEncoding.EncodeToString(stmt), "signatures": []any{}}
	for name, doc := range map[string]any{"envelope": envelope, "bundle": map[string]any{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "dsseEnvelope": envelope}} {
		data, _ := json.Marshal(doc)
		if v, err := Verify(data, root); err != nil || !v.Holds() {
			t.Errorf("%s: %+v, %v", name, v, err)
		}
	}

	os.WriteFile(query, []byte("-- name: GetAccount :one\nSELECT * FROM accounts WHERE id = $1;\n"), 0o644)
	v, err = Verify(stmt, root)
	if err != nil || v.Holds() || len(v.Mismatches) != 1 {
		t.Fatalf("an edited query: %+v, %v", v, err)
	}
	m := v.Mismatches[0]
	if m.Name != "evidence/testdata/project/queries/accounts.sql" || len(m.Want) != 64 || len(m.Got) != 64 || m.Want == m.Got {
		t.Errorf("mismatch %+v", m)
	}
	os.Remove(query)
	if v, err = Verify(stmt, root); err != nil || len(v.Mismatches) != 1 || v.Mismatches[0].Err == nil {
		t.Errorf("a removed query file: %+v, %v", v, err)
	}

	failed := result(t)
	failed.Verdict = "fail"
	copyProject(t, root)
	if v, err = Verify(build(t, failed, ".."), root); err != nil || len(v.Mismatches) != 0 || v.Holds() {
		t.Errorf("a failed review: %+v, %v; want no mismatch, and not holding", v, err)
	}
}

func TestVerifyRejectsWhatIsNotQreviewEvidence(t *testing.T) {
	stmt := string(build(t, result(t), ".."))
	tests := []struct{ name, data, want string }{
		{"not JSON", "SELECT 1;", "not JSON"},
		{"another predicate", strings.Replace(stmt, PredicateType, "https://slsa.dev/provenance/v1", 1), `predicateType "https://slsa.dev/provenance/v1": not qreview evidence`},
		{"no subject", `{"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "` + PredicateType + `", "predicate": {}}`, "at least one subject"},
		{"another envelope", `{"payloadType": "text/plain", "payload": "aGk="}`, `payloadType "text/plain"`},
	}
	for _, tt := range tests {
		if _, err := Verify([]byte(tt.data), ".."); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestBuildRefusesAFileChangedSinceTheReview(t *testing.T) {
	root := t.TempDir()
	copyProject(t, root)
	os.WriteFile(filepath.Join(root, "evidence/testdata/project/queries/accounts.sql"), []byte("SELECT 1;\n"), 0o644)
	_, err := Build(result(t), Options{Dir: root})
	if err == nil || !strings.Contains(err.Error(), "evidence/testdata/project/queries/accounts.sql changed since the review: statement S4 (line 2)") {
		t.Errorf("error %v", err)
	}
}

func TestChecksumsAreSha256sumLines(t *testing.T) {
	ev, err := Build(result(t), Options{Dir: "..", Name: fromRoot("..")})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(ev.Checksums())), "\n")
	if len(lines) != len(ev.Subjects) {
		t.Fatalf("%d lines for %d subjects", len(lines), len(ev.Subjects))
	}
	for i, s := range ev.Subjects {
		if lines[i] != s.SHA256+"  "+s.Name {
			t.Errorf("line %q, want %s  %s", lines[i], s.SHA256, s.Name)
		}
	}
	pred, err := ev.PredicateJSON()
	if err != nil {
		t.Fatal(err)
	}
	var p Predicate
	if err := json.Unmarshal(pred, &p); err != nil || p.Verdict != "pass" || len(p.Statements) != 4 {
		t.Errorf("predicate alone: %+v, %v", p, err)
	}
}
