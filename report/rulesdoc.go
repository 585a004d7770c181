package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/rules"
)

// RulesDocURL is the page docs/rules.md is published at. Each rule is a
// heading there whose anchor is its ID, so RuleURL links straight to it.
const RulesDocURL = "https://github.com/qreview/qreview/blob/main/docs/rules.md"

// RuleURL links to a rule's documentation.
func RuleURL(id string) string { return RulesDocURL + "#" + id }

// RulesDoc writes docs/rules.md from the rule registry, so that the page
// every finding links to says what `qreview rules` says.
func RulesDoc(w io.Writer) error {
	var b strings.Builder
	b.WriteString("<!-- Generated from the rule registry by `go test ./report -update`; edit the rules, not this file. -->\n\n")
	b.WriteString("# qreview rules\n\n")
	b.WriteString("Every finding names one of these rules. Configure them in `.qreview.yaml` under `rules:`\n")
	b.WriteString("(`severity`, `enabled`, and the options below); `qreview rules` prints the same text.\n\n")
	b.WriteString("| Rule | Default severity | Summary |\n|---|---|---|\n")
	for _, r := range rules.All() {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", r.ID, r.ID, r.Severity, cell(r.Summary))
	}
	for _, r := range rules.All() {
		fmt.Fprintf(&b, "\n## %s\n\n", r.ID)
		fmt.Fprintf(&b, "Default severity: **%s**. %s.\n\n", r.Severity, capitalize(r.Summary))
		if len(r.Options) > 0 {
			keys := make([]string, 0, len(r.Options))
			for k := range r.Options {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteString("| Option | Default |\n|---|---|\n")
			for _, k := range keys {
				fmt.Fprintf(&b, "| `%s` | %s |\n", k, format.Number(r.Options[k]))
			}
			b.WriteString("\n")
		}
		b.WriteString(docMarkdown(r.Doc))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// docMarkdown turns a rule's doc text into Markdown: its blocks indented
// by four spaces (SQL to run) become fenced code, which Markdown would
// otherwise read as part of the paragraph above them.
func docMarkdown(doc string) string {
	var b strings.Builder
	inCode, prevBlank := false, false
	for _, line := range strings.Split(doc, "\n") {
		code, isCode := strings.CutPrefix(line, "    ")
		switch {
		case isCode && !inCode:
			if !prevBlank {
				b.WriteString("\n")
			}
			b.WriteString("```sql\n")
			inCode = true
		case !isCode && inCode:
			b.WriteString("```\n")
			inCode = false
		}
		if isCode {
			line = code
		}
		prevBlank = line == ""
		b.WriteString(line + "\n")
	}
	if inCode {
		b.WriteString("```\n")
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
