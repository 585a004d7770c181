package postmortem

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qreview/qreview/analyzer"
	"gopkg.in/yaml.v3"
)

const bundled = "../testdata/payments/postmortems/PM-2025-12-05.md"

func readRecord(t *testing.T, path string) *Record {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The bundled record is the outage of the story, and it is written in the
// form Write writes: recording evidence in it only adds lines.
func TestBundledRecord(t *testing.T) {
	data, err := os.ReadFile(bundled)
	if err != nil {
		t.Fatal(err)
	}
	r := readRecord(t, bundled)
	if r.ID != "PM-2025-12-05" || r.Date != "2025-12-05" || r.Impact.Failed != "1,247 payments" || r.Summary() != "payments failed for 30 min" {
		t.Errorf("record %s %s, impact %+v", r.ID, r.Date, r.Impact)
	}
	var times []string
	for _, e := range r.Timeline {
		times = append(times, e.Time[len(e.Time)-5:])
	}
	for _, want := range []string{"22:15", "03:02", "04:32"} {
		if !strings.Contains(strings.Join(times, " "), want) {
			t.Errorf("timeline %v has no %s", times, want)
		}
	}
	if len(r.RootCauses) != 5 || len(r.ActionItems) != 4 || len(r.Guards()) != 1 || r.ActionItems[r.Guards()[0]].ID != "A1" {
		t.Errorf("%d whys, action items %+v", len(r.RootCauses), r.ActionItems)
	}
	out, err := r.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, data) {
		t.Errorf("writing the bundled record changes it:\n%s", out)
	}
}

