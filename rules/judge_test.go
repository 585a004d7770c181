package rules

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
)

// TestJudgedByThePlansProductionRuns plans the plan cache's fixtures on
// the seeded database and checks why each got the findings it got: which
// plan the plan cache runs, the values taken, what was dropped.
func TestJudgedByThePlansProductionRuns(t *testing.T) {
	conn, tables := fixtureDatabase(t)
	src, err := analyzer.Load([]string{filepath.Join(fixtures, "plan-cache.sql")})
	if err != nil {
		t.Fatal(err)
	}
	set, err := Configure(nil)
	if err != nil {
		t.Fatal(err)
	}
	stats := explain.NewStats(conn)
	judge := func(sql string) (*explain.Judged, []Finding, []string) {
		t.Helper()
		for _, st := range src.Queries {
			if strings.Contains(st.SQL, sql) {
				j, err := judgeFixture(conn, st, stats)
				if err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
				found, notes := set.CheckPlans(&Input{Statement: st, Tables: tables, Source: src}, j)
				return j, found, notes
			}
		}
		t.Fatalf("no fixture statement contains %q", sql)
		return nil, nil, nil
	}

	t.Run("optional filters run as custom index lookups", func(t *testing.T) {
		for _, sql := range []string{"CASE WHEN $1 > 0", "($1::bigint = 0 OR", "($2::boolean OR"} {
			j, found, _ := judge(sql)
			if j.Cache.Generic() {
				t.Errorf("%s: the plan cache runs the generic plan (%s); want custom plans", sql, j.Cache.Reason)
			}
			if len(j.Optional) == 0 {
				t.Errorf("%s: no optional filter recognised", sql)
			}
			for _, c := range j.Runs() {
				if c.Plan.Nodes()[0].IndexName == "" && !strings.Contains(nodeTypes(c.Plan), "Index") {
					t.Errorf("%s: %s is not an index lookup: %s", sql, c.Label(), nodeTypes(c.Plan))
				}
			}
			for _, f := range found {
				if f.Severity == Error || !strings.Contains(f.Message, "only in the generic plan") || f.Plan != "generic plan" {
					t.Errorf("%s: %s %s from %q: %s; want a warning from the generic plan that says why", sql, f.Severity, f.Rule.ID, f.Plan, f.Message)
				}
			}
		}
	})

	t.Run("the most common value may read most of the table", func(t *testing.T) {
		j, found, notes := judge("state = $1")
		names := map[string]string{}
		for _, c := range j.Candidates[1:] {
			names[c.Set.Name] = *c.Set.Params[0].Value
		}
		if names["common"] != "closed" || names["rare"] != "open" {
			t.Errorf("value sets %v: want the most common value closed and the rare value open", names)
		}
		for _, f := range found {
			if f.Rule.ID == "seq-scan-large-table" {
				t.Errorf("%s from the %s: %s; want none", f.Rule.ID, f.Plan, f.Message)
			}
		}
		if j.Cache.Generic() {
			t.Fatalf("the plan cache runs the generic plan (%s); the fixture wants custom plans", j.Cache.Reason)
		}
		if !strings.Contains(strings.Join(notes, "\n"), "seq-scan-large-table: not a finding: only the custom plan for the common value ($1='closed')") ||
			!strings.Contains(strings.Join(notes, "\n"), "the query needs those rows") {
			t.Errorf("notes %q; want the common value's scan dropped because the query needs those rows", notes)
		}
	})

	t.Run("a scan the plan cache runs stays an error", func(t *testing.T) {
		j, found, _ := judge("priority = $1")
		if !j.Cache.Generic() {
			t.Fatalf("the plan cache runs custom plans (%s); the fixture wants the generic plan", j.Cache.Reason)
		}
		if len(found) == 0 || found[0].Severity != Error || found[0].Plan != "generic plan" || found[0].PlanCache == "" {
			t.Errorf("findings %+v; want a seq-scan error from the generic plan with the plan cache's reason", found)
		}
	})

	t.Run("LIMIT and OFFSET get a page size and depth", func(t *testing.T) {
		j, _, _ := judge("LIMIT $1 OFFSET $2")
		if len(j.Candidates) != 2 {
			t.Fatalf("%d plans; want the generic plan and one custom plan (the values do not vary)", len(j.Candidates))
		}
		got := j.Candidates[1].Set.String()
		if got != "$1='50', $2='100'" {
			t.Errorf("values %s; want $1='50', $2='100'", got)
		}
	})
}

func nodeTypes(p *explain.Plan) string {
	var types []string
	for _, n := range p.Nodes() {
		types = append(types, n.NodeType)
	}
	return strings.Join(types, " → ")
}
