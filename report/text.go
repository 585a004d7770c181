package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/qreview/qreview/internal/format"
)

// JSON writes the result as indented JSON.
func JSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Text writes the findings for a terminal: one block per finding, as
// file:line so that editors jump to it, then the verdict.
func Text(w io.Writer, r *Result) error {
	byID := map[string]Statement{}
	for _, s := range r.Statements {
		byID[s.ID] = s
	}
	var b strings.Builder
	for _, f := range r.Findings {
		st := byID[f.Statement]
		name := ""
		if st.Name != "" {
			name = st.Name + ": "
		}
		fmt.Fprintf(&b, "%s:%d: %s [%s] %s%s\n", f.File, f.Line, f.Severity, f.Rule, name, f.Message)
		for _, c := range f.Citations {
			fmt.Fprintf(&b, "    postmortem: %s\n", c)
		}
		if f.Suggestion != "" {
			fmt.Fprintf(&b, "    suggestion: %s\n", f.Suggestion)
		}
		if p := st.PlanFor(f); p != nil {
			fmt.Fprintf(&b, "    plan (cost %s%s): %s\n", format.Count(p.TotalCost), planNote(p), strings.Join(p.Nodes, " → "))
		}
		if f.PlanCache != "" {
			fmt.Fprintf(&b, "    plan cache: %s\n", f.PlanCache)
		}
		approvalNote(&b, f) // approval.go
	}
	if len(r.Findings) > 0 {
		b.WriteString("\n")
	}
	writeApproved(&b, r)
	writeChange(&b, r)
	verdict := "PASS"
	if r.Verdict == "fail" {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "%s: %s, %s, %s in %s (fail-on %s; %s PostgreSQL %s%s)\n",
		verdict, plural(r.Summary.Errors, "error"), plural(r.Summary.Warnings, "warning"),
		plural(r.Summary.Notices, "notice"), plural(r.Summary.Statements, "statement"),
		r.FailOn, r.Database.Provider, r.Database.ServerVersion, tableNote(r.Database.Tables))
	_, err := io.WriteString(w, b.String())
	return err
}

func tableNote(tables []Table) string {
	if len(tables) == 0 {
		return ""
	}
	var parts []string
	for _, t := range tables {
		parts = append(parts, fmt.Sprintf("%s %s", t.Name, format.Count(float64(t.Rows))))
	}
	note := "; rows: " + strings.Join(parts, ", ")
	if sizes := SizeNote(tables); sizes != "" {
		note += "; " + sizes
	}
	return note
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeChange lists the change's statements with what applying them on
// the seeded database took and the locks they hold.
func writeChange(b *strings.Builder, r *Result) {
	if r.Change == "" {
		return
	}
	fmt.Fprintf(b, "change: %s\n", r.Change)
	for _, s := range r.Statements {
		m := s.Migration
		if m == nil {
			continue
		}
		var locks []string
		for _, l := range m.Locks {
			lock := l.Mode + " on " + l.Table
			if l.Blocks != "" {
				lock += " (blocks " + l.Blocks + ")"
			}
			locks = append(locks, lock)
		}
		fmt.Fprintf(b, "    %s:%d: %.0f ms", s.File, s.Line, m.TookMS)
		if len(locks) > 0 {
			fmt.Fprintf(b, ", holds %s", strings.Join(locks, ", "))
		}
		if m.Note != "" {
			fmt.Fprintf(b, "; %s", m.Note)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}