// The record's fingerprint is the real one of the payments example's
// ListPendingPayments: the link the end-to-end tests rely on.
func TestBundledRecordNamesTheOutageQuery(t *testing.T) {
	const file = "../testdata/payments/queries/payments.sql"
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := analyzer.ParseSQL(file, string(src), analyzer.KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	q := readRecord(t, bundled).Queries[0]
	for _, s := range stmts {
		if s.Name == "ListPendingPayments" {
			if s.Fingerprint != q.Fingerprint || s.Line != 35 || s.SQL != q.SQL {
				t.Errorf("ListPendingPayments at line %d has fingerprint %s and SQL\n%s\nthe record has %s and\n%s", s.Line, s.Fingerprint, s.SQL, q.Fingerprint, q.SQL)
			}
			return
		}
	}
	t.Fatal("no ListPendingPayments in " + file)
}

// A record written by hand, with keys qreview does not know at every
// level, comments, and a body with CRLF lines, a "---" line and no final
// newline.
const handWritten = "---\n" +
	"# Written by the payments team.\n" +
	"id: PM-7\n" +
	"date: 2024-03-01\n" +
	"title: Orders page timed out\n" +
	"jira: INC-42\n" +
	"impact:\n" +
	"  summary: orders page down 12 min\n" +
	"  region: eu-west-1\n" +
	"action_items:\n" +
	"  - id: A1\n" +
	"    what: Gate queries in CI\n" +
	"    owner: db\n" +
	"    due: \"2024-03-15\"\n" +
	"    status: open\n" +
	"    guard: review\n" +
	"    ticket: DB-9 # the board's\n" +
	"  - id: A2\n" +
	"    what: Bigger pool\n" +
	"    status: done\n" +
	"queries:\n" +
	"  - fingerprint: 0123456789abcdef\n" +
	"    reviewer: ana\n" +
	"---\n" +
	"# PM-7\r\n\r\nNotes.  \r\n---\nmore\n\n\tindented"

func TestRoundTripKeepsUnknownKeysAndTheBody(t *testing.T) {
	r, err := Parse("pm7.md", []byte(handWritten))
	if err != nil {
		t.Fatal(err)
	}
	if want := "# PM-7\r\n\r\nNotes.  \r\n---\nmore\n\n\tindented"; string(r.Body) != want {
		t.Errorf("body %q, want %q", r.Body, want)
	}
	out, err := r.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != handWritten {
		t.Errorf("round trip changed the record:\n%s", out)
	}

	added, err := r.AddEvidence(0, Evidence{Date: "2024-03-20", Commit: "abc123", Statements: 9, Verdict: "pass", Caught: []string{}})
	if err != nil || !added {
		t.Fatalf("AddEvidence: %v, %v", added, err)
	}
	out, err = r.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("pm7.md", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !bytes.Equal(again.Body, r.Body) {
		t.Errorf("body changed: %q", again.Body)
	}
	if ev := again.ActionItems[0].Evidence; len(ev) != 1 || ev[0].Commit != "abc123" || ev[0].Statements != 9 {
		t.Errorf("evidence after writing: %+v", ev)
	}
	// Every key of the hand-written front matter is still there, with its value.
	var before, after map[string]any
	front, _, _ := split([]byte(handWritten))
	yaml.Unmarshal(front, &before)
	front, _, _ = split(out)
	yaml.Unmarshal(front, &after)
	if after["jira"] != "INC-42" || after["impact"].(map[string]any)["region"] != "eu-west-1" ||
		after["queries"].([]any)[0].(map[string]any)["reviewer"] != "ana" {
		t.Errorf("unknown keys lost:\n%s", out)
	}
	item := after["action_items"].([]any)[0].(map[string]any)
	delete(item, "evidence")
	if !equalYAML(before, after) {
		t.Errorf("front matter changed beyond the evidence:\n%s", out)
	}
	if !strings.Contains(string(out), "ticket: DB-9 # the board's\n") || !strings.HasPrefix(string(out), "---\n# Written by the payments team.\n") {
		t.Errorf("comments lost:\n%s", out)
	}
}

func equalYAML(a, b any) bool {
	x, _ := yaml.Marshal(a)
	y, _ := yaml.Marshal(b)
	return bytes.Equal(x, y)
}

func TestBrokenRecordsNameFileAndLine(t *testing.T) {
	base := "id: PM-1\ndate: 2024-01-02\ntitle: t\n"
	for _, tt := range []struct{ name, text, want string }{
		{"no front matter", "# Just notes\n", "x.md:1: a postmortem starts with a \"---\" line"},
		{"unclosed", "---\n" + base, "x.md:1: the front matter has no closing"},
		{"bad yaml", "---\n" + base + "queries: [\n---\n", "x.md:5: "},
		{"wrong type", "---\n" + base + "timeline: yesterday\n---\n", "x.md:5: `yesterday` where a list belongs"},
		{"no id", "---\ndate: 2024-01-02\ntitle: t\n---\n", "x.md:2: id is required"},
		{"bad date", "---\nid: PM-1\ndate: 2 Jan\ntitle: t\n---\n", "x.md:3: date \"2 Jan\": want YYYY-MM-DD"},
		{"bad status", "---\n" + base + "action_items:\n  - id: A1\n    status: later\n---\n", "x.md:7: action item A1: status \"later\""},
		{"bad guard", "---\n" + base + "action_items:\n  - id: A1\n    guard: ci\n---\n", "x.md:7: action item A1: guard \"ci\""},
		{"item without id", "---\n" + base + "action_items:\n  - what: x\n---\n", "x.md:6: action_items[0]: id is required"},
		{"bad fingerprint", "---\n" + base + "queries:\n  - fingerprint: 12ab\n---\n", "x.md:6: fingerprint \"12ab\""},
		{"table alone", "---\n" + base + "queries:\n  - tables: [payments]\n---\n", "x.md:6: queries[0]: give a fingerprint, or tables and rules"},
		{"unknown rule", "---\n" + base + "queries:\n  - tables: [payments]\n    rules: [seq-scan]\n---\n", "x.md:7: rule \"seq-scan\": no such rule"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.md", []byte(tt.text))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestLoadReadsRecordsAndRefusesDuplicateIDs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", "# Our postmortems\n")
	write("_template.md", "---\nid:\n---\n")
	write("b.md", "---\nid: PM-B\ndate: 2024-01-01\ntitle: b\n---\n")
	write("a.md", "---\nid: PM-A\ndate: 2024-06-01\ntitle: a\n---\n")
	recs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].ID != "PM-B" || recs[1].ID != "PM-A" {
		t.Errorf("loaded %d records, want PM-B then PM-A (by date)", len(recs))
	}
	write("c.md", "---\ntitle: c\ndate: 2024-01-01\nid: PM-A\n---\n")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "c.md")+":4: id PM-A is also the id of "+filepath.Join(dir, "a.md")) {
		t.Errorf("duplicate id: %v", err)
	}
}
