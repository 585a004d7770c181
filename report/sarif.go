package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/qreview/qreview/rules"
)

// SARIF 2.1.0 through github.com/owenrumney/go-sarif/v2, the Go SARIF
// library that trivy and tfsec have long fed GitHub code scanning with.
// v2 rather than its successor v3: v3's generated types write every
// defaulted member (byteOffset -1, charOffset -1, index -1, rank -1, empty
// arrays) into every region and location, while v2 leaves unset members
// out, which is the shape of GitHub's own SARIF examples. Both keep
// run.results present when empty, which GitHub's upload requires.

// FingerprintKey names qreview's partial fingerprint in SARIF results.
const FingerprintKey = "qreviewFinding/v1"

// SARIF writes the result as a SARIF 2.1.0 log for GitHub code scanning:
// the rules it found something for, with their docs, and one result per
// finding located at its statement. When a baseline was applied, its findings are included
// with baselineState "unchanged" and the others "new" (SARIF's own terms
// for a comparison with a baseline).
func SARIF(w io.Writer, r *Result) error {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	run := sarif.NewRunWithInformationURI("qreview", "https://github.com/qreview/qreview")
	run.Tool.Driver.WithVersion(r.Tool.Version)
	if sizes := SizeNote(r.Database.Tables); sizes != "" {
		run.Add("table_sizes", sizes)
	}
	// The rules the results name, in registry order: every rule would make
	// each log (and this package's golden file) change with every rule added.
	used := map[string]bool{}
	for _, f := range append(append([]Finding{}, r.Findings...), r.Baselined...) {
		used[f.Rule] = true
	}
	index := map[string]int{}
	for _, rule := range rules.All() {
		if used[rule.ID] {
			index[rule.ID] = len(index)
			run.Tool.Driver.AddRule(sarifRule(rule))
		}
	}
	byID := statementsByID(r)
	seen := map[string]int{}
	add := func(f Finding, state string) {
		st := byID[f.Statement]
		res := run.CreateResultForRule(f.Rule).
			WithLevel(sarifLevel(f.Severity)).
			WithMessage(sarif.NewTextMessage(sarifMessage(f, st))).
			WithLocations([]*sarif.Location{sarif.NewLocationWithPhysicalLocation(
				sarif.NewPhysicalLocation().
					WithArtifactLocation(sarif.NewSimpleArtifactLocation(cleanPath(f.File)).WithUriBaseId("%SRCROOT%")).
					WithRegion(sarif.NewSimpleRegion(f.Line, max(st.EndLine, f.Line))))}).
			WithPartialFingerPrints(map[string]any{FingerprintKey: findingFingerprint(f, st, seen)})
		if i, ok := index[f.Rule]; ok {
			res.WithRuleIndex(i)
		}
		if state != "" {
			res.WithBaselineState(state)
		}
	}
	newState := ""
	if len(r.Baselined) > 0 {
		newState = "new" // SARIF: present on one result, present on all
	}
	for _, f := range r.Findings {
		add(f, newState)
	}
	for _, f := range r.Baselined {
		add(f, "unchanged")
	}
	log.AddRun(run)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func sarifRule(r *rules.Rule) *sarif.ReportingDescriptor {
	full := r.Doc
	if i := strings.Index(full, "\n\n"); i > 0 {
		full = full[:i] // the first paragraph: what it catches and why
	}
	help := fmt.Sprintf("%s\n\nDocumentation: %s", r.Doc, RuleURL(r.ID))
	return sarif.NewRule(r.ID).
		WithName(ruleName(r.ID)).
		WithShortDescription(sarif.NewMultiformatMessageString(capitalize(r.Summary))).
		WithFullDescription(sarif.NewMultiformatMessageString(strings.Join(strings.Fields(full), " "))).
		WithHelp(sarif.NewMultiformatMessageString(help).WithMarkdown(help)).
		WithHelpURI(RuleURL(r.ID)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(string(r.Severity)))).
		WithProperties(sarif.Properties{"tags": []string{"performance", "postgresql"}})
}

// ruleName is the rule ID in the PascalCase SARIF viewers expect of a
// name: seq-scan-large-table → SeqScanLargeTable.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		b.WriteString(capitalize(part))
	}
	return b.String()
}

func sarifLevel(severity string) string {
	switch rules.Severity(severity) {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "note"
}

func sarifMessage(f Finding, st Statement) string { return detail(f, st) }

// findingFingerprint identifies a finding across commits for code
// scanning: the rule, the file and the statement's fingerprint (which
// ignores constants and layout), never its line, so that an alert
// survives edits above it. A statement that occurs twice in one file gets
// its occurrence number so the two stay distinct.
func findingFingerprint(f Finding, st Statement, seen map[string]int) string {
	key := f.Rule + "\x00" + cleanPath(f.File) + "\x00" + st.Fingerprint
	n := seen[key]
	seen[key]++
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", key, n))
	return hex.EncodeToString(sum[:16])
}
