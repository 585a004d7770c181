package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var missingLockTimeout = &Rule{
	ID:       "missing-lock-timeout",
	Severity: Warning,
	Summary:  "a migration takes a blocking lock without SET lock_timeout first",
	Doc: `Even a DDL statement that holds its lock for a millisecond (ADD COLUMN with a
constant default, DROP CONSTRAINT) must first get the lock, and it waits for
every transaction using the table to finish: a long report, an idle-in-
transaction session. While it waits, every new query on the table queues behind
it. A slow query plus an instant migration is an outage.

SET lock_timeout makes the statement give up instead of queueing the
application behind it; the migration fails and can be retried. Reported once
per migration file, at its first statement that locks an existing table (ALTER
TABLE but VALIDATE CONSTRAINT and DETACH PARTITION … CONCURRENTLY, CREATE INDEX
without CONCURRENTLY, CREATE TRIGGER, DROP, RENAME, TRUNCATE, VACUUM FULL,
CLUSTER, REINDEX) when no SET lock_timeout comes before
it in the file. If your migration runner sets lock_timeout for every
migration, disable this rule. A table created earlier in the same file, an
index made on one, and DROP … IF EXISTS of an object no earlier migration
created lock nothing anyone waits on and are not reported (a schema file:
DROP TABLE IF EXISTS s CASCADE; CREATE TABLE s …; CREATE INDEX … ON s).

Fix: start the migration with SET lock_timeout = '2s'; (or SET LOCAL inside a
transaction) and retry on failure.

Example: ALTER TABLE accounts ADD COLUMN plan text; with nothing before it.`,
	Check: func(in *Input, _ Options) []Finding {
		m, ok := migrationOf(in)
		if !ok {
			return nil
		}
		table := lockedTable(in.Statement.Tree, m)
		if table == "" {
			return nil
		}
		for _, st := range m.file {
			set := st.Tree.GetVariableSetStmt()
			if set.GetName() == "lock_timeout" && set.GetKind() == pg_query.VariableSetKind_VAR_SET_VALUE || lockedTable(st.Tree, m) != "" {
				return nil // set already, or reported at an earlier statement
			}
		}
		return []Finding{{
			Message:    fmt.Sprintf("locks %s with no SET lock_timeout earlier in the migration: while it waits for the lock, every query on %s queues behind it", table, table),
			Suggestion: "begin the migration with SET lock_timeout = '2s'; and retry it if it times out",
			Evidence:   map[string]any{"table": table},
		}}
	},
}

// lockedTable names the existing table a statement locks against the
// application's reads or writes, or "". Concurrent index builds and drops
// take a lock ordinary queries do not wait for.
func lockedTable(tree *pg_query.Node, m migrationContext) string {
	var tables []*pg_query.RangeVar
	switch v := tree.Node.(type) {
	case *pg_query.Node_AlterTableStmt:
		if blocksQueries(v.AlterTableStmt.Cmds) {
			tables = append(tables, v.AlterTableStmt.Relation)
		}
	case *pg_query.Node_IndexStmt:
		if !v.IndexStmt.Concurrent {
			tables = append(tables, v.IndexStmt.Relation)
		}
	case *pg_query.Node_CreateTrigStmt:
		tables = append(tables, v.CreateTrigStmt.Relation)
	case *pg_query.Node_RenameStmt:
		tables = append(tables, v.RenameStmt.Relation)
	case *pg_query.Node_ClusterStmt:
		tables = append(tables, v.ClusterStmt.Relation)
	case *pg_query.Node_ReindexStmt:
		if !hasOption(v.ReindexStmt.Params, "concurrently") {
			tables = append(tables, v.ReindexStmt.Relation)
		}
	case *pg_query.Node_DropStmt:
		switch v.DropStmt.RemoveType {
		case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_INDEX, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW:
			if v.DropStmt.Concurrent {
				break
			}
			for _, obj := range v.DropStmt.Objects {
				name := lastName(obj.GetList().GetItems())
				if m.dropsNothing(v.DropStmt, name) {
					continue // IF EXISTS, and nothing made it: no lock to wait for
				}
				if v.DropStmt.RemoveType == pg_query.ObjectType_OBJECT_INDEX {
					// An index locks its table; one this file made is new.
					table, createdHere := indexTable(nil, m, name)
					if createdHere {
						continue
					}
					if table != "" {
						name = table
					}
				}
				tables = append(tables, &pg_query.RangeVar{Relname: name})
			}
		}
	case *pg_query.Node_TruncateStmt:
		for _, r := range v.TruncateStmt.Relations {
			tables = append(tables, r.GetRangeVar())
		}
	case *pg_query.Node_VacuumStmt:
		if !hasOption(v.VacuumStmt.Options, "full") {
			break
		}
		for _, r := range v.VacuumStmt.Rels {
			tables = append(tables, r.GetVacuumRelation().GetRelation())
		}
	}
	for _, rv := range tables {
		if name := rv.GetRelname(); name != "" && !m.isNew(name) {
			return name
		}
	}
	return ""
}

// blocksQueries reports whether ALTER TABLE commands take a lock that
// reads or writes wait for: all but VALIDATE CONSTRAINT and DETACH
// PARTITION … CONCURRENTLY, which take SHARE UPDATE EXCLUSIVE.
func blocksQueries(cmds []*pg_query.Node) bool {
	for _, c := range cmds {
		cmd := c.GetAlterTableCmd()
		concurrent := cmd.Subtype == pg_query.AlterTableType_AT_DetachPartition && cmd.GetDef().GetPartitionCmd().GetConcurrent()
		if cmd.Subtype != pg_query.AlterTableType_AT_ValidateConstraint && !concurrent {
			return true
		}
	}
	return false
}
