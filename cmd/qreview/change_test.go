package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChangeIsMeasuredOnSeededDataAndRolledBack reviews the payments
// schema with a change that blocks: a non-concurrent index build (SHARE:
// writes wait) and a column type change that rewrites the table (ACCESS
// EXCLUSIVE: reads and writes wait), both on 100,000 payments. Run twice
// on one kept cluster: had the change stayed in it, the second run's
// CREATE INDEX would fail with "already exists".
func TestChangeIsMeasuredOnSeededDataAndRolledBack(t *testing.T) {
	project := t.TempDir()
	if err := os.CopyFS(project, os.DirFS(filepath.Join(repoRoot, "testdata/payments"))); err != nil {
		t.Fatal(err)
	}
	// The test is about which locks are measured, not how fast this
	// machine builds an index: long-lock reports any duration here.
	cfgPath := filepath.Join(project, ".qreview.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "rules:\n", "rules:\n  long-lock: {max-ms: 0}\n", 1))
	// A tenth of the example's rows: which locks are taken does not depend
	// on the size, and the golden corpus reviews it at full size.
	cfg = []byte(strings.NewReplacer("rows: 1000000", "rows: 100000", "rows: 500000", "rows: 50000", "rows: 100000", "rows: 10000").Replace(string(cfg)))
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	change := "CREATE INDEX payments_provider_idx ON payments (provider);\n\nALTER TABLE payments ALTER COLUMN amount_cents TYPE numeric(14, 2);\n"
	if err := os.WriteFile(filepath.Join(project, "migrations/000005_blocking.up.sql"), []byte(change), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := []string{"QREVIEW_CACHE_DIR=" + scratchTmp(t)}
	for run := 1; run <= 2; run++ {
		r := qreview(t, cache, "review", project, "--format", "json", "--db", "local")
		if r.code != exitFail {
			t.Fatalf("run %d: exit %d\n%s", run, r.code, r.stderr)
		}
		res := decode(t, r.stdout)
		if !strings.Contains(res.Change, "000005_blocking.up.sql, the newest migration") {
			t.Errorf("run %d: change %q", run, res.Change)
		}
		locks := map[int]string{}
		for _, f := range res.Findings {
			if f.Rule == "long-lock" {
				locks[f.Line] = f.Evidence["lock"].(string) + " / " + f.Evidence["blocks"].(string)
			}
			if f.Rule == "sql-error" {
				t.Errorf("run %d: %s:%d: %s", run, f.File, f.Line, f.Message)
			}
		}
		want := map[int]string{1: "ShareLock / writes", 3: "AccessExclusiveLock / reads and writes"}
		for line, lock := range want {
			if locks[line] != lock {
				t.Errorf("run %d: long-lock at line %d = %q, want %q (all: %v)", run, line, locks[line], lock, locks)
			}
		}
		measured := 0
		for _, s := range res.Statements {
			if s.Migration != nil {
				measured++
				if !strings.HasSuffix(s.File, "000005_blocking.up.sql") || s.Migration.TookMS <= 0 {
					t.Errorf("run %d: measured %s:%d %+v", run, s.File, s.Line, s.Migration)
				}
			}
		}
		if measured != 2 {
			t.Errorf("run %d: %d statements measured, want the change's 2", run, measured)
		}
		if run == 2 && !strings.Contains(r.stderr, "warm:") {
			t.Errorf("second run was not warm:\n%s", r.stderr)
		}
	}
}
