// Package postmortem reads and writes incident records, Markdown files with
// YAML front matter, and links review findings to the records whose query
// shapes they repeat.
package postmortem

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/qreview/qreview/rules"
	"gopkg.in/yaml.v3"
)

// Record is one postmortem. The fields are what qreview reads; keys it does
// not know are kept in the front matter as written, and Body (the Markdown
// after the front matter) is kept byte for byte.
type Record struct {
	ID          string       `yaml:"id"`
	Date        string       `yaml:"date"` // YYYY-MM-DD
	Title       string       `yaml:"title"`
	Severity    string       `yaml:"severity"` // the team's own scale, e.g. SEV1
	Impact      Impact       `yaml:"impact"`
	Timeline    []Event      `yaml:"timeline"`
	RootCauses  []Why        `yaml:"root_causes"` // the five whys
	ActionItems []ActionItem `yaml:"action_items"`
	Queries     []Query      `yaml:"queries"`

	Path string `yaml:"-"` // the file it was read from
	Body []byte `yaml:"-"`

	front *yaml.Node // the front matter as read (a document node); nil for a new record
}

// Impact is what the incident cost. Summary is the one line a finding that
// cites the record quotes ("payments failed for 30 min").
type Impact struct {
	Summary       string `yaml:"summary"`
	Duration      string `yaml:"duration"`
	Failed        string `yaml:"failed"` // e.g. "1,247 payments"
	Customers     string `yaml:"customers"`
	EstimatedLoss string `yaml:"estimated_loss"`
}

type Event struct {
	Time  string `yaml:"time"`
	Event string `yaml:"event"`
}

// Why is one step of the five whys.
type Why struct {
	Why     string `yaml:"why"`
	Because string `yaml:"because"`
}

// ActionItem is a promise the postmortem made. An item with guard "review"
// is one the review gate keeps: qreview postmortem record appends to it the
// evidence that the gate ran.
type ActionItem struct {
	ID       string     `yaml:"id"`
	What     string     `yaml:"what"`
	Owner    string     `yaml:"owner"`
	Due      string     `yaml:"due"`
	Status   string     `yaml:"status"` // open, in-progress, done or dropped
	Guard    string     `yaml:"guard,omitempty"`
	Evidence []Evidence `yaml:"evidence,omitempty"`
}

// GuardReview marks an action item the review gate carries out.
const GuardReview = "review"

// Open reports whether the item is still to do.
func (a ActionItem) Open() bool { return a.Status != "done" && a.Status != "dropped" }

// Query is a query shape the incident implicates. A finding is linked when
// its statement has Fingerprint and its rule is one of Rules (no Rules: any
// warning or error), or when its rule is one of Rules on one of Tables.
type Query struct {
	Name        string   `yaml:"name,omitempty"`
	File        string   `yaml:"file,omitempty"` // where the offending SQL was, for people
	Fingerprint string   `yaml:"fingerprint,omitempty"`
	Tables      []string `yaml:"tables,omitempty"`
	Rules       []string `yaml:"rules,omitempty"`
	SQL         string   `yaml:"sql,omitempty"`
	Plan        string   `yaml:"plan,omitempty"` // the plan it had, in brief
}

// Summary is the line findings quote: the impact summary, else the title.
func (r *Record) Summary() string {
	if r.Impact.Summary != "" {
		return r.Impact.Summary
	}
	return r.Title
}

var (
	fingerprintRE = regexp.MustCompile(`^[0-9a-f]{16}$`)
	yamlLineRE    = regexp.MustCompile(`line (\d+)`)
	typeError     = regexp.MustCompile("cannot unmarshal (!!\\w+)( `[^`]*`)? into (\\S+)")
	statuses      = map[string]bool{"": true, "open": true, "in-progress": true, "done": true, "dropped": true}
)

// Parse reads a record from data; path names it in errors, which are
// path:line: message.
func Parse(path string, data []byte) (*Record, error) {
	front, body, err := split(data)
	if err != nil {
		return nil, fmt.Errorf("%s:1: %w", path, err)
	}
	doc := &yaml.Node{}
	if err := yaml.Unmarshal(front, doc); err != nil {
		return nil, fmt.Errorf("%s:%s", path, yamlMessage(err))
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:2: the front matter must be a mapping (id: …, date: …)", path)
	}
	r := &Record{Path: path, Body: body, front: doc}
	if err := doc.Decode(r); err != nil {
		return nil, fmt.Errorf("%s:%s", path, yamlMessage(err))
	}
	if err := r.check(doc.Content[0]); err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return r, nil
}

// split cuts a file into its front matter (between "---" lines, the first
// of which opens the file) and the body after it.
func split(data []byte) (front, body []byte, err error) {
	line, rest, _ := bytes.Cut(data, []byte("\n"))
	if string(bytes.TrimRight(line, "\r")) != "---" {
		return nil, nil, errors.New(`a postmortem starts with a "---" line, then its YAML front matter, then "---"`)
	}
	start := len(data) - len(rest)
	for off := start; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end >= 0 {
			next = off + end + 1
		}
		if string(bytes.TrimRight(data[off:next], "\r\n")) == "---" {
			return data[start:off], data[next:], nil
		}
		off = next
	}
	return nil, nil, errors.New(`the front matter has no closing "---" line`)
}

