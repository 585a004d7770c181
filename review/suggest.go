package review

import (
	"context"
	"fmt"
	"strings"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/provider"
	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/rules"
)

// installHypopg creates the hypopg extension in the scratch database when
// the server has it (a privileged step, like any CREATE EXTENSION), so
// that index suggestions are proven with hypothetical indexes instead of
// real builds. Without it, proofs build the index in a savepoint.
// Whether it worked is read later from pg_extension (explain.HasHypopg).
func installHypopg(ctx context.Context, db *provider.Database) {
	admin, err := explain.Connect(ctx, db.AdminDSN)
	if err != nil {
		return
	}
	defer admin.Close(context.WithoutCancel(ctx))
	admin.Exec(ctx, "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg') THEN CREATE EXTENSION IF NOT EXISTS hypopg; END IF; END $$")
}

// proveIndexes gives each large-table scan finding an index suggestion the
// planner was shown to use, with the cost before and after; a scan for
// which no proposed index is used gets no index suggested, and says so.
func proveIndexes(ctx context.Context, db explain.DB, findings []rules.Finding, judged map[*analyzer.Statement]*explain.Judged, cfg *config.Config) error {
	hypopg := explain.HasHypopg(ctx, db)
	for i := range findings {
		f := &findings[i]
		table, _ := f.Evidence["table"].(string)
		plan := planOf(judged[f.Statement], f.Params)
		if !f.Rule.ProvesIndex || table == "" || plan == nil {
			continue
		}
		create := explain.ProposeIndex(f.Statement, table)
		if create == "" {
			f.Suggestion = fmt.Sprintf("the statement filters %s on nothing an index can serve: narrow the query", table)
			continue
		}
		var proof *explain.IndexProof
		err := explain.Limit(ctx, cfg.StatementTimeout, func(ctx context.Context) (err error) {
			proof, err = explain.ProveIndex(ctx, db, f.Statement, create, plan, f.Params, hypopg)
			return err
		})
		if err != nil {
			if !isServerError(err) {
				return err
			}
			f.Suggestion = fmt.Sprintf("could not try %s: %v", create, err)
			continue
		}
		if proof == nil {
			f.Suggestion = fmt.Sprintf("no proven index: with %s the planner still does not use an index here", strings.TrimSuffix(create, ";"))
			continue
		}
		var nodes []string
		for _, n := range proof.After.Nodes() {
			nodes = append(nodes, n.Label())
		}
		f.Suggestion = fmt.Sprintf("%s -- verified (%s): cost %s → %s, plan %s", create, proof.How,
			format.Count(proof.CostBefore), format.Count(proof.CostAfter), strings.Join(nodes, " → "))
		f.Evidence["index"] = create
		f.Evidence["cost_before"] = proof.CostBefore
		f.Evidence["cost_after"] = proof.CostAfter
		f.Evidence["plan_after"] = nodes
		f.Evidence["proven_with"] = proof.How
	}
	return nil
}

// planOf is the plan a finding was found in: the custom plan for its
// values, else the generic (or only) plan.
func planOf(j *explain.Judged, set *explain.ParamSet) *explain.Plan {
	if j == nil {
		return nil
	}
	for _, c := range j.Candidates {
		if c.Set == set {
			return c.Plan
		}
	}
	return nil
}
