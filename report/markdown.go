package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/rules"
)

// MarkdownOptions shape the Markdown report for where it is shown.
type MarkdownOptions struct {
	// MaxBytes caps the report (GitHub takes 1 MiB per step summary and
	// 65,536 characters per comment); 0 means no cap. Past it, the details
	// of the last findings go first, then their table rows, and a note says
	// how many were left out and where the full report is.
	MaxBytes int
	// FullReport names where the complete report can be read, for that note.
	FullReport string
}

// planNodesShown caps the node list of one plan: a plan with thousands of
// nodes would otherwise crowd every other finding out of a capped report.
const planNodesShown = 200

// Markdown writes the result for GitHub (job summary, pull-request comment)
// or any CI that renders Markdown: the verdict, a table of the findings,
// then for each one the suggestion, the plan excerpt and, collapsed, the
// SQL and every plan node.
func Markdown(w io.Writer, r *Result, opt MarkdownOptions) error {
	byID := statementsByID(r)
	head := markdownHead(r)
	var rows, details []string
	for i, f := range bySeverity(r.Findings) {
		rows = append(rows, findingRow(f, byID[f.Statement]))
		details = append(details, findingDetails(i+1, f, byID[f.Statement]))
	}
	tail := changeSection(r) + baselinedSection(r) + approvalsSection(r)

	// Drop the details, then the rows, of the last findings until the
	// report fits; noteReserve keeps room for the note that says so.
	const noteReserve = 1024
	size := len(head) + len(tail) + sum(rows) + sum(details) + len(tableHeader)
	nRows, nDetails := len(rows), len(details)
	if opt.MaxBytes > 0 && size > opt.MaxBytes {
		for nDetails > 0 && size+noteReserve > opt.MaxBytes {
			nDetails--
			size -= len(details[nDetails])
		}
		for nRows > 0 && size+noteReserve > opt.MaxBytes {
			nRows--
			size -= len(rows[nRows])
		}
		if size+noteReserve > opt.MaxBytes {
			tail = "" // the baselined list goes last of all
		}
	}

	var b strings.Builder
	b.WriteString(head)
	if len(r.Findings) > 0 {
		if note := cutNote(len(r.Findings), nRows, nDetails, opt.FullReport); note != "" {
			b.WriteString(note)
		}
		if nRows > 0 {
			b.WriteString(tableHeader)
			for _, row := range rows[:nRows] {
				b.WriteString(row)
			}
		}
		for _, d := range details[:nDetails] {
			b.WriteString(d)
		}
	}
	b.WriteString(tail)
	_, err := io.WriteString(w, b.String())
	return err
}

const tableHeader = "\n| Severity | Rule | Location | Statement | Finding |\n|---|---|---|---|---|\n"

func markdownHead(r *Result) string {
	var b strings.Builder
	if r.Verdict == "fail" {
		b.WriteString("## ❌ qreview: FAIL\n\n")
	} else {
		b.WriteString("## ✅ qreview: PASS\n\n")
	}
	fmt.Fprintf(&b, "%s, %s, %s in %s (fail-on `%s`; %s PostgreSQL %s%s).\n",
		bold(r.Summary.Errors, "error"), bold(r.Summary.Warnings, "warning"), bold(r.Summary.Notices, "notice"),
		plural(r.Summary.Statements, "statement"), r.FailOn, r.Database.Provider, r.Database.ServerVersion,
		tableNote(r.Database.Tables))
	if n := len(r.Baselined); n > 0 {
		fmt.Fprintf(&b, "\n%s recorded in the baseline %s reported below but not counted.\n", plural(n, "finding"), isAre(n))
	}
	if len(r.Findings) == 0 && len(r.Baselined) == 0 {
		b.WriteString("\nNo findings.\n")
	}
	return b.String()
}

func findingRow(f Finding, st Statement) string {
	return fmt.Sprintf("| %s | [`%s`](%s) | `%s:%d` | %s | %s |\n",
		f.Severity, f.Rule, RuleURL(f.Rule), f.File, f.Line, cell(orDash(st.Name)), cell(f.Message))
}