// yamlMessage says where a YAML error is in the file: the front matter
// starts on the file's second line.
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.TrimSpace(msg)
	msg = typeError.ReplaceAllStringFunc(msg, func(m string) string {
		sub := typeError.FindStringSubmatch(m)
		want := "a mapping"
		switch {
		case strings.HasPrefix(sub[3], "[]"):
			want = "a list"
		case sub[3] == "string":
			want = "text"
		}
		got := strings.TrimSpace(sub[2])
		if got == "" {
			got = map[string]string{"!!seq": "a list", "!!map": "a mapping"}[sub[1]]
		}
		return fmt.Sprintf("%s where %s belongs", cmp.Or(got, "a value"), want)
	})
	if m := yamlLineRE.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		return fmt.Sprintf("%d: %s", n+1, strings.TrimLeft(msg[:m[0]]+msg[m[1]:], ": "))
	}
	return "2: " + msg
}

// check validates what qreview relies on, naming the line of the problem.
func (r *Record) check(root *yaml.Node) error {
	at := func(n *yaml.Node, format string, args ...any) error {
		line := 2
		if n != nil {
			line = n.Line + 1
		}
		return fmt.Errorf("%d: %s", line, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(r.ID) == "" {
		return at(root, "id is required (e.g. id: PM-2025-12-05)")
	}
	if _, err := time.Parse(time.DateOnly, r.Date); err != nil {
		return at(value(root, "date"), "date %q: want YYYY-MM-DD", r.Date)
	}
	if strings.TrimSpace(r.Title) == "" {
		return at(root, "title is required")
	}
	items := value(root, "action_items")
	ids := map[string]bool{}
	for i, a := range r.ActionItems {
		n := item(items, i)
		switch {
		case a.ID == "":
			return at(n, "action_items[%d]: id is required (A1, A2, …)", i)
		case ids[a.ID]:
			return at(n, "action item %s appears twice", a.ID)
		case !statuses[a.Status]:
			return at(value(n, "status"), "action item %s: status %q: use open, in-progress, done or dropped", a.ID, a.Status)
		case a.Guard != "" && a.Guard != GuardReview:
			return at(value(n, "guard"), "action item %s: guard %q: the one guard is %q (the review gate)", a.ID, a.Guard, GuardReview)
		}
		ids[a.ID] = true
	}
	queries := value(root, "queries")
	for i, q := range r.Queries {
		n := item(queries, i)
		if q.Fingerprint != "" && !fingerprintRE.MatchString(q.Fingerprint) {
			return at(value(n, "fingerprint"), "fingerprint %q: want the 16 hex digits qreview's JSON result gives a statement", q.Fingerprint)
		}
		if q.Fingerprint == "" && (len(q.Tables) == 0 || len(q.Rules) == 0) {
			return at(n, "queries[%d]: give a fingerprint, or tables and rules (a table alone would link every finding on it)", i)
		}
		for _, id := range q.Rules {
			if rules.Lookup(id) == nil {
				return at(value(n, "rules"), "rule %q: no such rule (qreview rules lists them)", id)
			}
		}
	}
	return nil
}

// value is the value node of key in mapping n, or nil.
func value(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// item is element i of sequence n, or nil.
func item(n *yaml.Node, i int) *yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

// Write writes the record: the front matter (as read, with what qreview
// changed in it; keys it does not know stay) and the body unchanged.
func (r *Record) Write(w io.Writer) error {
	if r.front == nil {
		var n yaml.Node
		if err := n.Encode(r); err != nil {
			return fmt.Errorf("postmortem %s: %w", r.ID, err)
		}
		if qs := value(&n, "queries"); qs != nil {
			for _, q := range qs.Content {
				for _, key := range []string{"tables", "rules"} {
					if v := value(q, key); v != nil {
						v.Style = yaml.FlowStyle // tables: [payments]
					}
				}
			}
		}
		r.front = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{&n}}
	}
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(r.front); err != nil {
		return fmt.Errorf("postmortem %s: %w", r.ID, err)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	buf.WriteString("---\n")
	buf.Write(r.Body)
	_, err := w.Write(buf.Bytes())
	return err
}

// Bytes is the record as Write writes it.
func (r *Record) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	err := r.Write(&buf)
	return buf.Bytes(), err
}

// IsRecordFile says which files of a postmortems folder are records: every
// .md file but README.md, index.md and names starting with "_" or "."
// (templates).
func IsRecordFile(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasSuffix(lower, ".md") && lower != "readme.md" && lower != "index.md" &&
		!strings.HasPrefix(name, "_") && !strings.HasPrefix(name, ".")
}

// Load reads every record in dir, ordered by date then id. A record that
// does not parse, or an id used twice, is an error naming file and line.
func Load(dir string) ([]*Record, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("postmortems: %w", err)
	}
	var recs []*Record
	byID := map[string]string{}
	for _, e := range entries {
		if e.IsDir() || !IsRecordFile(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("postmortems: %w", err)
		}
		r, err := Parse(path, data)
		if err != nil {
			return nil, err
		}
		if other, ok := byID[r.ID]; ok {
			return nil, fmt.Errorf("%s:%d: id %s is also the id of %s", path, value(r.front.Content[0], "id").Line+1, r.ID, other)
		}
		byID[r.ID] = path
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].Date != recs[j].Date {
			return recs[i].Date < recs[j].Date
		}
		return recs[i].ID < recs[j].ID
	})
	return recs, nil
}
