package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qreview/qreview/internal/prcomment"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// action is the part of action.yml these tests read.
type action struct {
	Name     string
	Branding map[string]string
	Inputs   map[string]struct {
		Description string
		Default     string
	}
	Outputs map[string]struct {
		Description string
		Value       string
	}
	Runs struct {
		Using string
		Steps []step
	}
}

type step struct {
	Name, ID, If, Uses, Shell, Run string
	WorkingDirectory               string `yaml:"working-directory"`
	Env, With                      map[string]string
}

func readAction(t *testing.T) *action {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return &a
}

var expression = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// evaluate replaces the ${{ … }} in s the way the runner would, for the
// plain context references action.yml uses; anything else fails the test.
func evaluate(t *testing.T, s string, ctx map[string]string) string {
	t.Helper()
	return expression.ReplaceAllStringFunc(s, func(m string) string {
		ref := expression.FindStringSubmatch(m)[1]
		v, ok := ctx[ref]
		if !ok && !strings.HasPrefix(ref, "inputs.") && !strings.HasPrefix(ref, "steps.") {
			t.Fatalf("action.yml: expression %q: this test knows no such context value", m)
		}
		return v
	})
}

func TestActionYAMLIsWired(t *testing.T) {
	a := readAction(t)
	if a.Runs.Using != "composite" || a.Branding["icon"] == "" || a.Branding["color"] == "" {
		t.Errorf("runs.using %q, branding %v", a.Runs.Using, a.Branding)
	}
	var all strings.Builder
	var reviewStep *step
	for i, s := range a.Runs.Steps {
		fmt.Fprintf(&all, "%s\n%v\n%v\n%s\n%s\n", s.If, s.Env, s.With, s.WorkingDirectory, s.Run)
		// Inputs reach scripts through env only: an input spliced into a
		// script is a shell injection.
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q puts an expression into its script; pass it through env", s.Name)
		}
		if s.ID == "review" {
			reviewStep = &a.Runs.Steps[i]
		}
	}
	for name, in := range a.Inputs {
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
		if !strings.Contains(all.String(), "inputs."+name+" ") && !strings.Contains(all.String(), "inputs."+name+"}") {
			t.Errorf("input %s is used by no step", name)
		}
	}
	for _, want := range []string{"paths", "config", "base", "database", "postgres", "fail-on", "formats", "comment", "github-token"} {
		if _, ok := a.Inputs[want]; !ok {
			t.Errorf("no input %s", want)
		}
	}
	if a.Inputs["base"].Default != "${{ github.base_ref }}" {
		t.Errorf("base defaults to %q, want the pull request's base", a.Inputs["base"].Default)
	}
	if reviewStep == nil {
		t.Fatal("no step with id review")
	}
	// Every output is one the review step writes: qreview's --format
	// github outputs, or the report directory the step itself records.
	written := []string{"verdict", "errors", "warnings", "notices", "baselined", "sarif-file", "json-file", "markdown-file", "report-dir"}
	for name, out := range a.Outputs {
		m := regexp.MustCompile(`^\$\{\{ steps\.review\.outputs\.([a-z-]+) \}\}$`).FindStringSubmatch(out.Value)
		if m == nil || !slices.Contains(written, m[1]) {
			t.Errorf("output %s = %q is nothing the review step writes", name, out.Value)
		}
	}
	setupGo := a.Runs.Steps[0]
	if !strings.HasPrefix(setupGo.Uses, "actions/setup-go@") || setupGo.With["cache"] != "true" ||
		setupGo.With["go-version-file"] != "${{ github.action_path }}/go.mod" {
		t.Errorf("first step %+v: want actions/setup-go with the action's go.mod and the module cache", setupGo)
	}
}

