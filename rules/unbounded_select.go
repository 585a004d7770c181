package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/internal/format"
)

// aggregates are the built-in aggregate functions: with no GROUP BY, a
// SELECT of them returns one row however many it reads.
var aggregates = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true, "bool_and": true, "bool_or": true,
	"every": true, "array_agg": true, "string_agg": true, "json_agg": true, "jsonb_agg": true,
	"json_object_agg": true, "jsonb_object_agg": true, "bit_and": true, "bit_or": true, "stddev": true,
	"stddev_pop": true, "stddev_samp": true, "variance": true, "var_pop": true, "var_samp": true,
	"percentile_cont": true, "percentile_disc": true, "mode": true, "xmlagg": true,
}

var unboundedSelect = &Rule{
	ID:       "unbounded-select",
	Severity: Warning,
	Summary:  "a query reads a large table without LIMIT and may return a growing number of rows",
	Doc: `A query without LIMIT returns every row that matches. On a large table the
result grows with the table: the application loads it all into memory, sends it
over the network, and the query gets slower every month. Such queries work in
development, where the table is small, and time out in production.

Reported: a SELECT in a query file (not in a migration) without LIMIT or FETCH
FIRST whose FROM clause reads a table of at least min-rows rows (default 100,000)
and which the planner expects to return at least max-rows rows (default 1,000).
Exempt: a SELECT of aggregates without GROUP BY (it returns one row), and a
lookup the planner expects to return few rows (a primary key, a selective
indexed column).

Fix: paginate with LIMIT and a keyset condition (WHERE id > $last ORDER BY id
LIMIT 100), or aggregate in the database instead of in the application.

Example: SELECT id, email FROM accounts WHERE status = $1 -- 200,000 accounts,
a third of them in each status.`,
	Options: Options{"min-rows": 100_000, "max-rows": 1_000},
	Check: func(in *Input, opts Options) []Finding {
		sel := in.Statement.Tree.GetSelectStmt()
		if in.Statement.Kind != analyzer.KindQuery || in.Err != nil || sel == nil || sel.IntoClause != nil || hasLimit(sel) {
			return nil
		}
		var table string
		for _, leaf := range leafSelects(sel) {
			if oneRow(leaf) {
				continue
			}
			for _, t := range newScope(leaf.FromClause, nil, sel.WithClause).tables {
				if rows := in.Tables[t].Rows; rows >= opts["min-rows"] && rows > in.Tables[table].Rows {
					table = t
				}
			}
		}
		if table == "" {
			return nil
		}
		f := Finding{
			Message:    fmt.Sprintf("SELECT without LIMIT reads %s (~%s rows)", table, format.Count(in.Tables[table].Rows)),
			Suggestion: "paginate: add LIMIT with a keyset condition (WHERE id > $last ORDER BY id LIMIT 100)",
			Evidence:   map[string]any{"table": table, "estimated_rows": in.Tables[table].Rows},
		}
		if in.Plan != nil {
			returned := in.Plan.Root.PlanRows
			if returned < opts["max-rows"] {
				return nil
			}
			f.Message += fmt.Sprintf(" and the planner expects ~%s rows back", format.Count(returned))
			f.Evidence["returned_rows"] = returned
		}
		return []Finding{f}
	},
}

// hasLimit reports a LIMIT or FETCH FIRST that bounds the rows (LIMIT ALL
// and LIMIT NULL do not).
func hasLimit(sel *pg_query.SelectStmt) bool {
	c := sel.LimitCount.GetAConst()
	return sel.LimitCount != nil && (c == nil || !c.Isnull)
}

// oneRow reports a SELECT that returns at most one row by construction:
// aggregates without GROUP BY.
func oneRow(sel *pg_query.SelectStmt) bool {
	if len(sel.GroupClause) > 0 {
		return false
	}
	agg := false
	for _, t := range sel.TargetList {
		walkOwn(t, func(n *pg_query.Node) {
			if fc := n.GetFuncCall(); fc != nil && fc.Over == nil && (aggregates[lastName(fc.Funcname)] || fc.AggStar || fc.AggWithinGroup) {
				agg = true
			}
		})
	}
	return agg
}
