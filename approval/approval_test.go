package approval

import (
	"bytes"
	"strings"
	"testing"

	"github.com/qreview/qreview/report"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// payments is the recorded real result of the report goldens (scripts/record-payments-result.sh:
// the payments example): one error, seq-scan-large-table on ListPendingPayments.
func payments(t *testing.T) *report.Result {
	t.Helper()
	r, err := report.ReadResultFile("../report/testdata/payments.result.json")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const listPending = "c9f8db4c1eb0baa5" // ListPendingPayments' fingerprint

func TestParseNamesTheLine(t *testing.T) {
	entry := "approvals:\n  - fingerprint: c9f8db4c1eb0baa5\n    by: alice\n    reason: replica only\n    approved: 2026-01-02\n"
	tests := []struct{ name, file, want string }{
		{"unknown top key", "approval:\n  - by: x\n", `a.yaml:1: unknown key "approval"`},
		{"unknown entry key", entry + "    rule: x\n", `a.yaml:6: unknown key "rule"`},
		{"no reason", "approvals:\n  - fingerprint: c9f8db4c1eb0baa5\n    by: alice\n    approved: 2026-01-02\n", "a.yaml:2: the approval has no reason"},
		{"bad fingerprint", strings.Replace(entry, "c9f8db4c1eb0baa5", "c9f8", 1), `a.yaml:2: fingerprint "c9f8"`},
		{"bad date", entry + "    expires: 2026-02-30\n", `a.yaml:6: expires: "2026-02-30" is not a date (YYYY-MM-DD)`},
		{"expires before approved", entry + "    expires: 2025-12-31\n", "a.yaml:6: expires 2025-12-31 is before approved 2026-01-02"},
		{"duplicate", entry + strings.TrimPrefix(entry, "approvals:\n"), "a.yaml:6: fingerprint c9f8db4c1eb0baa5 is approved already at line 2"},
		{"not a list", "approvals: yes\n", "a.yaml:1: approvals: want a list"},
		{"broken YAML", "approvals:\n  - by: [\n", "a.yaml:2: did not find expected node content"},
	}
	for _, tt := range tests {
		_, err := Parse("a.yaml", []byte(tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	f, err := Parse("a.yaml", []byte(entry))
	if err != nil || len(f.Entries) != 1 || f.Entries[0].By != "alice" || f.Entries[0].Line != 2 {
		t.Errorf("valid file: %+v, %v", f, err)
	}
	if f, err := Parse("a.yaml", nil); err != nil || len(f.Entries) != 0 {
		t.Errorf("empty file: %+v, %v", f, err)
	}
}

func TestWriteRoundTripsAndSetUpdatesInPlace(t *testing.T) {
	f := &File{}
	f.Set(Entry{Fingerprint: listPending, Statement: "ListPendingPayments (q.sql:35)", By: "alice", Reason: "runs on a replica: 'reads' only", Approved: "2026-01-02"})
	f.Set(Entry{Fingerprint: "0123456789012345", By: "bob", Reason: "no: really", Approved: "2026-01-03", Expires: "2026-02-01"})
	f.Set(Entry{Fingerprint: listPending, By: "carol", Reason: "renewed", Approved: "2026-03-01", Expires: "2026-06-30"})
	data, err := Write(f)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("a.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if len(back.Entries) != 2 {
		t.Fatalf("%d entries, want 2 (the second Set of a fingerprint replaces it)\n%s", len(back.Entries), data)
	}
	got := back.Entries[0]
	if got.Fingerprint != listPending || got.By != "carol" || got.Expires != "2026-06-30" || back.Entries[1].Fingerprint != "0123456789012345" || back.Entries[1].Reason != "no: really" {
		t.Errorf("read back %+v\n%s", back.Entries, data)
	}
}

func TestApply(t *testing.T) {
	approve := func(fp, expires string) *File {
		return &File{Entries: []Entry{{Fingerprint: fp, By: "alice", Reason: "the retry worker reads a replica", Approved: "2026-01-02", Expires: expires}}}
	}
	t.Run("in force: approved, not counted", func(t *testing.T) {
		r := payments(t)
		approve(listPending, "2026-03-01").Apply(r, "2026-03-01") // the last day it holds
		if r.Verdict != "pass" || len(r.Findings) != 0 || r.Summary.Errors != 0 || r.Summary.Approved != 1 || len(r.Approved) != 1 {
			t.Fatalf("verdict %s, findings %v, summary %+v", r.Verdict, r.Findings, r.Summary)
		}
		if a := r.Approved[0].Approval; a == nil || a.By != "alice" || a.Status != report.ApprovalInForce {
			t.Errorf("approved finding's approval %+v", a)
		}
		if len(r.Approvals) != 1 || strings.Join(r.Approvals[0].Statements, ",") != "S13" {
			t.Errorf("approvals %+v", r.Approvals)
		}
		validate(t, r)
		var text, md bytes.Buffer
		report.Text(&text, r)
		report.Markdown(&md, r, report.MarkdownOptions{})
		for _, want := range []string{"PASS: 0 errors", "approved, not counted: 1 finding",
			"testdata/payments/queries/payments.sql:35: error [seq-scan-large-table]",
			"approved by alice on 2026-01-02 until 2026-03-01: the retry worker reads a replica"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, text.String())
			}
		}
		for _, want := range []string{"### Approvals", "| ListPendingPayments `testdata/payments/queries/payments.sql:35` | alice | 2026-01-02 | 2026-03-01 | the retry worker reads a replica | approved, not counted |",
			"1 finding approved (not counted)"} {
			if !strings.Contains(md.String(), want) {
				t.Errorf("markdown lacks %q:\n%s", want, md.String())
			}
		}
	})
	t.Run("expired: counted again, marked", func(t *testing.T) {
		r := payments(t)
		approve(listPending, "2026-03-01").Apply(r, "2026-03-02")
		if r.Verdict != "fail" || r.Summary.Errors != 1 || len(r.Approved) != 0 || r.Summary.Approved != 0 {
			t.Fatalf("verdict %s, summary %+v, approved %v", r.Verdict, r.Summary, r.Approved)
		}
		if a := r.Findings[0].Approval; a == nil || a.Status != report.ApprovalExpired {
			t.Errorf("finding's approval %+v, want expired", a)
		}
		validate(t, r)
		var text, md bytes.Buffer
		report.Text(&text, r)
		report.Markdown(&md, r, report.MarkdownOptions{})
		if want := "approval expired (by alice on 2026-01-02 until 2026-03-01: the retry worker reads a replica); renew it with qreview approve c9f8db4c1eb0baa5"; !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
		if want := "**expired**: counted again"; !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	})
	t.Run("another statement's fingerprint: nothing approved", func(t *testing.T) {
		r := payments(t)
		approve("1988dcdf3e5f8807", "").Apply(r, "2030-01-01") // GetPayment, which has no finding; never expires
		if r.Verdict != "fail" || r.Summary.Errors != 1 || len(r.Approved) != 0 || r.Findings[0].Approval != nil {
			t.Errorf("verdict %s, summary %+v, findings %+v", r.Verdict, r.Summary, r.Findings)
		}
		if len(r.Approvals) != 1 || r.Approvals[0].Statements[0] != "S8" {
			t.Errorf("approvals %+v: want the one matching S8", r.Approvals)
		}
	})
	t.Run("a statement no longer there: not listed", func(t *testing.T) {
		r := payments(t)
		approve("00000000000000ff", "").Apply(r, "2026-01-02")
		if r.Verdict != "fail" || len(r.Approvals) != 0 {
			t.Errorf("verdict %s, approvals %+v", r.Verdict, r.Approvals)
		}
	})
}

// validate checks r against the v1 schema, as the end-to-end tests do.
func validate(t *testing.T, r *report.Result) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.NewCompiler().Compile("../report/result.v1.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("result does not match the v1 schema: %v", err)
	}
}
