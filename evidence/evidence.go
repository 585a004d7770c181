// Package evidence turns a review's result into deploy-checklist evidence:
// an in-toto Statement v1 whose subjects are the reviewed files with their
// sha256 digests and whose predicate (PredicateType) holds what the review
// found, and checks such a statement against the files before a deploy.
package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	ita1 "github.com/in-toto/attestation/go/v1"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/internal/atomicfile"
	"github.com/qreview/qreview/report"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// PredicateType identifies qreview's predicate, version 1. Fields are
// only ever added within it.
const PredicateType = "https://qreview.dev/evidence/v1"

// Predicate is what the review found, for a deploy checklist.
type Predicate struct {
	Verdict    string            `json:"verdict"` // pass | fail
	FailOn     string            `json:"fail_on"`
	Summary    report.Summary    `json:"summary"`
	Tool       report.Tool       `json:"tool"`
	Database   Database          `json:"database"`
	Change     string            `json:"change,omitempty"`
	Statements []Statement       `json:"statements"`
	Approvals  []report.Approval `json:"approvals"`
	Rollback   RollbackCheck     `json:"rollback_check"`
}

// Database is what the plans were taken on.
type Database struct {
	Provider      string `json:"provider"`
	Image         string `json:"image,omitempty"`
	ServerVersion string `json:"server_version"`
	ScaleProfile  string `json:"scale_profile"`
}

