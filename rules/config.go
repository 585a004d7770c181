package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Config re-levels or tunes one rule (config "rules: {id: …}").
type Config struct {
	Enabled  *bool              `yaml:"enabled"`
	Severity string             `yaml:"severity"`
	Options  map[string]float64 `yaml:",inline"`
}

// Set is the rules in force for a run, with their configured severity and
// options.
type Set struct{ active []active }

type active struct {
	rule     *Rule
	severity Severity
	options  Options
}

// Configure applies the config to the registry. An unknown rule ID or
// option is an error that names it.
func Configure(cfg map[string]Config) (*Set, error) {
	for id := range cfg {
		if registry[id] == nil {
			return nil, fmt.Errorf("rules.%s: unknown rule (qreview rules lists them)", id)
		}
	}
	set := &Set{}
	for _, r := range All() {
		c := cfg[r.ID]
		if c.Enabled != nil && !*c.Enabled {
			continue
		}
		a := active{rule: r, severity: r.Severity, options: Options{}}
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

// Check runs every active rule on one statement.
func (s *Set) Check(in *Input) []Finding {
	var out []Finding
	for _, a := range s.active {
		for _, f := range a.rule.Check(in, a.options) {
			f.Rule, f.Severity, f.Statement = a.rule, a.severity, in.Statement
			out = append(out, f)
		}
	}
	return out
}
