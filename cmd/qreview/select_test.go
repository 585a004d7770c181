package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitProject makes a git repository holding files, committed on main.
func gitProject(t *testing.T, files map[string]string) (dir string, git func(args ...string)) {
	dir = writeProject(t, files)
	git = func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("add", ".")
	git("commit", "-q", "-m", "base")
	return dir, git
}

func TestBaseReviewsOnlyWhatChangedOnTheFullSchema(t *testing.T) {
	dir, git := gitProject(t, map[string]string{
		"migrations/1_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a text);",
		"queries/old.sql":       "-- name: Old :one\nSELECT * FROM t WHERE id = $1;\n",
		".qreview.yaml":         "scale: {t: {rows: 1000}}\n",
	})
	git("checkout", "-q", "-b", "feature")
	os.WriteFile(filepath.Join(dir, "migrations/2_b.up.sql"), []byte("SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN b int;"), 0o644)
	os.WriteFile(filepath.Join(dir, "migrations/2_b.down.sql"), []byte("ALTER TABLE t DROP COLUMN b;"), 0o644) // no missing-rollback
	git("add", ".")
	git("commit", "-q", "-m", "add b")
	// Not committed yet: still part of the change.
	os.WriteFile(filepath.Join(dir, "queries/new.sql"), []byte(
		"-- name: UsesB :one\nSELECT b FROM t WHERE id = $1;\n\n-- name: Star :many\nSELECT * FROM t WHERE b = $1 LIMIT 10;\n"), 0o644)

	r := qreview(t, nil, "review", dir, "--base", "main", "--format", "json", "--fail-on", "notice", "--db", "local")
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	var reviewed []string
	for _, s := range res.Statements {
		reviewed = append(reviewed, filepath.Base(s.File)+":"+s.Name)
		if s.Name == "UsesB" && s.Plan == nil {
			t.Errorf("UsesB was not planned: the migrations before the change were not all applied (%v)", s.Error)
		}
	}
	if want := []string{"2_b.up.sql:", "2_b.up.sql:", "new.sql:UsesB", "new.sql:Star"}; !slices.Equal(reviewed, want) {
		t.Errorf("reviewed %v, want only the changed files' statements %v", reviewed, want)
	}
	var found []string
	for _, f := range res.Findings {
		found = append(found, filepath.Base(f.File)+":"+f.Rule)
	}
	// old.sql has the same SELECT * but predates the change.
	if want := []string{"new.sql:select-star"}; !slices.Equal(found, want) {
		t.Errorf("findings %v, want %v", found, want)
	}
}

func TestBaseErrorsExit2(t *testing.T) {
	repo, _ := gitProject(t, map[string]string{"q.sql": "SELECT 1;"})
	notRepo := writeProject(t, map[string]string{"q.sql": "SELECT 1;"})
	tests := []struct{ dir, base, want string }{
		{repo, "nope", `--base: base "nope": no such branch, tag or commit`},
		{notRepo, "main", "--base: " + notRepo + " is not in a git repository"},
	}
	for _, tt := range tests {
		r := qreview(t, nil, "review", tt.dir, "--base", tt.base, "--db", "local")
		if r.code != exitBroken || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("--base %s in %s: exit %d, stderr %q; want exit 2 saying %q", tt.base, tt.dir, r.code, r.stderr, tt.want)
		}
	}
}
