package rules

import "fmt"

var preferTimestamptz = &Rule{
	ID:       "prefer-timestamptz",
	Severity: Warning,
	Summary:  "a timestamp without time zone column stores wall-clock times that shift with the session's time zone",
	Doc: `timestamp (without time zone) keeps whatever wall-clock value it is given. A
value written as now() or a timestamptz is converted with the writing
session's TimeZone, and read back without it: servers, drivers or users in
another zone, or a daylight-saving change, store and compare different
instants, silently. timestamptz stores the instant and converts on the way
out (squawk's prefer-timestamptz). Converting the column later is a rewrite
unless the session is in UTC (see alter-column-type).

Reported for timestamp columns in CREATE TABLE, ADD COLUMN and ALTER COLUMN
… TYPE.

` + changeOnlyDoc + `

Fix: timestamptz (timestamp with time zone).

Example: ALTER TABLE accounts ADD COLUMN closed_at timestamp;`,
	Check: func(in *Input, _ Options) []Finding {
		if !changeMigration(in) {
			return nil
		}
		var out []Finding
		for _, c := range definedColumns(in.Statement.Tree) {
			if lastName(c.def.GetTypeName().GetNames()) != "timestamp" {
				continue
			}
			out = append(out, Finding{
				Message:    fmt.Sprintf("%s.%s is timestamp without time zone: the instant it stores depends on the writer's TimeZone", c.table, c.def.Colname),
				Suggestion: "timestamptz",
				Evidence:   map[string]any{"table": c.table, "column": c.def.Colname},
			})
		}
		return out
	},
}
