package review

// The end-to-end golden corpus, sqlc's endtoend habit: every folder under
// testdata/cases is one case (its repository, or the path of a bundled
// example, its config, exec.json with the options and the contexts to run
// it in, the expected normalized result.json, or stderr.txt for a review
// that cannot be done). Each case runs in-process in every database
// context it names, cases in parallel; in the contexts that keep a cache
// the case runs twice, and the warm run must equal the cold one.
// `go test ./review -run Golden -update` rewrites the expectations:
// review the diff.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/qreview/qreview/report"
)

var update = flag.Bool("update", false, "rewrite the golden corpus's expected results")

const casesDir = "../testdata/cases"

// execFile is a case's exec.json.
type execFile struct {
	Paths    []string `json:"paths"` // relative to the case folder; default the folder itself
	FailOn   string   `json:"fail_on"`
	Base     string   `json:"base"`
	Contexts []string `json:"contexts"` // default: every context
	Absent   []string `json:"absent"`   // files no run may create (what a hostile statement would leave)
}

func readExec(t *testing.T, dir string) execFile {
	var e execFile
	data, err := os.ReadFile(filepath.Join(dir, "exec.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s/exec.json: %v", dir, err)
	}
	if len(e.Paths) == 0 {
		e.Paths = []string{"."}
	}
	if len(e.Contexts) == 0 {
		e.Contexts = allContexts
	}
	for _, c := range e.Contexts {
		if contexts[c] == nil {
			t.Fatalf("%s/exec.json: unknown context %q (known: %s)", dir, c, strings.Join(allContexts, ", "))
		}
	}
	return e
}

func TestGolden(t *testing.T) {
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		if !entry.IsDir() {
			continue
		}
		dir := filepath.Join(casesDir, entry.Name())
		t.Run(entry.Name(), func(t *testing.T) {
			t.Parallel()
			e := readExec(t, dir)
			var first string // the first context's normalized outcome
			for _, name := range e.Contexts {
				t.Run(name, func(t *testing.T) {
					ctxt := contexts[name](t)
					if ctxt == nil {
						t.Skipf("context %s is not available here", name)
					}
					runs := 1
					if ctxt.cached {
						runs = 2 // cold, then warm from the cache the cold run kept
					}
					for run := 0; run < runs; run++ {
						got := runCase(t, dir, e, ctxt, run > 0)
						if first == "" {
							first = got
							compareGolden(t, dir, got)
						} else if got != first {
							t.Errorf("run %d in %s differs from the first run:\n%s", run+1, name, diffLines(first, got))
						}
					}
				})
			}
		})
	}
}

// runCase reviews the case in one database context and returns its
// normalized outcome: the result, or the error.
func runCase(t *testing.T, dir string, e execFile, c *dbContext, warm bool) string {
	t.Helper()
	var paths []string
	for _, p := range e.Paths {
		paths = append(paths, filepath.Join(dir, p))
	}
	var log bytes.Buffer
	// No approvals or baseline: their default files are relative to the
	// working directory, which has none.
	opts := Options{Paths: paths, Database: c.db, FailOn: e.FailOn, Base: e.Base, Log: &log, Version: "golden"}
	if c.serial != nil { // one review at a time on a shared server, so that its check is exact
		c.serial.Lock()
		defer c.serial.Unlock()
	}
	for _, f := range e.Absent {
		os.Remove(f)
	}
	res, err := Run(context.Background(), opts)
	if c.check != nil {
		c.check(t)
	}
	for _, f := range e.Absent {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s exists: a reviewed statement reached the server's machine", f)
		}
	}
	if warm && err == nil && !strings.Contains(log.String(), "qreview: warm:") {
		t.Errorf("the second run did not reuse what the first kept:\n%s", log.String())
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		return "error: " + normalizeText(err.Error(), dir) + "\n"
	}
	return normalizeResult(t, res, dir)
}

func compareGolden(t *testing.T, dir, got string) {
	t.Helper()
	name := "result.json"
	if strings.HasPrefix(got, "error: ") {
		name = "stderr.txt"
	}
	path := filepath.Join(dir, name)
	if *update {
		os.Remove(filepath.Join(dir, "result.json"))
		os.Remove(filepath.Join(dir, "stderr.txt"))
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./review -run Golden -update writes it)\ngot:\n%s", err, got)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./review -run Golden -update rewrites it; review the diff):\n%s", path, diffLines(string(want), got))
	}
}

