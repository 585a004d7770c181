package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/qreview/qreview/report"
)

// qreview report renders a saved result as review would have: its Markdown
// is the Markdown golden of the payments result, on standard output and
// in a file.
func TestReportMarkdownGolden(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(repoRoot, "report/testdata/payments.md"))
	if err != nil {
		t.Fatal(err)
	}
	r := qreview(t, nil, "report", "--in", "report/testdata/payments.result.json", "--format", "markdown")
	if r.code != exitPass {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	if r.stdout != string(want) {
		t.Errorf("qreview report --format markdown differs from report/testdata/payments.md (go test ./report -update rewrites it):\n%s", r.stdout)
	}
	out := filepath.Join(scratchTmp(t), "report.md")
	if r := qreview(t, nil, "report", "--in", "report/testdata/payments.result.json", "--format", "markdown", "--output", out); r.code != exitPass || r.stdout != "" {
		t.Fatalf("--output: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
	}
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, want) {
		t.Errorf("--output %s: %v, or it differs from the golden", out, err)
	}
}

// What is not a qreview result is refused with exit 2 and a message that
// names the file and what is wrong, and no report is written.
func TestReportRejectsWhatIsNotAResult(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"broken.json":   "{\n  \"schema\": \"qreview/result/v1\",\n  \"tool\": {\n}",
		"baseline.json": `{"schema": "qreview/baseline/v1", "findings": []}`,
		"invalid.json":  `{"schema": "qreview/result/v1", "tool": {"name": "qreview", "version": "1"}, "verdict": "maybe"}`,
	})
	out := filepath.Join(dir, "report.html")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no --in", []string{"--format", "html"}, []string{"--in: name the JSON result"}},
		{"missing file", []string{"--in", filepath.Join(dir, "nope.json")}, []string{"--in:", "nope.json", "no such file"}},
		{"not JSON", []string{"--in", filepath.Join(dir, "broken.json")}, []string{"broken.json:4:1: not JSON: unexpected end of JSON input"}},
		{"a SARIF file", []string{"--in", "report/testdata/payments.sarif"}, []string{"payments.sarif: not a qreview result", `"schema" is missing`}},
		{"a baseline", []string{"--in", filepath.Join(dir, "baseline.json")}, []string{"baseline.json: not a qreview result", `"qreview/baseline/v1"`}},
		{"schema violation", []string{"--in", filepath.Join(dir, "invalid.json")}, []string{"invalid.json: not a valid qreview/result/v1 result", "at /verdict"}},
		{"unknown format", []string{"--in", "report/testdata/payments.result.json", "--format", "pdf"}, []string{`--format "pdf": use html or markdown`}},
	}
	for _, tt := range tests {
		r := qreview(t, nil, append(append([]string{"report"}, tt.args...), "--output", out)...)
		if r.code != exitBroken || !containsAll(r.stderr, tt.want...) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 naming %q", tt.name, r.code, r.stderr, tt.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%s: a report was written", tt.name)
		}
	}
}

