package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/sethvargo/go-githubactions"
)

// goldenFile is golden for a file outside testdata (docs/rules.md).
func goldenFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		i := 0
		for i < len(gotLines) && i < len(wantLines) && gotLines[i] == wantLines[i] {
			i++
		}
		t.Errorf("%s differs from what the code writes from line %d (go test ./report -update rewrites it; review the diff)", path, i+1)
	}
}

func TestMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, payments(t), MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "payments.md", buf.Bytes())
}

// outage is the index in r.Findings of the payments outage's finding.
func outage(t *testing.T, r *Result) int {
	t.Helper()
	for i, f := range r.Findings {
		if f.Rule == "seq-scan-large-table" {
			return i
		}
	}
	t.Fatal("no seq-scan-large-table finding in the payments result")
	return 0
}

// many is the payments result with only n copies of the outage's finding,
// each on its own statement and line, as a large codebase's first run
// might give.
func many(t *testing.T, n int, severity string) *Result {
	r := payments(t)
	f := r.Findings[outage(t, r)]
	var st Statement
	for _, s := range r.Statements {
		if s.ID == f.Statement {
			st = s
		}
	}
	r.Findings = nil
	for i := range n {
		s := st
		s.ID = fmt.Sprintf("X%d", i)
		s.Line, s.EndLine = 100+10*i, 104+10*i
		s.Fingerprint = fmt.Sprintf("%016x", i)
		r.Statements = append(r.Statements, s)
		g := f
		g.Statement, g.Line, g.Severity = s.ID, s.Line, severity
		r.Findings = append(r.Findings, g)
	}
	r.Summary = Summary{Statements: len(r.Statements), Errors: n}
	return r
}

func TestMarkdownCutsToFitAndSaysSo(t *testing.T) {
	r := many(t, 300, "error")
	var full bytes.Buffer
	Markdown(&full, r, MarkdownOptions{})
	for _, max := range []int{full.Len() - 1, full.Len() / 2, 8 << 10} {
		var buf bytes.Buffer
		if err := Markdown(&buf, r, MarkdownOptions{MaxBytes: max, FullReport: "`qreview.json`"}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if buf.Len() > max {
			t.Errorf("max %d: wrote %d bytes", max, buf.Len())
		}
		if !strings.Contains(out, "too long to show whole") || !strings.Contains(out, "the full report is `qreview.json`") {
			t.Errorf("max %d: no note saying what was cut and where the rest is:\n%.600s", max, out)
		}
		if !strings.HasPrefix(out, "## ❌ qreview: FAIL") {
			t.Errorf("max %d: the verdict must survive any cut:\n%.300s", max, out)
		}
	}
	var buf bytes.Buffer
	Markdown(&buf, r, MarkdownOptions{MaxBytes: full.Len()})
	if !bytes.Equal(buf.Bytes(), full.Bytes()) {
		t.Error("a report that fits was changed")
	}
}

func TestMarkdownEscapesTableCells(t *testing.T) {
	r := payments(t)
	r.Findings[outage(t, r)].Message = "a | b <script> c\nd"
	var buf bytes.Buffer
	Markdown(&buf, r, MarkdownOptions{})
	if !strings.Contains(buf.String(), `a \| b &lt;script&gt; c d |`) {
		t.Errorf("message not escaped for a table cell:\n%s", buf.String())
	}
}

// sarifSchema is the SARIF 2.1.0 schema (errata 01) as OASIS publishes it
// in github.com/oasis-tcs/sarif-spec, Schemata/sarif-schema-2.1.0.json.
func validateSARIF(t *testing.T, data []byte) map[string]any {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	sch, err := jsonschema.NewCompiler().Compile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("SARIF does not match the 2.1.0 schema: %v", err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	return m
}

func TestSARIFGoldenAndValid(t *testing.T) {
	var buf bytes.Buffer
	if err := SARIF(&buf, payments(t)); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, buf.Bytes())
	golden(t, "payments.sarif", buf.Bytes())

	// What GitHub code scanning reads.
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID, HelpURI      string
						ShortDescription struct{ Text string }
						FullDescription  struct{ Text string }
						Help             struct{ Text string }
					}
				}
			}
			Results []struct {
				RuleID, Level       string
				RuleIndex           int
				PartialFingerprints map[string]string
				Locations           []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, EndLine int }
					}
				}
			}
		}
	}
	json.Unmarshal(buf.Bytes(), &log)
	run := log.Runs[0]
	for _, rule := range run.Tool.Driver.Rules {
		if rule.ShortDescription.Text == "" || rule.FullDescription.Text == "" || rule.Help.Text == "" ||
			rule.HelpURI != RulesDocURL+"#"+rule.ID {
			t.Errorf("rule %s lacks descriptions, help or its docs link: %+v", rule.ID, rule)
		}
	}
	res := run.Results[len(run.Results)-1]
	loc := res.Locations[0].PhysicalLocation
	if res.RuleID != "seq-scan-large-table" || res.Level != "error" || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID ||
		loc.ArtifactLocation.URI != "testdata/payments/queries/payments.sql" || loc.Region.StartLine != 35 || loc.Region.EndLine != 39 ||
		res.PartialFingerprints[FingerprintKey] == "" {
		t.Errorf("result %+v", res)
	}
}