// normalizeResult keeps what must not change between runs and contexts:
// statements, findings with their messages, verdict and counts. Plan
// costs, estimates and timings move with ANALYZE's sample and the
// machine, so numbers in prose become '#' and the plans' figures go.
func normalizeResult(t *testing.T, res *report.Result, dir string) string {
	t.Helper()
	type statement struct {
		ID, File, Kind, Name, Error string
		Line                        int
		Plan                        string   `json:",omitempty"` // the node chain production runs
		Locks                       []string `json:",omitempty"` // a change statement's locks: "table mode"
	}
	type finding struct {
		Rule, Severity, Statement, File, Message, Suggestion, Plan string
		Line                                                       int
		Postmortems                                                []string `json:",omitempty"`
	}
	out := struct {
		Verdict    string
		Summary    report.Summary
		Tables     []string
		Statements []statement
		Findings   []finding
		Approved   int `json:",omitempty"`
		Baselined  int `json:",omitempty"`
	}{Verdict: res.Verdict, Summary: res.Summary, Approved: len(res.Approved), Baselined: len(res.Baselined)}
	for _, tb := range res.Database.Tables {
		out.Tables = append(out.Tables, tb.Name)
	}
	sort.Strings(out.Tables)
	for _, s := range res.Statements {
		st := statement{ID: s.ID, File: relative(s.File, dir), Line: s.Line, Kind: s.Kind, Name: s.Name}
		if s.Error != nil {
			st.Error = normalizeText(*s.Error, dir)
		}
		if s.Migration != nil {
			for _, l := range s.Migration.Locks {
				st.Locks = append(st.Locks, l.Table+" "+l.Mode)
			}
		}
		if s.Plan != nil {
			st.Plan = normalizeText(strings.Join(s.Plan.Nodes, " → "), dir)
		}
		out.Statements = append(out.Statements, st)
	}
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, finding{Rule: f.Rule, Severity: f.Severity, Statement: f.Statement,
			File: relative(f.File, dir), Line: f.Line, Message: normalizeText(f.Message, dir),
			Suggestion: normalizeText(f.Suggestion, dir), Plan: normalizeText(f.Plan, dir), Postmortems: f.Postmortems})
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data) + "\n"
}

var (
	number  = regexp.MustCompile(`[0-9][0-9,.]*`)
	tempDir = regexp.MustCompile(`(/tmp|/var/cache)/[^\s:'"]*`)
	runName = regexp.MustCompile(`qreview_(run_)?[0-9a-f]{12}`)
	// How an index was proven depends on the server, not the input:
	// with hypopg where the provider's role may create it, else a real
	// index in a rolled-back savepoint (another name in the plan).
	proof = regexp.MustCompile(`-- verified \([^)]*\): .*`)
)

// normalizeText takes out what differs from run to run or server to
// server: the case's absolute path, temp dirs, run IDs, how an index was
// proven, and every number.
func normalizeText(s, dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		s = strings.ReplaceAll(s, abs+"/", "")
	}
	s = strings.ReplaceAll(s, dir+"/", "")
	s = tempDir.ReplaceAllString(s, "<tmp>")
	s = runName.ReplaceAllString(s, "qreview_<run>")
	s = proof.ReplaceAllString(s, "-- verified")
	return number.ReplaceAllString(s, "#")
}

func relative(file, dir string) string {
	if r, err := filepath.Rel(dir, file); err == nil {
		return filepath.ToSlash(r)
	}
	return file
}

// diffLines shows the lines of got that want lacks and the reverse.
func diffLines(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	in := func(lines []string) map[string]int {
		m := map[string]int{}
		for _, l := range lines {
			m[l]++
		}
		return m
	}
	wm, gm := in(wl), in(gl)
	var b strings.Builder
	for _, l := range wl {
		if gm[l] == 0 {
			b.WriteString("- " + l + "\n")
		} else {
			gm[l]--
		}
	}
	for _, l := range gl {
		if wm[l] == 0 {
			b.WriteString("+ " + l + "\n")
		} else {
			wm[l]--
		}
	}
	return b.String()
}
