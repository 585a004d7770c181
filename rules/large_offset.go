package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/internal/format"
)

const keysetPagination = "paginate by key: WHERE id > $last ORDER BY id LIMIT n, served by an index on the sort key"

var largeOffset = &Rule{
	ID:       "large-offset",
	Severity: Warning,
	Summary:  "OFFSET pagination reads and throws away every row before the page",
	Doc: `OFFSET n does not skip rows: PostgreSQL produces the first n rows of the result
and discards them, so page 1,000 of a listing costs a thousand pages of work.
Deep pages get slower as the table grows, and crawlers find them.

Reported: a constant OFFSET above max-offset (default 1,000), and, as a notice
whatever the rule's severity (unless it is configured lower), OFFSET $n: a
parameter lets callers ask for any depth.

Fix: keyset pagination. Remember the last row's sort key and ask for the rows
after it: WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC
LIMIT 50, served by an index on (created_at, id).

Example: SELECT id FROM accounts ORDER BY id LIMIT 50 OFFSET 100000.`,
	Options: Options{"max-offset": 1_000},
	Check: func(in *Input, opts Options) []Finding {
		var out []Finding
		analyzer.Walk(in.Statement.Tree, func(n *pg_query.Node) {
			offset := n.GetSelectStmt().GetLimitOffset()
			if c := offset.GetTypeCast(); c != nil {
				offset = c.Arg
			}
			if v, ok := numberConst(offset); ok && v > opts["max-offset"] {
				out = append(out, Finding{
					Message:    fmt.Sprintf("OFFSET %s reads and discards %s rows before the first one it returns (max-offset %s)", format.Count(v), format.Count(v), format.Count(opts["max-offset"])),
					Suggestion: keysetPagination,
					Evidence:   map[string]any{"offset": v, "max_offset": opts["max-offset"]},
				})
			}
			if p := offset.GetParamRef(); p != nil {
				out = append(out, Finding{
					Severity:   Notice,
					Message:    fmt.Sprintf("OFFSET $%d lets callers page arbitrarily deep; each page reads every row before it", p.Number),
					Suggestion: keysetPagination,
					Evidence:   map[string]any{"parameter": p.Number},
				})
			}
		})
		return out
	},
}
