package rules

// False alarms met reviewing real applications, each pinned where the
// fixture harness (one finding per rule per statement is enough there)
// cannot: how many findings, at which severity.

import (
	"strings"
	"testing"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
)

func parseQuery(t *testing.T, sql string) *analyzer.Statement {
	t.Helper()
	stmts, err := analyzer.ParseSQL("q.sql", sql, analyzer.KindQuery)
	if err != nil || len(stmts) != 1 {
		t.Fatalf("parse %q: %d statements, %v", sql, len(stmts), err)
	}
	return stmts[0]
}

// A function around a function around an indexed column is one finding,
// on the outermost expression.
func TestNonSargableReportsTheOutermostExpressionOnce(t *testing.T) {
	tables := map[string]explain.Table{"t": {Name: "t", Rows: 1e6, Indexes: []explain.Index{
		{Name: "t_a", Columns: []string{"a"}, Def: "CREATE INDEX t_a ON public.t USING btree (a)"}}}}
	tests := []struct{ sql, want string }{
		{"SELECT id FROM t WHERE to_tsvector(lower(a) || ' ' || b) @@ plainto_tsquery($1);", "to_tsvector((lower(a) || ' ') || b) hides t.a"},
		{"SELECT id FROM t WHERE to_tsvector(concat(a, b)) @@ plainto_tsquery($1);", "to_tsvector(concat(a, b)) hides t.a"},
		{"SELECT id FROM t WHERE lower(a) = $1 AND upper(a) || 'x' = $2;", "lower(a) hides t.a\nupper(a) hides t.a"},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range nonSargablePredicate.Check(&Input{Statement: parseQuery(t, tt.sql), Tables: tables}, nil) {
			got = append(got, f.Message[:strings.Index(f.Message, " from its index")])
		}
		if strings.Join(got, "\n") != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.sql, got, tt.want)
		}
	}
}

