package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
)

// BaselineSchema names the baseline file's format.
const BaselineSchema = "qreview/baseline/v1"

// Baseline is the set of findings a codebase had when it adopted the gate.
// Findings it records are reported as baselined and no longer fail the
// build; any other finding still does.
type Baseline struct {
	Schema   string          `json:"schema"`
	Findings []BaselineEntry `json:"findings"`
}

// BaselineEntry identifies a finding by what stays put when code around it
// moves: the rule, the statement's fingerprint (equal for statements that
// differ only in constants or layout) and the file. Line and Message are
// for the people who read the file; matching ignores them.
type BaselineEntry struct {
	Rule        string `json:"rule"`
	Fingerprint string `json:"fingerprint"`
	File        string `json:"file"`
	Line        int    `json:"line,omitempty"`
	Message     string `json:"message,omitempty"`
}

type baselineKey struct{ rule, fingerprint, file string }

// NewBaseline records every finding of r (including those r already has
// as baselined, so that rewriting a baseline keeps them). path maps a
// finding's file to the name recorded; nil records it as named. Give the
// same path to Apply.
func NewBaseline(r *Result, path func(string) string) *Baseline {
	keyOf := keyer(r, path)
	b := &Baseline{Schema: BaselineSchema, Findings: []BaselineEntry{}}
	seen := map[baselineKey]bool{}
	for _, f := range append(append([]Finding{}, r.Findings...), r.Baselined...) {
		k := keyOf(f)
		if seen[k] {
			continue
		}
		seen[k] = true
		b.Findings = append(b.Findings, BaselineEntry{Rule: k.rule, Fingerprint: k.fingerprint, File: k.file, Line: f.Line, Message: f.Message})
	}
	sort.Slice(b.Findings, func(i, j int) bool {
		a, c := b.Findings[i], b.Findings[j]
		if a.File != c.File {
			return a.File < c.File
		}
		if a.Line != c.Line {
			return a.Line < c.Line
		}
		return a.Rule < c.Rule
	})
	return b
}

// ReadBaseline decodes a baseline file.
func ReadBaseline(rd io.Reader) (*Baseline, error) {
	var b Baseline
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, err
	}
	if b.Schema != BaselineSchema {
		return nil, fmt.Errorf("schema %q, want %q", b.Schema, BaselineSchema)
	}
	return &b, nil
}

// WriteBaseline encodes b as indented JSON, one finding per block, so that
// its diffs review well.
func WriteBaseline(w io.Writer, b *Baseline) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(b)
}

// Apply moves the findings b records from r.Findings to r.Baselined and
// recomputes the summary and the verdict from what is left. path is as
// for NewBaseline.
func (b *Baseline) Apply(r *Result, path func(string) string) {
	known := map[baselineKey]bool{}
	for _, e := range b.Findings {
		known[baselineKey{e.Rule, e.Fingerprint, cleanPath(e.File)}] = true
	}
	keyOf := keyer(r, path)
	kept := []Finding{}
	for _, f := range r.Findings {
		if known[keyOf(f)] {
			r.Baselined = append(r.Baselined, f)
			continue
		}
		kept = append(kept, f)
	}
	r.Findings = kept
	r.Summary.Baselined = len(r.Baselined)
	r.Recount()
}

// keyer makes the baseline key of r's findings.
func keyer(r *Result, path func(string) string) func(Finding) baselineKey {
	if path == nil {
		path = func(file string) string { return file }
	}
	fps := map[string]string{}
	for _, s := range r.Statements {
		fps[s.ID] = s.Fingerprint
	}
	return func(f Finding) baselineKey {
		return baselineKey{f.Rule, fps[f.Statement], cleanPath(path(f.File))}
	}
}

// cleanPath makes "./a/b.sql" and "a/b.sql" the same file on every OS.
func cleanPath(p string) string { return filepath.ToSlash(filepath.Clean(p)) }