// TestActionRunsLikeGitHubActions runs action.yml's shell steps the way a
// runner does, with the runner's variables and files and a pull_request
// event, against a local stand-in for the GitHub API; then checks what
// the steps left in those files: outputs, job summary, annotations, the
// report files, and the pull-request comment.
func TestActionRunsLikeGitHubActions(t *testing.T) {
	a := readAction(t)
	runner := t.TempDir()
	tmp := scratchTmp(t)
	event := filepath.Join(runner, "event.json")
	os.WriteFile(event, []byte(`{"action": "synchronize", "number": 7, "pull_request": {"number": 7}}`), 0o644)

	var mu sync.Mutex
	var comments []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == "GET" && r.URL.Path == "/repos/acme/shop/issues/7/comments":
			w.Write([]byte("[]"))
		case r.Method == "POST" && r.URL.Path == "/repos/acme/shop/issues/7/comments" && r.Header.Get("Authorization") == "Bearer t0ken":
			var in struct{ Body string }
			json.NewDecoder(r.Body).Decode(&in)
			comments = append(comments, in.Body)
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id": 1, "html_url": "https://github.test/acme/shop/pull/7#issuecomment-1"}`))
		default:
			http.Error(w, r.Method+" "+r.URL.Path, http.StatusTeapot)
		}
	}))
	defer api.Close()

	ctx := map[string]string{
		"github.action_path": repoRoot, "github.action_ref": "", "github.base_ref": "", "github.job": "review",
		"github.token": "t0ken", "runner.temp": runner,
	}
	with := map[string]string{"paths": "testdata/payments", "database": "local", "comment": "true", "formats": "sarif json markdown"}
	for name, in := range a.Inputs {
		v, ok := with[name]
		if !ok {
			v = evaluate(t, in.Default, ctx)
		}
		ctx["inputs."+name] = v
	}
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "CI": "true", "RUNNER_TEMP": runner, "GITHUB_WORKSPACE": repoRoot,
		"GITHUB_ACTION_PATH": repoRoot, "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_NAME": "pull_request",
		"GITHUB_EVENT_PATH": event, "GITHUB_API_URL": api.URL, "GITHUB_SERVER_URL": "https://github.test", "GITHUB_RUN_ID": "42",
		"GITHUB_STEP_SUMMARY": filepath.Join(runner, "summary.md"), "GITHUB_PATH": filepath.Join(runner, "path"),
		"GITHUB_ENV": filepath.Join(runner, "env"), "TMPDIR": tmp, "QREVIEW_CACHE_DIR": sharedCache, "QREVIEW_DSN": "",
	}
	path := os.Getenv("PATH")
	var stdout string
	for i, s := range a.Runs.Steps {
		if s.Uses != "" {
			continue // setup-go and upload-artifact: the runner's own actions
		}
		output := filepath.Join(runner, fmt.Sprintf("output-%d", i))
		// The machine's environment without its own GitHub or runner
		// variables, then the runner's for this step.
		var stepEnv []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "RUNNER_") && !strings.HasPrefix(kv, "PATH=") {
				stepEnv = append(stepEnv, kv)
			}
		}
		stepEnv = append(stepEnv, "PATH="+path, "GITHUB_OUTPUT="+output)
		for k, v := range env {
			stepEnv = append(stepEnv, k+"="+v)
		}
		for k, v := range s.Env {
			stepEnv = append(stepEnv, k+"="+evaluate(t, v, ctx))
		}
		if s.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash", s.Name, s.Shell)
		}
		script := filepath.Join(runner, fmt.Sprintf("step-%d.sh", i))
		os.WriteFile(script, []byte(s.Run), 0o644)
		// What the runner runs for shell: bash.
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Env = stepEnv
		cmd.Dir = repoRoot // GITHUB_WORKSPACE
		if s.WorkingDirectory != "" {
			cmd.Dir = evaluate(t, s.WorkingDirectory, ctx)
		}
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		started := time.Now()
		err := cmd.Run()
		t.Logf("step %q: %s, exit %d", s.Name, time.Since(started).Round(time.Millisecond), cmd.ProcessState.ExitCode())
		// The runner reads GITHUB_PATH after each step.
		if added, err := os.ReadFile(env["GITHUB_PATH"]); err == nil {
			path = strings.Join(strings.Fields(string(added)), ":") + ":" + os.Getenv("PATH")
		}
		for k, v := range parseOutputs(t, output) {
			ctx["steps."+s.ID+".outputs."+k] = v
		}
		if s.ID == "review" {
			stdout = out.String()
			if code := cmd.ProcessState.ExitCode(); code != exitFail {
				t.Fatalf("review step exit %d, want %d (the gate fails the step)\nstdout:\n%s\nstderr:\n%s", code, exitFail, out.String(), errOut.String())
			}
			if !strings.Contains(errOut.String(), "commented on the pull request: https://github.test/acme/shop/pull/7#issuecomment-1") {
				t.Errorf("stderr does not say it commented:\n%s", errOut.String())
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %q: %v\n%s%s", s.Name, err, out.String(), errOut.String())
		}
	}
	assertNothingLeft(t, tmp)

	outputs := map[string]string{}
	for name, out := range a.Outputs {
		outputs[name] = evaluate(t, out.Value, ctx)
	}
	// 2 errors when pool-saturation, which depends on this machine's speed, fires too.
	if outputs["verdict"] != "fail" || (outputs["errors"] != "1" && outputs["errors"] != "2") || outputs["report-dir"] != filepath.Join(runner, "qreview") {
		t.Errorf("action outputs %v", outputs)
	}
	for _, f := range []string{"sarif", "json", "markdown"} {
		if !strings.HasPrefix(outputs[f], filepath.Join(runner, "qreview")+"/qreview.") {
			t.Errorf("output %s = %q, want the report file", f, outputs[f])
		}
	}
	data, err := os.ReadFile(outputs["sarif"])
	if err != nil {
		t.Fatal(err)
	}
	var sarifDoc any
	json.Unmarshal(data, &sarifDoc)
	sch, err := jsonschema.NewCompiler().Compile(filepath.Join(repoRoot, "report/testdata/sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(sarifDoc); err != nil {
		t.Errorf("the SARIF file does not match the 2.1.0 schema: %v", err)
	}
	data, _ = os.ReadFile(outputs["json"])
	if res := decode(t, string(data)); res.Verdict != "fail" {
		t.Errorf("JSON verdict %s", res.Verdict)
	}

	line := lineOf(t, "testdata/payments/queries/payments.sql", "SELECT id, order_id, amount_cents, retry_count")
	annotation := fmt.Sprintf("::error endLine=%d,file=testdata/payments/queries/payments.sql,line=%d,title=qreview seq-scan-large-table::ListPendingPayments: Parallel Seq Scan on payments", line+4, line)
	if !strings.Contains(stdout, annotation) {
		t.Errorf("no annotation at the outage query; stdout:\n%s", stdout)
	}
	summary, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	for _, want := range []string{"## ❌ qreview: FAIL", "| error | [`seq-scan-large-table`]", "**Plan** (cost", "<details><summary>All 4 plan nodes</summary>"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("job summary lacks %q:\n%s", want, summary)
		}
	}
	if len(comments) != 1 || !strings.HasPrefix(comments[0], prcomment.Marker+"\n## ❌ qreview: FAIL") ||
		!strings.Contains(comments[0], "[workflow run](https://github.test/acme/shop/actions/runs/42)") {
		t.Errorf("pull-request comments: %q", comments)
	}
}

