package rules

import "fmt"

var preferTextOverChar = &Rule{
	ID:       "prefer-text-over-char",
	Severity: Warning,
	Summary:  "a char(n) column pads its values with spaces, which comparisons and the application see differently",
	Doc: `char(n) (character, bpchar) pads every value with spaces to n characters.
PostgreSQL ignores the padding in some comparisons and not in others (LIKE,
casts to text, the application's own string compare), so equal-looking values
do not match, and a longer value fails the insert. It is not faster or smaller
than text in PostgreSQL (squawk's ban-char-field).

Reported for char(n) columns in CREATE TABLE, ADD COLUMN and ALTER COLUMN …
TYPE.

` + changeOnlyDoc + `

Fix: text, with CHECK (length(col) = n) when the length matters.

Example: ALTER TABLE accounts ADD COLUMN country char(2);`,
	Check: func(in *Input, _ Options) []Finding {
		if !changeMigration(in) {
			return nil
		}
		var out []Finding
		for _, c := range definedColumns(in.Statement.Tree) {
			if lastName(c.def.GetTypeName().GetNames()) != "bpchar" {
				continue
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("%s.%s is %s: values are padded with spaces, and comparisons disagree about the padding", c.table, c.def.Colname, typeString(c.def.TypeName)),
				Suggestion: "text, with a CHECK on the length if it matters",
				Evidence:   map[string]any{"table": c.table, "column": c.def.Colname},
			})
		}
		return out
	},
}
