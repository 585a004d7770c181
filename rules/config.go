package rules

import (
	"fmt"
	"github.com/qreview/qreview/explain"
	"sort"
	"strings"
)

// Config re-levels or tunes one rule (config "rules: {id: …}").
type Config struct {
	Enabled  *bool              `yaml:"enabled"`
	Severity string             `yaml:"severity"`
	Tables   map[string]Table   `yaml:"tables"` // per-table overrides of findings about that table
	Options  map[string]float64 `yaml:",inline"`
}

// Table overrides a rule for findings about one table: a small lookup
// table may be scanned ({enabled: false}), an audit log may only warn.
type Table struct {
	Enabled  *bool  `yaml:"enabled"`
	Severity string `yaml:"severity"`
}

// Set is the rules in force for a run, with their configured severity and
// options.
type Set struct {
	active []active
	known  map[string]bool // every rule's ID, for the ignore directives
	files  fileCache       // the reviewed files' text, read once for the qreview:ignore directives
}

type active struct {
	rule     *Rule
	severity Severity
	options  Options
	tables   map[string]Table
}

// Configure applies the config to every rule. An unknown rule ID or
// option is an error that names it.
func Configure(cfg map[string]Config) (*Set, error) {
	for id := range cfg {
		if Lookup(id) == nil {
			return nil, fmt.Errorf("rules.%s: unknown rule (qreview rules lists them)", id)
		}
	}
	set := &Set{known: map[string]bool{}}
	for _, r := range All() {
		set.known[r.ID] = true
		c := cfg[r.ID]
		if c.Enabled != nil && !*c.Enabled {
			continue
		}
		a := active{rule: r, severity: r.Severity, options: Options{}, tables: c.Tables}
		for table, tc := range c.Tables {
			if _, err := ParseSeverity(tc.Severity); tc.Severity != "" && err != nil {
				return nil, fmt.Errorf("rules.%s.tables.%s.severity: %w", r.ID, table, err)
			}
		}
		if c.Severity != "" {
			sev, err := ParseSeverity(c.Severity)
			if err != nil {
				return nil, fmt.Errorf("rules.%s.severity: %w", r.ID, err)
			}
			a.severity = sev
		}
		for k, v := range r.Options {
			a.options[k] = v
		}
		for k, v := range c.Options {
			if _, ok := r.Options[k]; !ok {
				return nil, fmt.Errorf("rules.%s.%s: unknown option (known: enabled, severity%s)", r.ID, k, optionList(r.Options))
			}
			a.options[k] = v
		}
		set.active = append(set.active, a)
	}
	return set, nil
}

func optionList(opts Options) string {
	var keys []string
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return ", " + strings.Join(keys, ", ")
}

// Check runs every active rule on one statement, except the rules a
// valid "-- qreview:ignore" directive on the statement names.
func (s *Set) Check(in *Input) []Finding {
	with := *in
	if in.Statement != nil {
		with.ignores = ignoresIn(in.Statement, s.files.of(in.Statement.File), s.known)
	}
	skip := suppressed(with.ignores)
	var out []Finding
	for _, a := range s.active {
		if skip[a.rule.ID] {
			continue
		}
		for _, f := range a.rule.Check(&with, a.options) {
			// A check may set a finding below its rule's severity
			// (large-offset's OFFSET $n); configuring the rule lower
			// lowers that finding too.
			if f.Severity.Rank() == 0 || f.Severity.Rank() > a.severity.Rank() {
				f.Severity = a.severity
			}
			table, _ := f.Evidence["table"].(string)
			if tc, ok := a.tables[table]; ok {
				if tc.Enabled != nil && !*tc.Enabled {
					continue
				}
				if tc.Severity != "" {
					f.Severity = Severity(tc.Severity)
				}
			}
			f.Rule, f.Statement = a.rule, in.Statement
			out = append(out, f)
		}
	}
	return out
}

// Compare is the first active plan-comparing rule's verdict on a query's
// plan from before to after, with its configured options.
func (s *Set) Compare(before, after *explain.Plan, tables map[string]explain.Table) explain.PlanChange {
	for _, a := range s.active {
		if a.rule.Compare != nil {
			return a.rule.Compare(before, after, tables, a.options)
		}
	}
	return explain.PlanChange{}
}
