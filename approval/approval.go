// Package approval reads and writes .qreview/approvals.yaml, the DBA
// waivers reviewed in the pull request like code, and applies them to a
// review's result: the findings of an approved statement are reported as
// approved and no longer fail the gate, while the statement's fingerprint
// is unchanged and the approval has not expired.
package approval

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/qreview/qreview/report"
	"gopkg.in/yaml.v3"
)

// DateLayout is how the file writes dates: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Today is the date approvals are judged on, in UTC as CI runners keep it.
func Today() string { return time.Now().UTC().Format(DateLayout) }

// Read reads and parses an approvals file.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("approvals: %w", err)
	}
	return Parse(path, data)
}

// Entry is one approval.
type Entry struct {
	Fingerprint string // the approved statement's pg_query fingerprint
	Statement   string // for the people who read the file: its name and file:line; matching ignores it
	By          string
	Reason      string
	Approved    string // YYYY-MM-DD
	Expires     string // YYYY-MM-DD, the last day the approval holds; "" never expires
	Line        int    // where the entry starts in the file it was read from
}

// File is the approvals file's content.
type File struct {
	Entries []Entry
}

var fingerprintRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

// CheckFingerprint reports a string that cannot be a statement fingerprint.
func CheckFingerprint(fp string) error {
	if !fingerprintRE.MatchString(fp) {
		return fmt.Errorf("fingerprint %q: want 16 hex digits, as the JSON result's statements have them", fp)
	}
	return nil
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return t, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

var keys = []string{"fingerprint", "statement", "by", "reason", "approved", "expires"}

// lineError is a problem at a line of the file.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

func errAt(line int, format string, args ...any) error {
	return &lineError{line, fmt.Errorf(format, args...)}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// Parse reads the approvals file name holds data; errors say name:line.
func Parse(name string, data []byte) (*File, error) {
	f, err := parse(data)
	var le *lineError
	switch {
	case errors.As(err, &le):
		return nil, fmt.Errorf("%s:%d: %w", name, le.line, le.err)
	case err != nil:
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", name, m[1], strings.TrimPrefix(err.Error(), m[0]))
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

func parse(data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	f := &File{}
	if len(doc.Content) == 0 {
		return f, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root.Line, "want a mapping with the key approvals")
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "approvals" {
			return nil, errAt(k.Line, "unknown key %q (known: approvals)", k.Value)
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue
		}
		if v.Kind != yaml.SequenceNode {
			return nil, errAt(v.Line, "approvals: want a list")
		}
		for _, item := range v.Content {
			e, err := parseEntry(item)
			if err != nil {
				return nil, err
			}
			if first, dup := seen[e.Fingerprint]; dup {
				return nil, errAt(e.Line, "fingerprint %s is approved already at line %d; keep one entry", e.Fingerprint, first)
			}
			seen[e.Fingerprint] = e.Line
			f.Entries = append(f.Entries, e)
		}
	}
	return f, nil
}

func parseEntry(n *yaml.Node) (Entry, error) {
	e := Entry{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return e, errAt(n.Line, "an approval is a mapping of %s", strings.Join(keys, ", "))
	}
	fields := map[string]*string{"fingerprint": &e.Fingerprint, "statement": &e.Statement, "by": &e.By,
		"reason": &e.Reason, "approved": &e.Approved, "expires": &e.Expires}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		dst, ok := fields[k.Value]
		if !ok {
			return e, errAt(k.Line, "unknown key %q (known: %s)", k.Value, strings.Join(keys, ", "))
		}
		if v.Kind != yaml.ScalarNode {
			return e, errAt(v.Line, "%s: want a single value", k.Value)
		}
		*dst, lines[k.Value] = strings.TrimSpace(v.Value), v.Line
	}
	for _, key := range []string{"fingerprint", "by", "reason", "approved"} {
		if *fields[key] == "" {
			return e, errAt(e.Line, "the approval has no %s", key)
		}
	}
	if err := CheckFingerprint(e.Fingerprint); err != nil {
		return e, errAt(lines["fingerprint"], "%w", err)
	}
	for _, key := range []string{"approved", "expires"} {
		if v := *fields[key]; v != "" {
			if _, err := ParseDate(v); err != nil {
				return e, errAt(lines[key], "%s: %w", key, err)
			}
		}
	}
	if e.Expires != "" && e.Expires < e.Approved {
		return e, errAt(lines["expires"], "expires %s is before approved %s", e.Expires, e.Approved)
	}
	return e, nil
}

// header opens the file that Write makes.
const header = `# DBA approvals for qreview: "qreview approve FINGERPRINT --by NAME --reason TEXT"
# adds or renews one. A statement's findings are reported as approved and do not
# fail the gate while its fingerprint is unchanged (editing the statement ends
# the approval) and until the end of the day it expires (UTC).
`

// Write encodes f, entries in their order, one block each, for clean diffs.
func Write(f *File) ([]byte, error) {
	type entry struct {
		Fingerprint string `yaml:"fingerprint"`
		Statement   string `yaml:"statement,omitempty"`
		By          string `yaml:"by"`
		Reason      string `yaml:"reason"`
		Approved    string `yaml:"approved"`
		Expires     string `yaml:"expires,omitempty"`
	}
	doc := struct {
		Approvals []entry `yaml:"approvals"`
	}{Approvals: []entry{}}
	for _, e := range f.Entries {
		doc.Approvals = append(doc.Approvals, entry{e.Fingerprint, e.Statement, e.By, e.Reason, e.Approved, e.Expires})
	}
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Set adds e, or replaces the entry with its fingerprint, where it is.
func (f *File) Set(e Entry) {
	for i := range f.Entries {
		if f.Entries[i].Fingerprint == e.Fingerprint {
			f.Entries[i] = e
			return
		}
	}
	f.Entries = append(f.Entries, e)
}

// Expired reports whether e no longer holds on day today (YYYY-MM-DD).
func (e Entry) Expired(today string) bool { return e.Expires != "" && today > e.Expires }

// Apply marks the findings of approved statements in r. An approval in
// force moves them from r.Findings to r.Approved with who, when and why;
// an expired one leaves them counted, marked expired, so that the DBA
// knows to renew it. r.Approvals lists the approvals that match a
// statement of r; the summary and the verdict are recomputed. today is
// YYYY-MM-DD.
func (f *File) Apply(r *report.Result, today string) {
	byFP := map[string]*report.Approval{}
	for _, e := range f.Entries {
		status := report.ApprovalInForce
		if e.Expired(today) {
			status = report.ApprovalExpired
		}
		byFP[e.Fingerprint] = &report.Approval{Fingerprint: e.Fingerprint, By: e.By, Reason: e.Reason,
			Approved: e.Approved, Expires: e.Expires, Status: status}
	}
	fps := map[string]string{}
	for _, s := range r.Statements {
		fps[s.ID] = s.Fingerprint
		if a := byFP[s.Fingerprint]; a != nil {
			a.Statements = append(a.Statements, s.ID)
		}
	}
	for _, e := range f.Entries { // in file order
		if a := byFP[e.Fingerprint]; len(a.Statements) > 0 {
			r.Approvals = append(r.Approvals, *a)
		}
	}
	kept := []report.Finding{}
	for _, fd := range r.Findings {
		a := byFP[fps[fd.Statement]]
		if a == nil {
			kept = append(kept, fd)
			continue
		}
		mark := *a
		mark.Statements = nil
		fd.Approval = &mark
		if a.Status == report.ApprovalInForce {
			r.Approved = append(r.Approved, fd)
		} else {
			kept = append(kept, fd)
		}
	}
	r.Findings = kept
	r.Summary.Approved = len(r.Approved)
	r.Recount()
}
