package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormatFlagsAreCheckedBeforeAnyWork(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--format", "xml"}, `--format "xml": use text, json, sarif, markdown, html or github`},
		{[]string{"--format", "json="}, `--format "json=": no file after =`},
		{[]string{"--format", "github=out.txt"}, "github writes annotations to standard output"},
		{[]string{"--format", "text", "--format", "json"}, "--format text and --format json both write to standard output; give one a file: --format json=FILE"},
		{[]string{"--format", "sarif=a", "--format", "json=a"}, "--format sarif and --format json both write to a"},
		{[]string{"--format", "text", "--format", "json", "--output", "x"}, "--output names one file, for one format"},
		{[]string{"--format", "github", "--output", "x"}, "--output x: no format to write there"},
	}
	for _, tt := range tests {
		started := time.Now()
		r := qreview(t, nil, append([]string{"review", "testdata/payments", "--db", "local"}, tt.args...)...)
		if r.code != exitBroken || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying %q", tt.args, r.code, r.stderr, tt.want)
		}
		if strings.Contains(r.stderr, "ready in") || time.Since(started) > 2*time.Second {
			t.Errorf("%v: a database was started before the flags were checked", tt.args)
		}
	}
}

// TestGitHubFormatIsTheDefaultInActions runs a small project as a
// workflow step would, with no --format: annotations at repository paths,
// the job summary, the step outputs, and the --output file of another
// format in the same run.
func TestGitHubFormatIsTheDefaultInActions(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"migrations/1_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY, a text);",
		"queries/q.sql":         "-- name: Good :one\nSELECT a FROM t WHERE id = $1;\n\n-- name: Bad :one\nSELECT nope\nFROM t WHERE id = $1;\n",
	})
	runner := t.TempDir()
	summary, output := filepath.Join(runner, "summary.md"), filepath.Join(runner, "output")
	env := []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + dir, "GITHUB_STEP_SUMMARY=" + summary, "GITHUB_OUTPUT=" + output}
	r := qreview(t, env, "review", dir, "--db", "local")
	if r.code != exitFail {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := "::error endLine=6,file=queries/q.sql,line=5,title=qreview sql-error::Bad: column \"nope\" does not exist"
	if !strings.HasPrefix(r.stdout, want) {
		t.Errorf("stdout does not start with the annotation %q:\n%s", want, r.stdout)
	}
	if !strings.Contains(r.stdout, "\nFAIL: 1 error") {
		t.Errorf("stdout lacks the text report for the log:\n%s", r.stdout)
	}
	md, _ := os.ReadFile(summary)
	if !strings.Contains(string(md), "| error | [`sql-error`]") || !strings.Contains(string(md), "`queries/q.sql:5`") {
		t.Errorf("job summary:\n%s", md)
	}
	outs := parseOutputs(t, output)
	if outs["verdict"] != "fail" || outs["errors"] != "1" || outs["warnings"] != "0" {
		t.Errorf("step outputs %v", outs)
	}
}
