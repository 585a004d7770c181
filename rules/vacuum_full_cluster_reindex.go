package rules

import (
	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var vacuumFullClusterReindex = &Rule{
	ID:       "vacuum-full-cluster-reindex",
	Severity: Error,
	Summary:  "VACUUM FULL, CLUSTER or REINDEX locks the table for the whole rewrite",
	Doc: `VACUUM FULL and CLUSTER rewrite the whole table, and REINDEX rebuilds its
indexes, holding a lock that blocks every read and write (REINDEX blocks writes,
and reads that would use the index) until they finish: minutes to hours of
downtime on a large table, in a migration or anywhere else.

Reported: VACUUM FULL, CLUSTER, and REINDEX without CONCURRENTLY.

` + sizedDoc + `

Fix: REINDEX … CONCURRENTLY (PostgreSQL 12+) to rebuild indexes; plain VACUUM
(no FULL) to reclaim space for reuse; pg_repack or pg_squeeze to compact or
reorder a table online.

Example: VACUUM FULL accounts;`,
	Options: Options{"min-rows": smallTable},
	Check: func(in *Input, opts Options) []Finding {
		var what, target, instead, table string
		switch v := in.Statement.Tree.GetNode().(type) {
		case *pg_query.Node_VacuumStmt:
			if !v.VacuumStmt.IsVacuumcmd || !hasOption(v.VacuumStmt.Options, "full") {
				return nil
			}
			if len(v.VacuumStmt.Rels) > 0 {
				target = v.VacuumStmt.Rels[0].GetVacuumRelation().GetRelation().GetRelname()
				table = target
			}
			what, instead = "VACUUM FULL rewrites", "plain VACUUM, or pg_repack to compact the table online"
		case *pg_query.Node_ClusterStmt:
			target = v.ClusterStmt.Relation.GetRelname()
			table = target
			what, instead = "CLUSTER rewrites", "pg_repack to reorder the table online"
		case *pg_query.Node_ReindexStmt:
			if hasOption(v.ReindexStmt.Params, "concurrently") {
				return nil
			}
			target = v.ReindexStmt.Relation.GetRelname() + v.ReindexStmt.Name
			if v.ReindexStmt.Kind == pg_query.ReindexObjectType_REINDEX_OBJECT_TABLE {
				table = target
			}
			what, instead = "REINDEX without CONCURRENTLY rebuilds the indexes of", "REINDEX … CONCURRENTLY (PostgreSQL 12+)"
		default:
			return nil
		}
		if target == "" {
			target = "every table"
		}
		f := Finding{
			Message:    what + " " + target + " while holding a lock that blocks the application until it finishes",
			Suggestion: instead,
			Evidence:   map[string]any{"target": target},
		}
		if table != "" {
			f.Evidence["table"] = table
		}
		return []Finding{sized(in, opts, f)}
	},
}
