package explain

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

// pg_locks cannot show a lock taken again in a mode the backend already
// holds. In production each file's transaction ends and its locks go; in
// the review they stay held by the review's transaction, so a statement
// that takes again a mode an earlier file took (a second ALTER TABLE, a
// second CREATE INDEX on the same table) would show no lock of its own.
// For those, the blocking lock (SHARE and stronger) that the statement's
// kind always takes on the relations it names is charged: the rest of
// this file says which.

// expectedLock is a blocking lock a statement takes on a relation it
// names: Name as to_regclass reads it.
type expectedLock struct {
	name, mode string
}

// lockModes are LOCK TABLE's modes by number (LOCKMODE).
var lockModes = []string{"", "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
	"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}

// expectedLocks lists the blocking locks st's kind always takes on the
// relations it names; weaker ones block no one and are left out.
func expectedLocks(st *analyzer.Statement) []expectedLock {
	var out []expectedLock
	add := func(rv *pg_query.RangeVar, mode string) {
		if rv != nil && rv.Relname != "" && LockBlocks(mode) != "" {
			out = append(out, expectedLock{name: qualified(rv.Schemaname, rv.Relname), mode: mode})
		}
	}
	switch n := st.Tree.GetNode().(type) {
	case *pg_query.Node_IndexStmt:
		if !n.IndexStmt.Concurrent {
			add(n.IndexStmt.Relation, "ShareLock")
		}
	case *pg_query.Node_AlterTableStmt:
		add(n.AlterTableStmt.Relation, alterTableLock(n.AlterTableStmt))
	case *pg_query.Node_CreateTrigStmt:
		add(n.CreateTrigStmt.Relation, "ShareRowExclusiveLock")
	case *pg_query.Node_TruncateStmt:
		for _, r := range n.TruncateStmt.Relations {
			add(r.GetRangeVar(), "AccessExclusiveLock")
		}
	case *pg_query.Node_LockStmt:
		if m := int(n.LockStmt.Mode); m > 0 && m < len(lockModes) {
			for _, r := range n.LockStmt.Relations {
				add(r.GetRangeVar(), lockModes[m])
			}
		}
	case *pg_query.Node_RenameStmt:
		add(n.RenameStmt.Relation, "AccessExclusiveLock")
	case *pg_query.Node_ClusterStmt:
		add(n.ClusterStmt.Relation, "AccessExclusiveLock")
	case *pg_query.Node_RefreshMatViewStmt:
		mode := "AccessExclusiveLock"
		if n.RefreshMatViewStmt.Concurrent {
			mode = "ExclusiveLock"
		}
		add(n.RefreshMatViewStmt.Relation, mode)
	case *pg_query.Node_DropStmt:
		switch n.DropStmt.RemoveType {
		case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_INDEX, pg_query.ObjectType_OBJECT_MATVIEW:
			if n.DropStmt.Concurrent {
				break
			}
			for _, obj := range n.DropStmt.Objects {
				var parts []string
				for _, p := range obj.GetList().GetItems() {
					parts = append(parts, p.GetString_().GetSval())
				}
				if len(parts) > 0 {
					out = append(out, expectedLock{name: pgx.Identifier(parts).Sanitize(), mode: "AccessExclusiveLock"})
				}
			}
		}
	}
	return out
}

// alterTableLock is the strongest lock an ALTER TABLE's subcommands take
// (PostgreSQL's AlterTableGetLockLevel, for the modes that block).
func alterTableLock(a *pg_query.AlterTableStmt) string {
	strongest := ""
	for _, c := range a.Cmds {
		cmd := c.GetAlterTableCmd()
		mode := "AccessExclusiveLock"
		switch cmd.GetSubtype() {
		case pg_query.AlterTableType_AT_ValidateConstraint, pg_query.AlterTableType_AT_SetStatistics,
			pg_query.AlterTableType_AT_ClusterOn, pg_query.AlterTableType_AT_DropCluster,
			pg_query.AlterTableType_AT_SetRelOptions, pg_query.AlterTableType_AT_ResetRelOptions,
			pg_query.AlterTableType_AT_ReplaceRelOptions, pg_query.AlterTableType_AT_AttachPartition,
			pg_query.AlterTableType_AT_DetachPartitionFinalize, pg_query.AlterTableType_AT_SetOptions,
			pg_query.AlterTableType_AT_ResetOptions:
			mode = "ShareUpdateExclusiveLock"
		case pg_query.AlterTableType_AT_DetachPartition:
			if cmd.GetDef().GetPartitionCmd().GetConcurrent() {
				mode = "ShareUpdateExclusiveLock"
			}
		case pg_query.AlterTableType_AT_EnableTrig, pg_query.AlterTableType_AT_EnableAlwaysTrig,
			pg_query.AlterTableType_AT_EnableReplicaTrig, pg_query.AlterTableType_AT_DisableTrig,
			pg_query.AlterTableType_AT_EnableTrigAll, pg_query.AlterTableType_AT_DisableTrigAll,
			pg_query.AlterTableType_AT_EnableTrigUser, pg_query.AlterTableType_AT_DisableTrigUser:
			mode = "ShareRowExclusiveLock"
		case pg_query.AlterTableType_AT_AddConstraint:
			if cmd.GetDef().GetConstraint().GetContype() == pg_query.ConstrType_CONSTR_FOREIGN {
				mode = "ShareRowExclusiveLock"
			}
		}
		if lockRank[mode] > lockRank[strongest] {
			strongest = mode
		}
	}
	return strongest
}

func qualified(schema, name string) string {
	if schema == "" {
		return pgx.Identifier{name}.Sanitize()
	}
	return pgx.Identifier{schema, name}.Sanitize()
}

// retaken resolves st's expected locks that the review's transaction
// already holds from an earlier file (stale): production takes them again
// for st, pg_locks cannot show it. Resolved before st runs, as st may drop
// what it names; a lock on an index counts on its table.
func retaken(ctx context.Context, db DB, st *analyzer.Statement, stale map[heldLock]bool) ([]Lock, error) {
	expected := expectedLocks(st)
	modes := map[string]bool{}
	for l := range stale {
		modes[l.mode] = true
	}
	expected = slices.DeleteFunc(expected, func(e expectedLock) bool { return !modes[e.mode] })
	if len(expected) == 0 {
		return nil, nil // no mode it takes is held already: pg_locks will show them
	}
	names := make([]string, len(expected))
	for i, e := range expected {
		names[i] = e.name
	}
	rows, err := db.Query(ctx, `
		SELECT n.i::int, coalesce(i.indrelid, c.oid)::int8, coalesce(t.relname, c.relname)::text,
		       CASE WHEN t.oid IS NULL THEN '' ELSE c.relname::text END
		FROM unnest($1::text[]) WITH ORDINALITY n(name, i)
		JOIN pg_class c ON c.oid = to_regclass(n.name)
		LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid`, names)
	if err != nil {
		return nil, fmt.Errorf("resolve the relations %s:%d names: %w", st.File, st.Line, ServerError(err))
	}
	var out []Lock
	for rows.Next() {
		var i int
		var rel int64
		var table, index string
		if err := rows.Scan(&i, &rel, &table, &index); err != nil {
			return nil, err
		}
		if mode := expected[i-1].mode; stale[heldLock{rel, mode}] {
			out = append(out, Lock{Table: table, Index: index, Mode: mode})
		}
	}
	return out, rows.Err()
}