func TestSARIFFingerprintsIgnoreLinesButNotRules(t *testing.T) {
	fp := func(r *Result) string {
		var buf bytes.Buffer
		SARIF(&buf, r)
		var log struct {
			Runs []struct {
				Results []struct{ PartialFingerprints map[string]string }
			}
		}
		json.Unmarshal(buf.Bytes(), &log)
		return log.Runs[0].Results[0].PartialFingerprints[FingerprintKey]
	}
	base := many(t, 1, "error")
	moved := many(t, 1, "error")
	moved.Findings[0].Line += 7
	moved.Statements[len(moved.Statements)-1].Line += 7
	otherRule := many(t, 1, "error")
	otherRule.Findings[0].Rule = "plan-cost"
	if fp(base) != fp(moved) {
		t.Error("the fingerprint changed when the statement moved down the file")
	}
	if fp(base) == fp(otherRule) {
		t.Error("two rules on one statement share a fingerprint")
	}
}

func TestSARIFMarksBaselinedFindings(t *testing.T) {
	r := many(t, 2, "error")
	baseline := &Baseline{Schema: BaselineSchema}
	b := NewBaseline(r, nil)
	baseline.Findings = b.Findings[:1]
	baseline.Apply(r, nil)
	var buf bytes.Buffer
	SARIF(&buf, r)
	m := validateSARIF(t, buf.Bytes())
	var states []string
	for _, res := range m["runs"].([]any)[0].(map[string]any)["results"].([]any) {
		states = append(states, fmt.Sprint(res.(map[string]any)["baselineState"]))
	}
	if strings.Join(states, ",") != "new,unchanged" {
		t.Errorf("baselineState of the results: %v, want new,unchanged", states)
	}
}

// githubEnv is what a runner gives a step: files for the summary and the
// outputs.
func githubEnv(t *testing.T) (getenv func(string) string, summary, output string) {
	dir := t.TempDir()
	summary, output = filepath.Join(dir, "summary.md"), filepath.Join(dir, "output")
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": output}
	return func(k string) string { return env[k] }, summary, output
}

