package rules

import "fmt"

var preferJSONB = &Rule{
	ID:       "prefer-jsonb",
	Severity: Warning,
	Summary:  "a json column where jsonb is meant: no equality, no indexes, parsed on every read",
	Doc: `The json type stores the text as given and has no equality operator: SELECT
DISTINCT, GROUP BY, UNION and = on the column fail ("could not identify an
equality operator for type json"), it cannot be indexed with GIN, and every
read parses it again. jsonb supports all of that and is what nearly every
application means (eugene E3, strong_migrations' "adding a json column").
Reported for json columns in CREATE TABLE, ADD COLUMN and ALTER COLUMN TYPE.

` + changeOnlyDoc + `

Fix: use jsonb. Keep json only to preserve key order, duplicate keys or
whitespace exactly, and say so with a qreview:ignore reason.

Example: ALTER TABLE accounts ADD COLUMN settings json;`,
	Check: func(in *Input, _ Options) []Finding {
		if !changeMigration(in) {
			return nil
		}
		var out []Finding
		for _, c := range definedColumns(in.Statement.Tree) {
			table, def := c.table, c.def
			if lastName(def.GetTypeName().GetNames()) != "json" {
				continue
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("%s.%s is json: no equality (DISTINCT, GROUP BY and = fail), no GIN index, parsed on every read", table, def.Colname),
				Suggestion: "jsonb",
				Evidence:   map[string]any{"table": table, "column": def.Colname},
			})
		}
		return out
	},
}