// parseOutputs reads a GITHUB_OUTPUT file: name=value lines and
// name<<DELIMITER blocks.
func parseOutputs(t *testing.T, file string) map[string]string {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if name, delim, ok := strings.Cut(lines[i], "<<"); ok {
			var value []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				value = append(value, lines[i])
			}
			out[name] = strings.Join(value, "\n")
			continue
		}
		if name, value, ok := strings.Cut(lines[i], "="); ok {
			out[name] = value
			continue
		}
		t.Errorf("GITHUB_OUTPUT line %q is neither name=value nor name<<DELIMITER", lines[i])
	}
	return out
}

// TestWorkflowRunsTheActionOnTheExample checks the repository's own
// workflow: the fixed example must pass, the outage must fail without
// failing the workflow, and both upload their SARIF.
func TestWorkflowRunsTheActionOnTheExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, ".github/workflows/qreview.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Permissions map[string]string
		Jobs        map[string]struct {
			ContinueOnError bool `yaml:"continue-on-error"`
			Steps           []step
		}
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for name, job := range wf.Jobs {
		var paths string
		uploads := false
		for _, s := range job.Steps {
			if s.Uses == "./" {
				paths = s.With["paths"]
				if s.ID == "" {
					t.Errorf("job %s: the qreview step has no id to read its outputs by", name)
				}
			}
			if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") && strings.Contains(s.If, "always()") &&
				strings.Contains(s.With["sarif_file"], ".outputs.sarif") {
				uploads = true
			}
			if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["fetch-depth"] != "0" {
				t.Errorf("job %s: checkout without fetch-depth: 0 has no base branch for --base", name)
			}
		}
		if paths == "" {
			continue
		}
		found[paths] = true
		if !uploads {
			t.Errorf("job %s: no upload-sarif step that runs always() with the action's sarif output", name)
		}
		if wantFail := paths == "testdata/payments"; job.ContinueOnError != wantFail {
			t.Errorf("job %s reviewing %s: continue-on-error %v", name, paths, job.ContinueOnError)
		}
	}
	if !found["testdata/payments"] || !found["testdata/payments-fixed"] {
		t.Errorf("jobs review %v; want testdata/payments-fixed (passes) and testdata/payments (fails)", found)
	}
	if wf.Permissions["security-events"] != "write" {
		t.Errorf("permissions %v: upload-sarif needs security-events: write", wf.Permissions)
	}
}
