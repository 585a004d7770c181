package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var missingStatementTimeout = &Rule{
	ID:       "missing-statement-timeout",
	Severity: Warning,
	Summary:  "a migration runs a long statement under a blocking lock without SET statement_timeout first",
	Doc: `lock_timeout bounds how long a migration waits for its lock; nothing bounds how
long it then holds it. A statement that scans, rewrites or builds an index on
an existing table while holding a lock the application waits for (CREATE INDEX
without CONCURRENTLY, a validated ADD CONSTRAINT, SET NOT NULL that must scan,
a type change that rewrites, UPDATE or DELETE of every matching row, VACUUM
FULL, CLUSTER, REINDEX) runs as long as the table is large. statement_timeout
turns a runaway migration into a failed one that can be retried at a better
time, instead of an outage that lasts until someone cancels it.

Reported once per migration file, at its first such statement, when no
SET statement_timeout comes before it in the file (squawk's
require-statement-timeout, part of require-timeout-settings). Statements that
hold their lock for a moment whatever the size (ADD COLUMN with a constant
default, NOT VALID constraints) are left to missing-lock-timeout, and
VALIDATE CONSTRAINT and CONCURRENTLY builds, which let reads and writes go on,
are not reported. If your migration runner sets statement_timeout for every
migration, disable this rule.

Fix: start the migration with SET statement_timeout = '5min'; (or SET LOCAL
inside a transaction), sized to what the statement may take on production data.

Example: CREATE INDEX accounts_plan_idx ON accounts (plan); with nothing before it.`,
	Check: func(in *Input, _ Options) []Finding {
		m, ok := migrationOf(in)
		if !ok {
			return nil
		}
		table, work := longUnderLock(in.Statement.Tree, m)
		if table == "" {
			return nil
		}
		for _, st := range m.file {
			set := st.Tree.GetVariableSetStmt()
			if set.GetName() == "statement_timeout" && set.GetKind() == pg_query.VariableSetKind_VAR_SET_VALUE {
				return nil
			}
			if t, _ := longUnderLock(st.Tree, m); t != "" {
				return nil // reported at an earlier statement
			}
		}
		return []Finding{{
			Message:    fmt.Sprintf("%s with no SET statement_timeout earlier in the migration: nothing stops it holding its lock on %s for as long as it runs", work, table),
			Suggestion: "begin the migration with SET statement_timeout = '5min'; (sized to production) next to SET lock_timeout",
			Evidence:   map[string]any{"table": table},
		}}
	},
}

// longUnderLock is runsLong for statements that hold a lock queries wait
// for while they run: not VALIDATE CONSTRAINT, SELECT or INSERT … SELECT.
func longUnderLock(tree *pg_query.Node, m migrationContext) (table, work string) {
	table, work = runsLong(tree, m)
	switch tree.Node.(type) {
	case *pg_query.Node_SelectStmt, *pg_query.Node_InsertStmt:
		return "", "" // they block no one
	}
	if lockRank(tree) == rankShareUpdateExclusive {
		return "", ""
	}
	return table, work
}
