// Package rules holds the checks qreview runs on each statement and its
// plan. A rule is a value: an ID, a default severity, its documentation
// and a check function. Each rule lives in its own file; list.go names
// them all. What the pipeline needs from a rule is declared on the rule.
package rules

import (
	"fmt"
	"sort"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
)

// Severity orders findings; fail-on compares against it.
type Severity string

const (
	Notice  Severity = "notice"
	Warning Severity = "warning"
	Error   Severity = "error"
)

// Rank is 1 for notice, 2 for warning, 3 for error, 0 for anything else.
func (s Severity) Rank() int {
	switch s {
	case Notice:
		return 1
	case Warning:
		return 2
	case Error:
		return 3
	}
	return 0
}

// ParseSeverity accepts error, warning and notice.
func ParseSeverity(s string) (Severity, error) {
	if sev := Severity(s); sev.Rank() > 0 {
		return sev, nil
	}
	return "", fmt.Errorf("severity %q: use error, warning or notice", s)
}

// Input is what a rule sees of one statement.
type Input struct {
	Statement *analyzer.Statement
	Plan      *explain.Plan            // nil when the statement was not planned
	Err       error                    // the server rejected the statement (apply or EXPLAIN)
	Tables    map[string]explain.Table // after migrations and seeding: sizes and indexes
	Source    *analyzer.Source         // everything reviewed: a migration rule can see what came before
	Measured  *explain.Measured        // a migration of the change, applied on the seeded database
	Speed     explain.Speed            // milliseconds per unit of plan cost, and where from (config.Speed); zero: the default
	Traffic   []Traffic                // how often each service calls the statement, and its pool (config services:)

	// Before the change's migrations (a query planned on the same seeded
	// database before them), and the change statement after which its plan
	// first got worse or failed (nil: only after the change's ANALYZE).
	Before *explain.Plan
	Cause  *analyzer.Statement
	// Plans are every query's plans after the change, for rules on a
	// migration statement that ask what the queries do with it.
	Plans map[*analyzer.Statement]*explain.Plan
	// InChange: the statement's migration is part of the change under
	// review (a new migration, as opposed to the schema it is applied on).
	InChange bool

	ignores []Ignore // the statement's qreview:ignore directives, found by Set.Check
}

// Finding is one problem a rule found in a statement.
type Finding struct {
	Rule       *Rule
	Severity   Severity // a check may set it below its rule's; else the rule's
	Statement  *analyzer.Statement
	Message    string
	Suggestion string
	Evidence   map[string]any

	// Which plan it was found in ("generic plan", "custom plan for the
	// rare value ($1='closed')"), the values of a custom plan, and the
	// plan cache's reasoning in one line; empty without parameters.
	Plan      string
	Params    *explain.ParamSet
	PlanCache string
}

// Options are a rule's numeric thresholds, by config key.
type Options map[string]float64

// Rule is one check.
type Rule struct {
	ID       string // kebab-case, stable: configs and ignores name it
	Severity Severity
	Summary  string // one line
	Doc      string // what it catches, why it hurts, how to fix
	Options  Options
	Check    func(in *Input, opts Options) []Finding

	// GenericOnly: the rule compares generic plans (taken with NULL
	// parameters before and after the change), so it judges only the
	// generic plan, whichever plan production runs.
	GenericOnly bool

	// CountsEverywhere: the rule's findings count on statements outside
	// the reviewed files too (with --base), because the change caused
	// them there (a query the change's migration made worse).
	CountsEverywhere bool

	// ProvesIndex: the rule's findings name a table read whole; the
	// pipeline proposes an index for it and proves the planner uses it.
	ProvesIndex bool

	// Compare, when set, says whether a query's plan got worse or better
	// from before to after, with the rule's configured options. The
	// pipeline asks it after each statement of the change to find the one
	// that caused the change.
	Compare func(before, after *explain.Plan, tables map[string]explain.Table, opts Options) explain.PlanChange
}

// All lists every rule by ID (list.go holds the list).
func All() []*Rule {
	all := list()
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}

// Lookup finds a rule by ID; nil when there is none.
func Lookup(id string) *Rule {
	for _, r := range list() {
		if r.ID == id {
			return r
		}
	}
	return nil
}