// sqlc expands * when it generates code: its select-star stays a notice
// with the reason, whatever the rule's configured severity; any other
// query file takes the configured one.
func TestSelectStarInSqlcFilesIsANotice(t *testing.T) {
	set, err := Configure(map[string]Config{"select-star": {Severity: "error"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sql, severity, says string
	}{
		{"-- name: GetAccount :one\nSELECT * FROM accounts WHERE id = $1;", "notice", "sqlc expands it"},
		{"-- name: GetAccount :one\nSELECT sqlc.embed(accounts) FROM accounts WHERE id = @id;", "notice", "sqlc expands it"},
		{"-- name: get-account\nSELECT * FROM accounts WHERE id = $1;", "error", "including ones added later"},
		{"SELECT * FROM accounts WHERE id = $1;", "error", "including ones added later"},
	}
	for _, tt := range tests {
		fs := set.Check(&Input{Statement: parseQuery(t, tt.sql)})
		if len(fs) != 1 || string(fs[0].Severity) != tt.severity || !strings.Contains(fs[0].Message, tt.says) {
			t.Errorf("%q: %d findings %+v, want one %s saying %q", tt.sql, len(fs), fs, tt.severity, tt.says)
		}
	}
}

// A Seq Scan under a Limit reads what the Limit takes, unless a selective
// Filter (or, under ANALYZE, what it really read) says it reads more.
func TestSeqScanUnderLimitCountsTheRowsItReads(t *testing.T) {
	tables := map[string]explain.Table{"payments": {Name: "payments", Rows: 1_000_000}}
	tests := []struct{ name, plan, want string }{
		{"no filter, parallel", `[{"Plan": {"Node Type": "Limit", "Startup Cost": 1000, "Total Cost": 1000.1, "Plan Rows": 5,
			"Plans": [{"Node Type": "Gather", "Parent Relationship": "Outer", "Workers Planned": 2, "Startup Cost": 1000, "Total Cost": 20000, "Plan Rows": 1000000,
			"Plans": [{"Node Type": "Seq Scan", "Parallel Aware": true, "Parent Relationship": "Outer", "Relation Name": "payments", "Startup Cost": 0, "Total Cost": 15000, "Plan Rows": 416667}]}]}}]`, ""},
		{"OFFSET 500000", `[{"Plan": {"Node Type": "Limit", "Startup Cost": 9000, "Total Cost": 9000.2, "Plan Rows": 10,
			"Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "payments", "Startup Cost": 0, "Total Cost": 18000, "Plan Rows": 1000000}]}}]`,
			"Seq Scan on payments reads ~500,011 rows to return ~500,011"},
		{"filter keeps a third", `[{"Plan": {"Node Type": "Limit", "Startup Cost": 0, "Total Cost": 1, "Plan Rows": 5,
			"Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "payments", "Filter": "(status = 'paid'::text)", "Startup Cost": 0, "Total Cost": 20000, "Plan Rows": 333333}]}}]`, ""},
		{"filter keeps 0.5%", `[{"Plan": {"Node Type": "Limit", "Startup Cost": 0, "Total Cost": 20, "Plan Rows": 1,
			"Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "payments", "Filter": "(lower(email) = 'a'::text)", "Startup Cost": 0, "Total Cost": 20000, "Plan Rows": 5000}]}}]`,
			"Seq Scan on payments reads ~1,000,000 rows to return ~5,000"},
		{"analyzed: the third was not where expected", `[{"Execution Time": 90, "Plan": {"Node Type": "Limit", "Startup Cost": 0, "Total Cost": 1, "Plan Rows": 5, "Actual Rows": 5, "Actual Loops": 1,
			"Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "payments", "Filter": "(status = 'paid'::text)", "Startup Cost": 0, "Total Cost": 20000, "Plan Rows": 333333,
			"Actual Rows": 5, "Actual Loops": 1, "Rows Removed by Filter": 640000}]}}]`,
			"Seq Scan on payments reads ~640,005 rows to return ~5"},
		{"InitPlan under a Limit runs whole", `[{"Plan": {"Node Type": "Limit", "Startup Cost": 18000, "Total Cost": 18000.1, "Plan Rows": 1,
			"Plans": [{"Node Type": "Aggregate", "Parent Relationship": "InitPlan", "Startup Cost": 18000, "Total Cost": 18000, "Plan Rows": 1,
			"Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "payments", "Startup Cost": 0, "Total Cost": 18000, "Plan Rows": 1000000}]},
			{"Node Type": "Result", "Parent Relationship": "Outer", "Startup Cost": 0, "Total Cost": 0.01, "Plan Rows": 1}]}}]`,
			"Seq Scan on payments reads ~1,000,000 rows to return ~1,000,000"},
	}
	for _, tt := range tests {
		p, err := explain.ParsePlan([]byte(tt.plan))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range seqScanLargeTable.Check(&Input{Plan: p, Tables: tables}, seqScanLargeTable.Options) {
			got = append(got, f.Message)
		}
		if strings.Join(got, "\n") != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// NOT IN on columns the migrations make NOT NULL has no NULL trap; a
// nullable column, an outer join or an unknown table keeps the finding.
func TestNotInSubqueryReadsNullabilityFromTheMigrations(t *testing.T) {
	schema := `CREATE TABLE q (queue text NOT NULL, snapshot_id text, data bytea, PRIMARY KEY (queue, snapshot_id));
CREATE TABLE r (id bigserial, ref text);
ALTER TABLE r ALTER COLUMN ref SET NOT NULL;`
	migration, err := analyzer.ParseSQL("001_schema.up.sql", schema, analyzer.KindMigration)
	if err != nil {
		t.Fatal(err)
	}
	m := &analyzer.Migration{File: "001_schema.up.sql", Statements: migration}
	for _, st := range migration {
		st.Migration = m
	}
	tests := []struct {
		sql  string
		want int
	}{
		{"DELETE FROM q WHERE snapshot_id NOT IN (SELECT snapshot_id FROM q ORDER BY snapshot_id DESC LIMIT $1);", 0},
		{"SELECT id FROM r WHERE ref NOT IN (SELECT snapshot_id FROM q UNION SELECT queue FROM q);", 0},
		{"SELECT id FROM r WHERE id NOT IN (SELECT id FROM r WHERE ref = $1);", 0},
		{"SELECT id FROM r WHERE ref NOT IN (SELECT encode(data, 'hex') FROM q);", 1},                    // an expression
		{"SELECT id FROM r WHERE ref NOT IN (SELECT q.queue FROM r LEFT JOIN q ON q.queue = r.ref);", 1}, // outer join
		{"SELECT id FROM r WHERE ref NOT IN (SELECT name FROM elsewhere);", 1},                           // unknown table
		{"SELECT id FROM r WHERE ref <> ALL (SELECT snapshot_id FROM q UNION SELECT ref FROM s);", 1},
	}
	for _, tt := range tests {
		st := parseQuery(t, tt.sql)
		src := &analyzer.Source{Migrations: []*analyzer.Migration{m}, Queries: []*analyzer.Statement{st}}
		if got := notInSubquery.Check(&Input{Statement: st, Source: src}, nil); len(got) != tt.want {
			t.Errorf("%s: %d findings, want %d", tt.sql, len(got), tt.want)
		}
	}
}
