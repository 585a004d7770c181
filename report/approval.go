package report

import (
	"fmt"
	"strings"
)

// Approval is a DBA's waiver of a statement's findings, recorded in
// .qreview/approvals.yaml (package approval applies it).
type Approval struct {
	Fingerprint string   `json:"fingerprint"`
	By          string   `json:"by"`
	Reason      string   `json:"reason"`
	Approved    string   `json:"approved"`          // YYYY-MM-DD
	Expires     string   `json:"expires,omitempty"` // YYYY-MM-DD, the last day it holds
	Status      string   `json:"status"`            // "approved" (in force) or "expired"
	Statements  []string `json:"statements,omitempty"`
}

// Approval statuses.
const (
	ApprovalInForce = "approved"
	ApprovalExpired = "expired"
)

// Rollback is one migration of the change and its down/undo part.
type Rollback struct {
	Migration string `json:"migration"`
	Format    string `json:"format"`
	Status    string `json:"status"`             // present, missing, or unchecked (no down convention)
	Rollback  string `json:"rollback,omitempty"` // the file holding the down part
	Section   string `json:"section,omitempty"`  // its marker, when it is a section of the migration's own file
}

// when says who approved, when, until when and why, in one line.
func (a *Approval) when() string {
	s := fmt.Sprintf("by %s on %s", a.By, a.Approved)
	if a.Expires != "" {
		s += " until " + a.Expires
	}
	return s + ": " + a.Reason
}

// approvalNote is the line under a counted finding whose approval expired.
func approvalNote(b *strings.Builder, f Finding) {
	if a := f.Approval; a != nil && a.Status == ApprovalExpired {
		fmt.Fprintf(b, "    approval expired (%s); renew it with qreview approve %s, or fix the statement\n", a.when(), a.Fingerprint)
	}
}

// writeApproved lists the approved findings for a terminal.
func writeApproved(b *strings.Builder, r *Result) {
	if len(r.Approved) == 0 {
		return
	}
	byID := statementsByID(r)
	fmt.Fprintf(b, "approved, not counted: %s\n", plural(len(r.Approved), "finding"))
	for _, f := range r.Approved {
		name := ""
		if st := byID[f.Statement]; st.Name != "" {
			name = st.Name + ": "
		}
		fmt.Fprintf(b, "    %s:%d: %s [%s] %s%s\n", f.File, f.Line, f.Severity, f.Rule, name, f.Message)
		if f.Approval != nil {
			fmt.Fprintf(b, "        approved %s\n", f.Approval.when())
		}
	}
	b.WriteString("\n")
}

// approvalsSection is the Markdown table of approvals, then the findings
// they cover, collapsed.
func approvalsSection(r *Result) string {
	if len(r.Approvals) == 0 {
		return ""
	}
	byID := statementsByID(r)
	var b strings.Builder
	b.WriteString("\n### Approvals\n\n| Statement | Approved by | On | Until | Reason | Status |\n|---|---|---|---|---|---|\n")
	for _, a := range r.Approvals {
		var where []string
		for _, id := range a.Statements {
			st := byID[id]
			loc := fmt.Sprintf("`%s:%d`", st.File, st.Line)
			if st.Name != "" {
				loc = text(st.Name) + " " + loc
			}
			where = append(where, loc)
		}
		status := "approved, not counted"
		if a.Status == ApprovalExpired {
			status = "**expired**: counted again; renew with `qreview approve " + a.Fingerprint + "` or fix the statement"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cell(strings.Join(where, ", ")),
			cell(a.By), a.Approved, orDash(a.Expires), cell(a.Reason), status)
	}
	if len(r.Approved) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>%s approved (not counted)</summary>\n", plural(len(r.Approved), "finding"))
		b.WriteString(tableHeader)
		for _, f := range r.Approved {
			b.WriteString(findingRow(f, byID[f.Statement]))
		}
		b.WriteString("\n</details>\n")
	}
	return b.String()
}
