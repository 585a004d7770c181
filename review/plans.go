package review

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
)

// judgeQueries plans every query the ways production may run it (see
// explain.PlanAll): a query without parameters once, under EXPLAIN
// ANALYZE when the analyze mode allows; a parameterized one generically
// and with representative values, and the plan cache's rule says which
// of those plans count. Each query runs within statement_timeout.
func judgeQueries(ctx context.Context, db explain.DB, queries []*analyzer.Statement, cfg *config.Config,
	errs map[*analyzer.Statement]error, log func(string, ...any)) (map[*analyzer.Statement]*explain.Judged, error) {
	phase := time.Now()
	opts := explain.PlanOptions{CacheMode: cfg.PlanCacheMode, Values: explain.ValueOptions{Limit: cfg.PageSize, Offset: cfg.PageOffset}}
	var cpu string
	if err := db.QueryRow(ctx, "SHOW cpu_operator_cost").Scan(&cpu); err != nil {
		return nil, fmt.Errorf("SHOW cpu_operator_cost: %w", err)
	}
	opts.CPUOperatorCost, _ = strconv.ParseFloat(cpu, 64)
	stats := explain.NewStats(db)
	if err := stats.Preload(ctx, queries); err != nil {
		return nil, err
	}
	judged := map[*analyzer.Statement]*explain.Judged{}
	custom := 0
	err := eachQuery(ctx, queries, cfg, errs, func(ctx context.Context, st *analyzer.Statement) error {
		o := opts
		var err error
		switch cfg.Analyze {
		case "all":
			o.Analyze = true
		case "select": // run only what reads and calls nothing volatile
			if o.Analyze, _, err = explain.SafeToRun(ctx, db, st); err != nil {
				return err
			}
		}
		if o.Values.Pinned, o.Values.PinnedBy, err = cfg.PinnedParams(st); err != nil {
			return err
		}
		j, err := explain.PlanAll(ctx, db, st, stats, o)
		if err == nil {
			judged[st] = j
			custom += len(j.Candidates) - 1
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	log("planned %d queries in %s (%d custom plans for parameter values)", len(judged), since(phase), custom)
	return judged, nil
}

// eachQuery calls plan for every explainable query, within
// statement_timeout. A statement the server rejects goes in errs and the
// rest go on; anything else (a lost connection, Ctrl-C) stops them.
func eachQuery(ctx context.Context, queries []*analyzer.Statement, cfg *config.Config, errs map[*analyzer.Statement]error,
	plan func(context.Context, *analyzer.Statement) error) error {
	for _, st := range queries {
		if !st.Explainable() {
			continue
		}
		err := explain.Limit(ctx, cfg.StatementTimeout, func(ctx context.Context) error { return plan(ctx, st) })
		if err != nil {
			if stop := stopping(ctx, err, "explain", st); stop != nil {
				return stop
			}
			errs[st] = err
		}
	}
	return nil
}

// mainPlans are the plans to show and prove indexes on, one per query.
func mainPlans(judged map[*analyzer.Statement]*explain.Judged) map[*analyzer.Statement]*explain.Plan {
	plans := map[*analyzer.Statement]*explain.Plan{}
	for st, j := range judged {
		plans[st] = j.Main().Plan
	}
	return plans
}

// checkPinned reads every pinned parameter value before a database is
// started: a name under params: that no query has, a $n a query does not
// have, or an inline directive that cannot be read fails at once.
func checkPinned(cfg *config.Config, queries []*analyzer.Statement) error {
	if unknown := cfg.UnknownParamQueries(queries); len(unknown) > 0 {
		return fmt.Errorf("%s: params: no query is named %s (names come from sqlc's \"-- name:\" comments)",
			cmp.Or(cfg.Path, config.FileName), strings.Join(unknown, ", "))
	}
	for _, st := range queries {
		if _, _, err := cfg.PinnedParams(st); err != nil {
			return err
		}
	}
	return nil
}

// logJudgement says, for --verbose, how a query was judged: its plans,
// which of them the plan cache runs and why, and what was not counted.
func logJudgement(log func(string, ...any), st *analyzer.Statement, j *explain.Judged, notes []string) {
	if j == nil || j.Cache == nil {
		return
	}
	name := st.Name
	if name == "" {
		name = st.ID
	}
	log("%s:%d %s:", st.File, st.Line, name)
	for _, c := range j.Candidates {
		log("    %s: cost %s, %s", c.Label(), format.Count(c.Plan.Root.TotalCost), nodeChain(c.Plan))
	}
	if j.CustomErr != nil {
		log("    %v", j.CustomErr)
	}
	if len(j.Optional) > 0 {
		log("    optional filter: %s", strings.Join(j.Optional, ", "))
	}
	log("    the plan cache %s", j.Cache.Reason)
	for _, n := range notes {
		log("    %s", n)
	}
}

func nodeChain(p *explain.Plan) string {
	var labels []string
	for _, n := range p.Nodes() {
		labels = append(labels, n.Label())
	}
	return strings.Join(labels, " → ")
}
