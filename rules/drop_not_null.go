package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var dropNotNull = &Rule{
	ID:       "drop-not-null",
	Severity: Warning,
	Summary:  "DROP NOT NULL lets NULLs into a column the running application assumes never holds one",
	Doc: `ALTER COLUMN … DROP NOT NULL is instant, but it breaks a promise existing code
relies on: the application version still running, reports, triggers and
PL/pgSQL functions read the column as never NULL, and the first NULL written
fails or silently miscounts them (squawk's ban-drop-not-null). A table created
earlier in the same migration file is exempt.

Fix: keep the column NOT NULL and write a marker value instead of NULL; or ship
readers that handle NULL first, and drop the constraint in a later deploy.

Example: ALTER TABLE accounts ALTER COLUMN email DROP NOT NULL;`,
	Check: func(in *Input, _ Options) []Finding {
		table, cmds, _ := alteredTable(in)
		var out []Finding
		for _, cmd := range cmds {
			if cmd.Subtype != pg_query.AlterTableType_AT_DropNotNull {
				continue
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("DROP NOT NULL on %s.%s: code that reads it as never NULL breaks on the first NULL", table, cmd.Name),
				Suggestion: "write a marker value instead of NULL, or ship readers that handle NULL before dropping the constraint",
				Evidence:   map[string]any{"table": table, "column": cmd.Name},
			})
		}
		return out
	},
}