// Statement is one reviewed statement: where it is, its fingerprint, and
// the digest of the plan it was judged by.
type Statement struct {
	ID          string `json:"id"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	Kind        string `json:"kind"`
	Name        string `json:"name,omitempty"`
	Fingerprint string `json:"fingerprint"`
	PlanDigest  string `json:"plan_digest,omitempty"` // PlanDigest; none for a statement without a plan
}

// RollbackCheck lists each migration of the change with its down/undo
// part; it passes when none is missing.
type RollbackCheck struct {
	Passed     bool              `json:"passed"`
	Migrations []report.Rollback `json:"migrations"`
}

// Subject is a reviewed file and its digest.
type Subject struct {
	Name   string // relative to the repository root, or absolute outside it
	SHA256 string // hex
}

// Evidence is a review's subjects and predicate.
type Evidence struct {
	Subjects  []Subject
	Predicate Predicate
}

// Options say where the result's files are.
type Options struct {
	Dir  string              // where the review ran: the result names files relative to it
	Name func(string) string // a file's subject name (relative to the repository root); nil keeps the path
}

// Build reads the reviewed files and makes the evidence of res. A file
// that no longer holds a statement the result names changed since the
// review, and is an error: the evidence would vouch for what was not
// reviewed.
func Build(res *report.Result, opt Options) (*Evidence, error) {
	if res.Schema != report.SchemaV1 {
		return nil, fmt.Errorf("schema %q: not a qreview result (want %s)", res.Schema, report.SchemaV1)
	}
	if opt.Name == nil {
		opt.Name = func(p string) string { return p }
	}
	path := func(file string) string {
		if filepath.IsAbs(file) {
			return file
		}
		return filepath.Join(opt.Dir, file)
	}
	texts := map[string]string{} // by path
	read := func(file string) (string, error) {
		p := path(file)
		if text, ok := texts[p]; ok {
			return text, nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("reviewed file: %w", err)
		}
		texts[p] = string(data)
		return texts[p], nil
	}
	p := Predicate{
		Verdict: res.Verdict, FailOn: res.FailOn, Summary: res.Summary, Tool: res.Tool, Change: res.Change,
		Database: Database{Provider: res.Database.Provider, Image: res.Database.Image,
			ServerVersion: res.Database.ServerVersion, ScaleProfile: res.Database.ScaleProfile},
		Statements: []Statement{}, Approvals: []report.Approval{},
		Rollback: RollbackCheck{Passed: true, Migrations: []report.Rollback{}},
	}
	for _, s := range res.Statements {
		text, err := read(s.File)
		if err != nil {
			return nil, err
		}
		if !strings.Contains(text, s.SQL) {
			return nil, fmt.Errorf("%s changed since the review: statement %s (line %d) is no longer in it; review it again", s.File, s.ID, s.Line)
		}
		p.Statements = append(p.Statements, Statement{ID: s.ID, File: opt.Name(path(s.File)), Line: s.Line, Kind: s.Kind,
			Name: s.Name, Fingerprint: s.Fingerprint, PlanDigest: PlanDigest(s.Plan)})
	}
	p.Approvals = append(p.Approvals, res.Approvals...)
	for _, r := range res.Rollbacks {
		if r.Rollback != "" {
			if _, err := read(r.Rollback); err != nil {
				return nil, err
			}
			r.Rollback = opt.Name(path(r.Rollback))
		}
		r.Migration = opt.Name(path(r.Migration))
		p.Rollback.Passed = p.Rollback.Passed && r.Status != analyzer.RollbackMissing
		p.Rollback.Migrations = append(p.Rollback.Migrations, r)
	}
	if len(texts) == 0 {
		return nil, errors.New("the result names no reviewed file")
	}
	e := &Evidence{Predicate: p}
	for file, text := range texts {
		sum := sha256.Sum256([]byte(text))
		e.Subjects = append(e.Subjects, Subject{Name: opt.Name(file), SHA256: hex.EncodeToString(sum[:])})
	}
	sort.Slice(e.Subjects, func(i, j int) bool { return e.Subjects[i].Name < e.Subjects[j].Name })
	return e, nil
}

// PlanDigest is "sha256:" and the digest of the plan's shape: its node
// labels in depth-first order and whether it is a generic plan, as
// canonical JSON. Costs and timings are left out: they move with the
// sample ANALYZE takes while the plan stays the same. "" without a plan.
func PlanDigest(p *report.PlanSummary) string {
	if p == nil {
		return ""
	}
	canonical, _ := json.Marshal(struct {
		Generic bool     `json:"generic"`
		Nodes   []string `json:"nodes"`
	}{p.Generic, p.Nodes})
	sum := sha256.Sum256(canonical)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Statement is the evidence as an in-toto Statement v1, indented JSON.
func (e *Evidence) Statement() ([]byte, error) {
	pred, err := e.predicateStruct()
	if err != nil {
		return nil, err
	}
	st := &ita1.Statement{Type: ita1.StatementTypeUri, PredicateType: PredicateType, Predicate: pred}
	for _, s := range e.Subjects {
		st.Subject = append(st.Subject, &ita1.ResourceDescriptor{Name: s.Name, Digest: map[string]string{"sha256": s.SHA256}})
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("in-toto statement: %w", err)
	}
	data, err := protojson.Marshal(st)
	if err != nil {
		return nil, err
	}
	return indent(data)
}

// PredicateJSON is the predicate alone, for actions/attest's
// predicate-path (the action makes the statement itself).
func (e *Evidence) PredicateJSON() ([]byte, error) {
	pred, err := e.predicateStruct()
	if err != nil {
		return nil, err
	}
	data, err := protojson.Marshal(pred)
	if err != nil {
		return nil, err
	}
	return indent(data)
}

// Checksums lists the subjects as sha256sum does ("<hex>  <name>"), for
// actions/attest's subject-checksums.
func (e *Evidence) Checksums() []byte {
	var b bytes.Buffer
	for _, s := range e.Subjects {
		fmt.Fprintf(&b, "%s  %s\n", s.SHA256, s.Name)
	}
	return b.Bytes()
}

// predicateStruct is the predicate as the protobuf Struct the statement
// holds (its keys come out sorted).
func (e *Evidence) predicateStruct() (*structpb.Struct, error) {
	data, err := json.Marshal(e.Predicate)
	if err != nil {
		return nil, err
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("predicate: %w", err)
	}
	return s, nil
}

// indent makes protojson's output, whose spacing varies on purpose from
// build to build, the same every time.
func indent(data []byte) ([]byte, error) {
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return nil, err
	}
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// WriteFiles writes the statement to output ("" or "-": stdout), and the
// predicate alone and the subjects' checksums to their files when named
// (for actions/attest), each atomically.
func (e *Evidence) WriteFiles(stdout io.Writer, output, predicate, checksums string) error {
	stmt, err := e.Statement()
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	if predicate != "" {
		data, err := e.PredicateJSON()
		if err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
		if err := atomicfile.Write(predicate, data); err != nil {
			return fmt.Errorf("--predicate: %w", err)
		}
	}
	if checksums != "" {
		if err := atomicfile.Write(checksums, e.Checksums()); err != nil {
			return fmt.Errorf("--checksums: %w", err)
		}
	}
	if output == "" || output == "-" {
		_, err := stdout.Write(stmt)
		return err
	}
	if err := atomicfile.Write(output, stmt); err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	return nil
}
