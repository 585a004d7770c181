package review

import (
	"context"
	"time"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/rules"
)

// regressions holds what a change does to the queries: their plans before
// the change's migrations, and for each query whose plan got worse or
// broke, the migration statement after which that first happened.
type regressions struct {
	active bool // the change has migrations: otherwise no second planning pass
	before map[*analyzer.Statement]*explain.Plan
	cause  map[*analyzer.Statement]*analyzer.Statement
	// better: the change statement after which a query's plan first got
	// better, for the notice that credits it.
	better map[*analyzer.Statement]*analyzer.Statement
	took   time.Duration // planning spent on the comparison
}

func newRegressions(ch change) *regressions {
	return &regressions{active: len(statementsOf(ch.migrations)) > 0,
		before: map[*analyzer.Statement]*explain.Plan{}, cause: map[*analyzer.Statement]*analyzer.Statement{},
		better: map[*analyzer.Statement]*analyzer.Statement{}}
}

// planBefore plans every query before the change. Plans are compared by
// their estimates, so no query is run (EXPLAIN without ANALYZE).
func (r *regressions) planBefore(ctx context.Context, db explain.DB, queries []*analyzer.Statement, cfg *config.Config) error {
	if !r.active {
		return nil
	}
	start := time.Now()
	plans, err := genericPlans(ctx, db, queries, cfg, map[*analyzer.Statement]error{})
	r.before = plans
	r.took += time.Since(start)
	return err
}

// afterStatement re-plans the queries after each change statement and
// blames the statement for the queries it first made worse or broke.
func (r *regressions) afterStatement(db explain.DB, queries []*analyzer.Statement, cfg *config.Config, ruleSet *rules.Set) func(context.Context, *analyzer.Statement) error {
	return func(ctx context.Context, st *analyzer.Statement) error {
		if !r.active {
			return nil
		}
		start := time.Now()
		defer func() { r.took += time.Since(start) }()
		errs := map[*analyzer.Statement]error{}
		now, err := genericPlans(ctx, db, queries, cfg, errs)
		if err != nil {
			return err
		}
		tables, err := explain.Tables(ctx, db)
		if err != nil {
			return err
		}
		for q, before := range r.before {
			if r.cause[q] != nil || before == nil {
				continue
			}
			var change explain.PlanChange
			if now[q] != nil {
				change = ruleSet.Compare(before, now[q], tables)
			}
			switch {
			case errs[q] != nil || change.Worse:
				r.cause[q] = st
			case change.Better && r.better[q] == nil:
				r.better[q] = st
			}
		}
		return nil
	}
}

// causeOf is the change statement a query's plan change is credited to:
// the one that first made it worse or broke it, else the one that first
// made it better; nil when only the change's ANALYZE did.
func (r *regressions) causeOf(q *analyzer.Statement) *analyzer.Statement {
	if c := r.cause[q]; c != nil {
		return c
	}
	return r.better[q]
}
