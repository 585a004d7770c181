package postmortem

import (
	"fmt"

	"github.com/qreview/qreview/report"
	"gopkg.in/yaml.v3"
)

// Evidence is one run of the review gate, appended to an action item with
// guard "review": it shows the item is carried out, not only promised.
type Evidence struct {
	Date       string   `yaml:"date"`   // YYYY-MM-DD of the recording
	Commit     string   `yaml:"commit"` // the reviewed commit
	Statements int      `yaml:"statements"`
	Verdict    string   `yaml:"verdict"`
	Caught     []string `yaml:"caught"` // the findings linked to this record, "rule at file:line (name)"
}

// NewEvidence is what result shows about r: how many statements the gate
// reviewed and which of its findings repeat r's query shapes.
func NewEvidence(r *Record, res *report.Result, date, commit string) Evidence {
	names := map[string]string{}
	for _, s := range res.Statements {
		names[s.ID] = s.Name
	}
	ev := Evidence{Date: date, Commit: commit, Statements: res.Summary.Statements, Verdict: res.Verdict, Caught: []string{}}
	for _, f := range res.Findings { // not the baselined: they did not fail the gate
		for _, id := range f.Postmortems {
			if id != r.ID {
				continue
			}
			c := fmt.Sprintf("%s at %s:%d", f.Rule, f.File, f.Line)
			if n := names[f.Statement]; n != "" {
				c += " (" + n + ")"
			}
			ev.Caught = append(ev.Caught, c)
		}
	}
	return ev
}

// Guards lists the indexes of r's action items that the review gate keeps.
func (r *Record) Guards() []int {
	var out []int
	for i, a := range r.ActionItems {
		if a.Guard == GuardReview {
			out = append(out, i)
		}
	}
	return out
}

// AddEvidence appends ev to action item i, in the front matter as well, so
// that Write keeps everything else as it was. It does nothing and returns
// false when the item already has evidence for ev.Commit: recording the
// same commit twice changes nothing.
func (r *Record) AddEvidence(i int, ev Evidence) (bool, error) {
	a := &r.ActionItems[i]
	for _, e := range a.Evidence {
		if e.Commit == ev.Commit {
			return false, nil
		}
	}
	if r.front != nil {
		n := item(value(r.front.Content[0], "action_items"), i)
		if n == nil || n.Kind != yaml.MappingNode {
			return false, fmt.Errorf("%s: action item %s is not a mapping", r.Path, a.ID)
		}
		var en yaml.Node
		if err := en.Encode(ev); err != nil {
			return false, err
		}
		seq := value(n, "evidence")
		if seq == nil {
			seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "evidence"}, seq)
		}
		if seq.Kind != yaml.SequenceNode {
			return false, fmt.Errorf("%s:%d: action item %s: evidence is not a list", r.Path, seq.Line+1, a.ID)
		}
		seq.Style = 0 // block, also when it was written "evidence: []"
		seq.Content = append(seq.Content, &en)
	}
	a.Evidence = append(a.Evidence, ev)
	return true, nil
}

// Fired counts the recorded runs of the gate (one per commit, however many
// guard items record it) and those that caught one of r's query shapes.
func (r *Record) Fired() (fired, runs int) {
	seen := map[string]bool{}
	for _, i := range r.Guards() {
		for _, e := range r.ActionItems[i].Evidence {
			if seen[e.Commit] {
				continue
			}
			seen[e.Commit] = true
			runs++
			if len(e.Caught) > 0 {
				fired++
			}
		}
	}
	return fired, runs
}
