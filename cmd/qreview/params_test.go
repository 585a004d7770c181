package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// ticketsProject is a service whose lookups filter optionally: on 150,000
// tickets, the generic plan of such a query reads the table while each
// custom plan is an index lookup.
func ticketsProject(t *testing.T, config string) string {
	return writeProject(t, map[string]string{
		".qreview.yaml": "scale:\n  tickets:\n    rows: 150000\n    columns:\n      state: {values: [closed, pending, open], weights: [95, 4, 1]}\n" + config,
		"migrations/001_tickets.up.sql": `CREATE TABLE tickets (
    id         bigserial PRIMARY KEY,
    ref        text NOT NULL UNIQUE,
    state      text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX tickets_created_at_idx ON tickets (created_at);`,
		"queries/tickets.sql": `-- name: FindTicket :one
SELECT id, state FROM tickets WHERE CASE WHEN $1 > 0 THEN id = $1 ELSE ref = $2 END;

-- name: TicketsSince :many
-- qreview:params $1='2020-01-01'
SELECT id FROM tickets WHERE created_at > $1 ORDER BY created_at LIMIT $2;
`,
	})
}

// TestParameterizedQueriesAreJudgedByThePlansProductionRuns: an optional
// filter's generic-plan scan is a warning that says the plan cache runs
// custom plans; forcing generic plans (as behind a transaction pooler)
// makes it an error; pinned values are used, and checked.
func TestParameterizedQueriesAreJudgedByThePlansProductionRuns(t *testing.T) {
	dir := ticketsProject(t, "")
	queries := filepath.Join(dir, "queries/tickets.sql")
	r := qreview(t, nil, "review", dir, "--format", "json", "--verbose", "--db", "local", "--no-cache")
	if r.code != exitPass {
		t.Fatalf("exit %d, want %d (warnings only)\nstderr:\n%s", r.code, exitPass, r.stderr)
	}
	res := decode(t, r.stdout)
	var scan bool
	for _, f := range res.Findings {
		if f.Rule == "seq-scan-large-table" {
			scan = true
			if f.Severity != "warning" || f.Line != 2 || f.Plan != "generic plan" || !strings.Contains(f.Message, "only in the generic plan") ||
				!strings.Contains(f.Message, "CASE WHEN $1 > 0") || !strings.HasPrefix(f.PlanCache, "runs custom plans") {
				t.Errorf("finding %+v; want a warning on line 2 from the generic plan naming the optional filter and the plan cache's reason", f)
			}
		}
	}
	if !scan {
		t.Errorf("no seq-scan-large-table finding; want the generic plan's scan as a warning: %+v", res.Findings)
	}
	for _, st := range res.Statements {
		switch st.Name {
		case "FindTicket":
			if st.PlanCache == nil || st.PlanCache.Choice != "custom" || len(st.Plans) < 2 || *st.Plans[0].Runs || !*st.Plans[1].Runs {
				t.Errorf("FindTicket: plan cache %+v, plans %+v; want custom plans run, the generic one not", st.PlanCache, st.Plans)
			}
			if strings.Contains(strings.Join(st.Plan.Nodes, " "), "Seq Scan") {
				t.Errorf("FindTicket: statements[].plan is %v; want the custom plan production runs", st.Plan.Nodes)
			}
		case "TicketsSince":
			if len(st.Plans) < 2 {
				t.Fatalf("TicketsSince has %d plans; want the generic plan and a custom plan with the pinned value", len(st.Plans))
			}
			for _, p := range st.Plans[1:] {
				if *p.Values[0].Value != "2020-01-01" || !strings.Contains(p.Values[0].Why, "qreview:params") || *p.Values[1].Value != "50" {
					t.Errorf("TicketsSince values %+v; want $1 pinned inline and $2 the page size", p.Values)
				}
			}
		}
	}
	for _, want := range []string{queries + ":2 FindTicket:", "the plan cache runs custom plans", "optional filter: CASE WHEN $1 > 0"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("--verbose output lacks %q:\n%s", want, r.stderr)
		}
	}

	r = qreview(t, nil, "review", ticketsProject(t, "plan_cache_mode: force_generic_plan\n"), "--format", "json", "--db", "local", "--no-cache")
	if r.code != exitFail {
		t.Fatalf("force_generic_plan: exit %d, want %d: the generic plan's scan is what runs\nstderr:\n%s", r.code, exitFail, r.stderr)
	}
	if errs := errorFindings(decode(t, r.stdout)); len(errs) != 1 || errs[0].Rule != "seq-scan-large-table" || errs[0].Plan != "generic plan" {
		t.Errorf("force_generic_plan: errors %+v; want the seq scan of the generic plan", errs)
	}
}

// TestPinnedParameterErrors: a pinned value the parameter's type rejects
// names the query and the parameter; a name no query has fails before a
// database starts.
func TestPinnedParameterErrors(t *testing.T) {
	r := qreview(t, nil, "review", ticketsProject(t, "params:\n  TicketsSince:\n    $2: lots\n"), "--db", "local", "--no-cache")
	if r.code != exitBroken || !strings.Contains(r.stderr, "TicketsSince: pinned value of $2") || !strings.Contains(r.stderr, `"lots"`) {
		t.Errorf("wrong type: exit %d, stderr:\n%s\nwant exit 2 naming TicketsSince and $2", r.code, r.stderr)
	}
	r = qreview(t, nil, "review", ticketsProject(t, "params:\n  FindTicktet:\n    $1: 1\n"), "--db", "local", "--no-cache")
	if r.code != exitBroken || !strings.Contains(r.stderr, "no query is named FindTicktet") || strings.Contains(r.stderr, "ready in") {
		t.Errorf("unknown query: exit %d, stderr:\n%s\nwant exit 2 naming FindTicktet before a database starts", r.code, r.stderr)
	}
}
