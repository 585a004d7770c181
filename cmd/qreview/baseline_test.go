package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qreview/qreview/report"
)

// qreviewIn is qreview run from dir instead of the repository root.
func qreviewIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	tmp := scratchTmp(t)
	cmd, stdout, stderr := command(t, tmp, nil, args...)
	cmd.Dir = dir
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run qreview: %v", err)
	}
	assertNothingLeft(t, tmp)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

func TestBaselineLetsAnExistingCodebaseAdoptTheGate(t *testing.T) {
	dir, _ := gitProject(t, map[string]string{
		"db/migrations/1_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a text);",
		"db/queries/old.sql":       "-- name: Old :one\nSELECT * FROM t WHERE id = $1;\n",
		".qreview.yaml":            "fail-on: notice\nscale: {t: {rows: 1000}}\n",
	})
	// Written from the project's root; reviewed from its db directory:
	// the baseline names files from the repository root either way.
	r := qreviewIn(t, dir, "baseline", "write", "db", "--db", "local")
	if r.code != exitPass {
		t.Fatalf("baseline write: exit %d\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, ".qreview/baseline.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b report.Baseline
	if err := json.Unmarshal(data, &b); err != nil || len(b.Findings) != 1 || b.Findings[0].Rule != "select-star" || b.Findings[0].File != "db/queries/old.sql" {
		t.Fatalf("baseline %s (%v)", data, err)
	}

	baseline := filepath.Join(dir, ".qreview/baseline.json")
	r = qreviewIn(t, filepath.Join(dir, "db"), "review", ".", "--config", "../.qreview.yaml", "--baseline", baseline, "--format", "json", "--db", "local")
	if r.code != exitPass {
		t.Fatalf("review with the baseline: exit %d, want 0\n%s", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	if res.Verdict != "pass" || len(res.Findings) != 0 || len(res.Baselined) != 1 || res.Summary.Baselined != 1 {
		t.Errorf("verdict %s, findings %v, baselined %v", res.Verdict, res.Findings, res.Baselined)
	}

	// A new problem still fails the gate; the default baseline file is
	// found where review runs.
	os.WriteFile(filepath.Join(dir, "db/queries/new.sql"), []byte("-- name: New :one\nSELECT * FROM t WHERE a = $1 LIMIT 1;\n"), 0o644)
	r = qreviewIn(t, dir, "review", "db", "--format", "json", "--db", "local")
	if r.code != exitFail {
		t.Fatalf("review with a new finding: exit %d, want 1\n%s", r.code, r.stderr)
	}
	res = decode(t, r.stdout)
	if len(res.Findings) != 1 || res.Findings[0].File != "db/queries/new.sql" || len(res.Baselined) != 1 {
		t.Errorf("findings %+v, baselined %+v", res.Findings, res.Baselined)
	}
}

func TestBrokenBaselineExits2(t *testing.T) {
	dir := writeProject(t, map[string]string{"q.sql": "SELECT 1;", "b.json": `{"schema": "qreview/result/v1"}`})
	r := qreview(t, nil, "review", dir, "--baseline", filepath.Join(dir, "b.json"), "--db", "local")
	if r.code != exitBroken || !containsAll(r.stderr, "baseline", "b.json", `schema "qreview/result/v1"`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
