package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"

	"github.com/qreview/qreview/rules"
	"github.com/sethvargo/go-githubactions"
)

// GitHub's limits on what one step may show, from its documentation of
// workflow commands and job summaries: annotations past the first ten
// errors and ten warnings of a step (and fifty of a job) are dropped
// without a word, and a step summary over 1 MiB is refused whole.
const (
	AnnotationsPerKind = 10
	StepSummaryLimit   = 1 << 20
)

// summaryBudget leaves room under StepSummaryLimit for whatever else the
// step writes to its summary.
const summaryBudget = StepSummaryLimit - 64<<10

// GitHubOptions say where the rest of the run's output went.
type GitHubOptions struct {
	// Getenv finds GITHUB_STEP_SUMMARY and GITHUB_OUTPUT (os.Getenv when nil).
	Getenv func(string) string
	// Reports maps a format (json, sarif, markdown, text) to the file it
	// was written to in this run; each becomes the step output <format>-file.
	Reports map[string]string
	// FullReport names where the complete report is, for the notes that
	// say what GitHub's limits cut.
	FullReport string
}

// GitHub writes the result for GitHub Actions: one annotation per finding
// at its file and line (errors first, as many as GitHub shows), then the
// text report for the log; the Markdown report as the job summary; and
// the verdict, counts and report paths as step outputs. File paths must
// be relative to the repository root for annotations to land on the diff.
func GitHub(w io.Writer, r *Result, opt GitHubOptions) (err error) {
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	// go-githubactions panics when an environment file cannot be written.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("github: %v", p)
		}
	}()
	a := githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(getenv))
	Annotations(a, r, opt.FullReport)
	if err := Text(w, r); err != nil {
		return err
	}
	if getenv("GITHUB_STEP_SUMMARY") != "" {
		var md bytes.Buffer
		if err := Markdown(&md, r, MarkdownOptions{MaxBytes: summaryBudget, FullReport: opt.FullReport}); err != nil {
			return err
		}
		a.AddStepSummary(md.String())
	}
	if getenv("GITHUB_OUTPUT") != "" {
		a.SetOutput("verdict", r.Verdict)
		a.SetOutput("errors", strconv.Itoa(r.Summary.Errors))
		a.SetOutput("warnings", strconv.Itoa(r.Summary.Warnings))
		a.SetOutput("notices", strconv.Itoa(r.Summary.Notices))
		a.SetOutput("baselined", strconv.Itoa(r.Summary.Baselined))
		formats := make([]string, 0, len(opt.Reports))
		for f := range opt.Reports {
			formats = append(formats, f)
		}
		sort.Strings(formats)
		for _, f := range formats {
			a.SetOutput(f+"-file", opt.Reports[f])
		}
	}
	return nil
}

// Annotations issues one workflow command per finding, errors first, at
// most AnnotationsPerKind of each severity; when that cuts any, a last
// notice says how many and where they all are.
func Annotations(a *githubactions.Action, r *Result, fullReport string) {
	byID := statementsByID(r)
	bySeverity := map[rules.Severity][]Finding{}
	for _, f := range r.Findings {
		s := rules.Severity(f.Severity)
		bySeverity[s] = append(bySeverity[s], f)
	}
	order := []rules.Severity{rules.Error, rules.Warning, rules.Notice}
	limit := map[rules.Severity]int{rules.Error: AnnotationsPerKind, rules.Warning: AnnotationsPerKind, rules.Notice: AnnotationsPerKind}
	cut := func() int {
		n := 0
		for _, s := range order {
			n += max(0, len(bySeverity[s])-limit[s])
		}
		return n
	}
	if cut() > 0 {
		limit[rules.Notice]-- // the last notice says what was cut
	}
	for _, s := range order {
		for i, f := range bySeverity[s] {
			if i == limit[s] {
				break
			}
			annotate(a, s, f, byID[f.Statement])
		}
	}
	if n := cut(); n > 0 {
		where := "the job summary lists them"
		if fullReport != "" {
			where += "; the full report is " + fullReport
		}
		a.Noticef("qreview: %d of %d findings are not annotated here (GitHub shows %d annotations of each severity per step); %s",
			n, len(r.Findings), AnnotationsPerKind, where)
	}
}

func annotate(a *githubactions.Action, s rules.Severity, f Finding, st Statement) {
	fields := map[string]string{"file": f.File, "line": strconv.Itoa(f.Line), "title": "qreview " + f.Rule}
	if st.EndLine > f.Line {
		fields["endLine"] = strconv.Itoa(st.EndLine)
	}
	msg := detail(f, st) + "\n" + RuleURL(f.Rule)
	at := a.WithFieldsMap(fields)
	// The message goes through a format string; %s keeps a % in it literal.
	switch s {
	case rules.Error:
		at.Errorf("%s", msg)
	case rules.Warning:
		at.Warningf("%s", msg)
	default:
		at.Noticef("%s", msg)
	}
}