// chromium is the headless browser the HTML report test drives: Debian's
// chromium (.ci/steps/20-chromium.sh installs it), or Chrome.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// artifactsDir is where tests leave what people look at afterwards:
// $QREVIEW_ARTIFACTS, else artifacts/ at the repository root (ignored by
// git).
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("QREVIEW_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repoRoot, "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The HTML report of the payments example, opened in headless Chromium:
// it loads with no console error and fetches nothing but itself, the
// outage's plan is shown open with its expensive node marked, a collapsed
// statement and plan node expand when clicked, print shows what the screen
// hides, and screenshots are left as artifacts. No browser process
// outlives the test.
func TestHTMLReportInChromium(t *testing.T) {
	browser := chromium()
	if browser == "" {
		t.Skip("no chromium binary on PATH (apt-get install chromium; .ci/steps/20-chromium.sh does it in CI)")
	}
	dir := scratchTmp(t)
	r := qreview(t, nil, "review", "testdata/payments", "--db", "local",
		"--format", "json="+filepath.Join(dir, "result.json"), "--format", "html="+filepath.Join(dir, "review.html"))
	if r.code != exitFail {
		t.Fatalf("review: exit %d, want 1 (the outage query)\n%s", r.code, r.stderr)
	}
	resultJSON, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := decode(t, string(resultJSON))
	page := filepath.Join(dir, "report.html")
	if r := qreview(t, nil, "report", "--in", filepath.Join(dir, "result.json"), "--format", "html", "--output", page); r.code != exitPass {
		t.Fatalf("report: exit %d\n%s", r.code, r.stderr)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if fromReview, _ := os.ReadFile(filepath.Join(dir, "review.html")); !bytes.Equal(fromReview, html) {
		t.Errorf("review --format html and report --format html of its JSON result differ")
	}
	outage, collapsed := statementNamed(t, res, "ListPendingPayments"), statementNamed(t, res, "ListOrderPayments")
	if outage.Plan == nil || outage.Plan.Tree == nil || collapsed.Plan == nil || collapsed.Plan.Tree == nil || len(collapsed.Plan.Tree.Children) == 0 {
		t.Fatalf("the result lacks the plan trees the report shows: %+v / %+v", outage.Plan, collapsed.Plan)
	}
	artifacts := artifactsDir(t)
	if err := os.WriteFile(filepath.Join(artifacts, "report-payments.html"), html, 0o644); err != nil {
		t.Fatal(err)
	}

	profile := scratchTmp(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.UserDataDir(profile), chromedp.DisableGPU)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", browser, err)
	}
	browserPID := chromedp.FromContext(ctx).Browser.Process().Pid
	defer func() {
		started := append([]int{browserPID}, descendants(browserPID)...)
		if err := chromedp.Cancel(ctx); err != nil {
			t.Errorf("close the browser: %v", err)
		}
		cancelAlloc()
		assertExited(t, started)
	}()

	var mu sync.Mutex
	var problems, requests []string
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s %s:%d: %s", m.Type, m.URL, m.Line+1, m.Text))
				mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range chromedp.Events(ctx, network.RequestWillBeSent) {
			if err != nil {
				return
			}
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	}()
	url := "file://" + page
	// A laptop's screen: what the DBA sees first.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(".verdict"))); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}

	first, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "report-payments.png")
	if err := os.WriteFile(shot, first, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the first screen (1280×800): %s", shot)

	// The outage's plan is open down to its expensive, flagged scan.
	hot, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`[...document.querySelectorAll("#%s .node.hot")].filter(n => n.checkVisibility()).map(n => n.querySelector(".name b").textContent).join(",")`, outage.ID)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hot, "Seq Scan on payments") {
		t.Errorf("the outage's plan shows no expensive Seq Scan on payments (visible expensive nodes: %q)", hot)
	}

	// A statement without findings is one line; its plan is collapsed.
	// Clicking opens the statement, then the plan's root, and the child
	// node's row appears.
	child := collapsed.Plan.Tree.Children[0].Label
	childVisible := fmt.Sprintf(`[...document.querySelectorAll("#%s .node .name b")].some(b => b.textContent === %q && b.checkVisibility())`, collapsed.ID, child)
	rootOpen := fmt.Sprintf(`document.querySelector("#%s details.node").open`, collapsed.ID)
	if visible, err := chromedp.Run(ctx, chromedp.Evaluate[bool](childVisible)); err != nil || visible {
		t.Fatalf("before any click, %s's %s is visible (%v): want it collapsed", collapsed.Name, child, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+collapsed.ID+" > details.more > summary"))); err != nil {
		t.Fatalf("open the statement: %v", err)
	}
	if open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](rootOpen)); err != nil || open {
		t.Fatalf("the plan's root is open (%v) before it is clicked", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+collapsed.ID+" details.node > summary"))); err != nil {
		t.Fatalf("click the plan's root: %v", err)
	}
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](rootOpen))
	if err != nil {
		t.Fatal(err)
	}
	visible, err := chromedp.Run(ctx, chromedp.Evaluate[bool](childVisible))
	if err != nil {
		t.Fatal(err)
	}
	if !open || !visible {
		t.Errorf("after the click, the plan root is open: %v, its child %s is visible: %v; want both", open, child, visible)
	}
	full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	fullShot := filepath.Join(artifacts, "report-payments-full.png")
	if err := os.WriteFile(fullShot, full, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the whole page, ListOrderPayments expanded: %s", fullShot)

	// On paper nothing is collapsed: under print media every node of every
	// statement's plan is laid out, without a script having run.
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".node .name b, pre.sql")].filter(n => !n.checkVisibility()).length`))
	if err != nil {
		t.Fatal(err)
	}
	if hidden != 0 {
		t.Errorf("printed, %d plan nodes or SQL blocks are hidden in collapsed sections", hidden)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(artifacts, "report-payments.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page wrote to the console:\n%s", strings.Join(problems, "\n"))
	}
	for _, u := range requests {
		if u != url && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page fetched %s: the report must be self-contained", u)
		}
	}
	if len(requests) == 0 {
		t.Errorf("no request seen, not even the page's own: the network check checks nothing")
	}
}

func statementNamed(t *testing.T, res *report.Result, name string) report.Statement {
	t.Helper()
	for _, s := range res.Statements {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no statement %s in the result", name)
	return report.Statement{}
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// "pid (comm) state ppid …"; comm may hold spaces and parentheses.
		fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		p, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if len(fields) > 1 {
			ppid, _ := strconv.Atoi(fields[1])
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			out = append(out, c)
			walk(c)
		}
	}
	walk(pid)
	return out
}

// assertExited fails if any of pids still runs (zombies count as gone).
func assertExited(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var alive []string
		for _, pid := range pids {
			data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			if state := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:])); len(state) > 0 && state[0] != "Z" {
				alive = append(alive, strconv.Itoa(pid))
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("browser processes still running after the test: %s", strings.Join(alive, ", "))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