func TestGitHubGolden(t *testing.T) {
	getenv, summary, output := githubEnv(t)
	var buf bytes.Buffer
	err := GitHub(&buf, payments(t), GitHubOptions{Getenv: getenv, FullReport: "`qreview.json`",
		Reports: map[string]string{"sarif": "out/qreview.sarif", "json": "out/qreview.json"}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "payments.github.txt", buf.Bytes())
	got, _ := os.ReadFile(output)
	golden(t, "payments.github-output.txt", got)
	var md bytes.Buffer
	Markdown(&md, payments(t), MarkdownOptions{})
	got, _ = os.ReadFile(summary)
	if strings.TrimSpace(string(got)) != strings.TrimSpace(md.String()) {
		t.Errorf("job summary is not the Markdown report:\n%s", got)
	}
}

func TestGitHubWithoutRunnerFilesOnlyPrints(t *testing.T) {
	var buf bytes.Buffer
	if err := GitHub(&buf, payments(t), GitHubOptions{Getenv: func(string) string { return "" }}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "::error ") {
		t.Errorf("output:\n%s", buf.String())
	}
}

func TestAnnotationsStayWithinGitHubLimitsAndSaySo(t *testing.T) {
	r := many(t, 25, "error")
	more := many(t, 12, "notice")
	r.Statements = append(r.Statements, more.Statements...)
	for i, f := range more.Findings {
		f.Statement = more.Statements[len(more.Statements)-12+i].ID
		r.Findings = append(r.Findings, f)
	}
	var buf bytes.Buffer
	Annotations(githubactions.New(githubactions.WithWriter(&buf)), r, "`qreview.json`")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	count := map[string]int{}
	for _, line := range lines {
		count[strings.SplitN(line, " ", 2)[0]]++
	}
	// 10 errors, 9 notices at their lines, and the notice that says what was cut.
	last := lines[len(lines)-1]
	if count["::error"] != 10 || count["::notice"] != 9 || len(lines) != 20 {
		t.Errorf("annotations by command: %v, %d in all", count, len(lines))
	}
	want := "::notice::qreview: 18 of 37 findings are not annotated here (GitHub shows 10 annotations of each severity per step); the job summary lists them; the full report is `qreview.json`"
	if last != want {
		t.Errorf("last annotation\n%s\nwant\n%s", last, want)
	}
}

func TestRulesDocGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := RulesDoc(&buf); err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "../docs/rules.md", buf.Bytes())
}

func TestBaselineDropsRecordedFindingsFromTheVerdict(t *testing.T) {
	old := payments(t)
	var file bytes.Buffer
	if err := WriteBaseline(&file, NewBaseline(old, nil)); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBaseline(&file)
	if err != nil {
		t.Fatal(err)
	}

	// The same findings after edits above them: baselined, the gate passes.
	r := payments(t)
	all := len(r.Findings)
	i := outage(t, r)
	r.Findings[i].Line += 3
	r.Findings[i].File = "./" + r.Findings[i].File
	b.Apply(r, nil)
	if r.Verdict != "pass" || len(r.Findings) != 0 || len(r.Baselined) != all || r.Summary.Errors != 0 || r.Summary.Baselined != all {
		t.Errorf("after the baseline: verdict %s, findings %d, baselined %d, summary %+v", r.Verdict, len(r.Findings), len(r.Baselined), r.Summary)
	}

	// A new statement with the same problem is not in the baseline.
	r = many(t, 2, "error")
	b.Apply(r, nil)
	if r.Verdict != "fail" || r.Summary.Errors != 2 || len(r.Baselined) != 0 {
		t.Errorf("new findings: verdict %s, summary %+v", r.Verdict, r.Summary)
	}

	// Rewriting a baseline keeps what it had.
	r = payments(t)
	b.Apply(r, nil)
	if again := NewBaseline(r, nil); len(again.Findings) != all {
		t.Errorf("rewritten baseline has %d findings, want %d", len(again.Findings), all)
	}
}

func TestReadBaselineRejectsOtherFiles(t *testing.T) {
	for _, in := range []string{`{"schema": "qreview/result/v1", "findings": []}`, `{"schema": "qreview/baseline/v1", "finding": []}`, `[]`} {
		if _, err := ReadBaseline(strings.NewReader(in)); err == nil {
			t.Errorf("%s: read as a baseline", in)
		}
	}
}