func findingDetails(n int, f Finding, st Statement) string {
	var b strings.Builder
	title := text(st.Name)
	if title == "" {
		title = "`" + strings.ReplaceAll(excerpt(st.SQL, 60), "`", "'") + "`"
	}
	fmt.Fprintf(&b, "\n### %d. %s — `%s:%d`\n\n", n, title, f.File, f.Line)
	fmt.Fprintf(&b, "**%s** [`%s`](%s)", f.Severity, f.Rule, RuleURL(f.Rule))
	if rule := rules.Lookup(f.Rule); rule != nil {
		fmt.Fprintf(&b, ": %s", text(rule.Summary))
	}
	fmt.Fprintf(&b, "\n\n%s\n", text(f.Message))
	for _, c := range f.Citations {
		fmt.Fprintf(&b, "\n**Postmortem:** %s\n", text(c))
	}
	if f.Suggestion != "" {
		fmt.Fprintf(&b, "\n**Suggestion:** %s\n", text(f.Suggestion))
	}
	if p := st.PlanFor(f); p != nil {
		fmt.Fprintf(&b, "\n**Plan** (cost %s%s): %s\n", format.Count(p.TotalCost), text(planNote(p)), planExcerpt(p, f))
	}
	if f.PlanCache != "" {
		fmt.Fprintf(&b, "\n**Plan cache:** %s\n", text(f.PlanCache))
	}
	if st.SQL != "" {
		fmt.Fprintf(&b, "\n<details><summary>SQL</summary>\n\n%s\n</details>\n", fenced("sql", st.SQL))
	}
	if p := st.Plan; p != nil && len(p.Nodes) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>All %s</summary>\n\n", plural(len(p.Nodes), "plan node"))
		for i, node := range p.Nodes {
			if i == planNodesShown {
				fmt.Fprintf(&b, "\n… and %d more (the JSON report lists them all)\n", len(p.Nodes)-planNodesShown)
				break
			}
			fmt.Fprintf(&b, "%d. %s\n", i+1, text(node))
		}
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// planExcerptNodes is how many nodes the inline excerpt shows; the full
// list is in the collapsed section below it.
const planExcerptNodes = 6

// planExcerpt shows the top of the plan down to the node the finding is
// about (in bold), or the first few nodes when it names none.
func planExcerpt(p *PlanSummary, f Finding) string {
	flagged, _ := f.Evidence["node"].(string)
	end := min(len(p.Nodes), planExcerptNodes)
	for i, n := range p.Nodes {
		if n == flagged && i >= end {
			end = i + 1
			break
		}
	}
	parts := make([]string, 0, end+1)
	for _, n := range p.Nodes[:end] {
		if n == flagged {
			parts = append(parts, "**"+text(n)+"**")
		} else {
			parts = append(parts, text(n))
		}
	}
	if rest := len(p.Nodes) - end; rest > 0 {
		parts = append(parts, fmt.Sprintf("… (%d more)", rest))
	}
	return strings.Join(parts, " → ")
}

// changeSection lists the change's statements with what applying them on
// the seeded database took and the locks they held: the DBA's evidence
// that the migration is safe to run against production.
func changeSection(r *Result) string {
	if r.Change == "" {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### The change, applied to the seeded database\n\n%s\n", text(r.Change))
	rows := 0
	for _, s := range r.Statements {
		m := s.Migration
		if m == nil {
			continue
		}
		if rows == 0 {
			b.WriteString("\n| Statement | Took | Locks held | Note |\n|---|---|---|---|\n")
		}
		rows++
		var locks []string
		for _, l := range m.Locks {
			lock := fmt.Sprintf("%s on %s", l.Mode, l.Table)
			if l.Blocks != "" {
				lock += " (blocks " + l.Blocks + ")"
			}
			locks = append(locks, lock)
		}
		fmt.Fprintf(&b, "| `%s:%d` %s | %.0f ms | %s | %s |\n", s.File, s.Line, cell(excerpt(s.SQL, 60)), m.TookMS,
			cell(orDash(strings.Join(locks, ", "))), cell(orDash(m.Note)))
	}
	return b.String()
}

func baselinedSection(r *Result) string {
	if len(r.Baselined) == 0 {
		return ""
	}
	byID := statementsByID(r)
	var b strings.Builder
	fmt.Fprintf(&b, "\n<details><summary>%s recorded in the baseline (not counted)</summary>\n", plural(len(r.Baselined), "finding"))
	b.WriteString(tableHeader)
	for _, f := range r.Baselined {
		b.WriteString(findingRow(f, byID[f.Statement]))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

func cutNote(total, rows, details int, fullReport string) string {
	if rows == total && details == total {
		return ""
	}
	where := "run qreview with `--format json` for the full report"
	if fullReport != "" {
		where = "the full report is " + fullReport
	}
	if rows < total {
		return fmt.Sprintf("\n> [!WARNING]\n> This report is too long to show whole: %d of %d findings are listed and %d in detail; %s.\n",
			rows, total, details, where)
	}
	return fmt.Sprintf("\n> [!NOTE]\n> This report is too long to show whole: the details of %d of %d findings are left out; %s.\n",
		total-details, total, where)
}

// bySeverity orders findings errors first, keeping their order otherwise.
func bySeverity(findings []Finding) []Finding {
	sorted := append([]Finding(nil), findings...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return rules.Severity(sorted[i].Severity).Rank() > rules.Severity(sorted[j].Severity).Rank()
	})
	return sorted
}

// excerpt is the start of a statement on one line, for a heading.
func excerpt(sql string, n int) string {
	s := strings.Join(strings.Fields(sql), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func statementsByID(r *Result) map[string]Statement {
	byID := map[string]Statement{}
	for _, s := range r.Statements {
		byID[s.ID] = s
	}
	return byID
}

// text keeps server messages and SQL fragments from being read as HTML
// or breaking a table.
func text(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "", "\n", " ").Replace(s)
}

// cell is text for a table cell, where a bare | would end the cell.
func cell(s string) string { return strings.ReplaceAll(text(s), "|", `\|`) }

// fenced wraps code in a fence longer than any run of backticks inside it.
func fenced(lang, code string) string {
	fence := "```"
	for strings.Contains(code, fence) {
		fence += "`"
	}
	return fence + lang + "\n" + strings.TrimRight(code, "\n") + "\n" + fence
}

func bold(n int, noun string) string {
	if n == 0 {
		return plural(n, noun)
	}
	return "**" + plural(n, noun) + "**"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func sum(parts []string) int {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	return n
}
