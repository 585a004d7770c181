package gitdiff

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repo makes a git repository in a temp dir; run runs git in it.
func repo(t *testing.T) (dir string, run func(args ...string) string) {
	t.Helper()
	dir = t.TempDir()
	run = func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", "main")
	return dir, run
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// relative turns Changed's absolute paths back into repository paths.
func relative(t *testing.T, dir string, files []string) []string {
	root, _ := filepath.EvalSymlinks(dir)
	var out []string
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	slices.Sort(out)
	return out
}

func TestChangedSinceTheMergeBase(t *testing.T) {
	dir, git := repo(t)
	write(t, dir, ".gitignore", "*.log\n")
	write(t, dir, "migrations/1_a.up.sql", "CREATE TABLE a (id int);")
	write(t, dir, "queries/old.sql", "SELECT 1;")
	write(t, dir, "queries/edited.sql", "SELECT 2;")
	write(t, dir, "queries/gone.sql", "SELECT 3;")
	git("add", ".")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "-b", "feature")
	write(t, dir, "migrations/2_b.up.sql", "CREATE TABLE b (id int);")
	write(t, dir, "queries/edited.sql", "SELECT 2, 2;")
	git("rm", "-q", "queries/gone.sql")
	git("add", ".")
	git("commit", "-q", "-m", "feature")
	// main moves on after the branch: its changes are not this branch's.
	git("checkout", "-q", "main")
	write(t, dir, "queries/on-main.sql", "SELECT 4;")
	git("add", ".")
	git("commit", "-q", "-m", "main moves")
	git("checkout", "-q", "feature")
	// Work not yet committed counts, ignored files do not.
	write(t, dir, "queries/old.sql", "SELECT 1, 1;")
	write(t, dir, "queries/new untracked.sql", "SELECT 5;")
	write(t, dir, "debug.log", "x")

	files, err := Changed(context.Background(), filepath.Join(dir, "queries"), "main")
	if err != nil {
		t.Fatal(err)
	}
	got := relative(t, dir, files)
	want := []string{"migrations/2_b.up.sql", "queries/edited.sql", "queries/new untracked.sql", "queries/old.sql"}
	if !slices.Equal(got, want) {
		t.Errorf("changed files\n%v\nwant\n%v", got, want)
	}
}

func TestChangedTakesTheRemoteBranchActionsCheckoutLeaves(t *testing.T) {
	dir, git := repo(t)
	write(t, dir, "a.sql", "SELECT 1;")
	git("add", ".")
	git("commit", "-q", "-m", "base")
	git("update-ref", "refs/remotes/origin/trunk", "HEAD")
	write(t, dir, "b.sql", "SELECT 2;")
	files, err := Changed(context.Background(), dir, "trunk")
	if err != nil {
		t.Fatal(err)
	}
	if got := relative(t, dir, files); !slices.Equal(got, []string{"b.sql"}) {
		t.Errorf("changed files %v, want [b.sql]", got)
	}
}

func TestChangedSaysWhatIsWrong(t *testing.T) {
	dir, git := repo(t)
	write(t, dir, "a.sql", "SELECT 1;")
	git("add", ".")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "--orphan", "unrelated")
	git("commit", "-q", "-m", "no shared history")

	tests := []struct{ dir, base, want string }{
		{dir, "nope", `base "nope": no such branch, tag or commit`},
		{dir, "--output=x", `base "--output=x": not a revision`},
		{dir, "main", "no common history between main and HEAD"},
		{t.TempDir(), "main", "is not in a git repository"},
	}
	for _, tt := range tests {
		_, err := Changed(context.Background(), tt.dir, tt.base)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("base %q in %s: error %v, want %q", tt.base, tt.dir, err, tt.want)
		}
	}
}
