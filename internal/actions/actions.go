// Package actions is what qreview does when it runs in GitHub Actions:
// annotations, the job summary and step outputs, and the pull-request
// comment.
package actions

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/qreview/qreview/internal/prcomment"
	"github.com/qreview/qreview/internal/repopath"
	"github.com/qreview/qreview/report"
	"github.com/sethvargo/go-githubactions"
)

// Write writes --format github: annotations and the text report on
// stdout, the job summary and step outputs to the runner's files.
func Write(stdout io.Writer, res *report.Result, written map[string]string) error {
	return report.GitHub(stdout, ForRepository(res), report.GitHubOptions{Reports: written, FullReport: fullReport(written)})
}

// fullReport says where the complete report of this run can be read, for
// the notes that say what GitHub's size limits cut ("" when none was
// written). The action uploads its reports as an artifact and names it in
// QREVIEW_ARTIFACT.
func fullReport(written map[string]string) string {
	for _, format := range []string{"json", "sarif", "markdown", "text"} {
		file, ok := written[format]
		if !ok {
			continue
		}
		if artifact := os.Getenv("QREVIEW_ARTIFACT"); artifact != "" {
			return fmt.Sprintf("`%s` in the workflow artifact `%s`", filepath.Base(file), artifact)
		}
		return "`" + file + "`"
	}
	return ""
}

// ForRepository is res with its file paths relative to the repository
// root, as GitHub wants them for annotations and code scanning.
func ForRepository(res *report.Result) *report.Result {
	rel := repopath.Relative()
	out := *res
	out.Statements = append([]report.Statement(nil), res.Statements...)
	for i := range out.Statements {
		out.Statements[i].File = rel(out.Statements[i].File)
	}
	for _, list := range []*[]report.Finding{&out.Findings, &out.Baselined} {
		copied := append([]report.Finding(nil), (*list)...)
		for i := range copied {
			copied[i].File = rel(copied[i].File)
		}
		*list = copied
	}
	return &out
}

// Comment puts the Markdown report on the pull request the
// workflow runs for, as one comment updated on every run. A comment that
// cannot be posted (no token, not a pull request, a fork's read-only
// token) is a warning, not a failure: the gate's verdict stands either way.
func Comment(res *report.Result, written map[string]string) {
	warn := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "qreview: --comment: "+format+"\n", args...) }
	token := os.Getenv("GITHUB_TOKEN")
	if token == "" {
		warn("no GITHUB_TOKEN; no comment posted")
		return
	}
	gh, err := githubactions.New().Context()
	if err != nil {
		warn("reading the GitHub Actions environment: %v", err)
		return
	}
	number := pullRequestNumber(gh.Event)
	owner, repo := gh.Repo()
	if number == 0 || owner == "" || repo == "" {
		warn("not a pull_request event (GITHUB_EVENT_PATH, GITHUB_REPOSITORY); no comment posted")
		return
	}
	var body bytes.Buffer
	footer := fmt.Sprintf("\n<sub>qreview %s", res.Tool.Version)
	if gh.RunID != 0 {
		footer += fmt.Sprintf(" · [workflow run](%s/%s/%s/actions/runs/%d)", gh.ServerURL, owner, repo, gh.RunID)
	}
	footer += "</sub>\n"
	full := fullReport(written)
	if full == "" {
		full = "in the job summary"
	}
	report.Markdown(&body, ForRepository(res), report.MarkdownOptions{
		MaxBytes: prcomment.MaxBody - len(prcomment.Marker) - len(footer) - 64, FullReport: full})
	body.WriteString(footer)

	client, err := prcomment.New(gh.APIURL, token)
	if err != nil {
		warn("%v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url, created, err := client.Upsert(ctx, owner, repo, number, body.String())
	if err != nil {
		warn("%v", err)
		return
	}
	if created {
		fmt.Fprintf(os.Stderr, "qreview: commented on the pull request: %s\n", url)
	} else {
		fmt.Fprintf(os.Stderr, "qreview: updated the comment on the pull request: %s\n", url)
	}
}

// pullRequestNumber is the number of the pull request a pull_request or
// pull_request_target event is about, 0 for any other event.
func pullRequestNumber(event map[string]any) int {
	pr, ok := event["pull_request"].(map[string]any)
	if !ok {
		return 0
	}
	n, _ := pr["number"].(float64)
	return int(n)
}
