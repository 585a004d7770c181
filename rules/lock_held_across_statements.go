package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var lockHeldAcrossStatements = &Rule{
	ID:       "lock-held-across-statements",
	Severity: Error,
	Summary:  "a long statement runs in a transaction that already holds a blocking lock from an earlier statement",
	Doc: `A lock is held until the transaction ends, not until the statement that took it
ends. An instant ALTER TABLE (ADD COLUMN, ADD CONSTRAINT … NOT VALID) takes an
ACCESS EXCLUSIVE lock for a millisecond; but if the same transaction then
validates the constraint, backfills the column, builds an index or reads the
table, the lock stays held through all of it and every query on the table
waits the whole time. The two-step patterns only help in two transactions.

Reported on a statement that reads or writes the rows of an existing table
(SELECT, UPDATE, DELETE, INSERT … SELECT, VALIDATE CONSTRAINT, a validated ADD
CONSTRAINT, SET NOT NULL that must scan, a type change that rewrites, CREATE
INDEX, VACUUM FULL, CLUSTER, REINDEX) when an earlier statement of the same
transaction locked an existing table against reads or writes, unless the
statement itself locks that table at least as hard (a rewrite after an ADD
COLUMN on the same table adds no wait). The transaction is the tool's (goose,
dbmate, Flyway, golang-migrate with several statements in a file) or an
explicit BEGIN … COMMIT.

This covers eugene's E4 (statements after an ACCESS EXCLUSIVE lock), squawk's constraint-missing-not-valid when VALIDATE shares the transaction of
its NOT VALID, and strong_migrations' "backfilling data" in the migration that
altered the table.

` + sizedDoc + `

Fix: end the transaction between the two: the NOT VALID constraint in one
migration, VALIDATE CONSTRAINT in the next; ADD COLUMN in one migration, the
backfill in batches in another (goose NO TRANSACTION, dbmate transaction:false,
or a separate golang-migrate file).

Example (one golang-migrate file):
    ALTER TABLE accounts ADD CONSTRAINT accounts_plan_check CHECK (plan <> '') NOT VALID;
    ALTER TABLE accounts VALIDATE CONSTRAINT accounts_plan_check;`,
	Options: Options{"min-rows": smallTable},
	Check: func(in *Input, opts Options) []Finding {
		m, ok := migrationOf(in)
		if !ok {
			return nil
		}
		table, work := runsLong(in.Statement.Tree, m)
		if table == "" {
			return nil
		}
		// The strongest lock the transaction already holds, on this
		// statement's table when there is a tie.
		var held *analyzer.Statement
		var locked string
		for _, st := range m.file {
			// VACUUM runs in no transaction block: it holds nothing after it.
			t := lockedTable(st.Tree, m)
			if _, vacuum := st.Tree.Node.(*pg_query.Node_VacuumStmt); vacuum || t == "" || !sameTransaction(st, in.Statement) {
				continue
			}
			if t == table && lockRank(st.Tree) <= lockRank(in.Statement.Tree) {
				continue // the statement locks the table as hard itself: the earlier lock adds no wait
			}
			if held == nil || lockRank(st.Tree) > lockRank(held.Tree) || lockRank(st.Tree) == lockRank(held.Tree) && t == table {
				held, locked = st, t
			}
		}
		if held == nil {
			return nil
		}
		return []Finding{sized(in, opts, Finding{
			Message: fmt.Sprintf("%s in the transaction that took %s on %s at line %d: %s stays locked for the whole of it",
				work, lockMode(held.Tree), locked, held.Line, locked),
			Suggestion: "end the transaction first: the instant change in one migration, this statement in the next (NOT VALID, then VALIDATE; ADD COLUMN, then a batched backfill)",
			Evidence:   map[string]any{"table": table, "locked_table": locked, "locked_at": held.Line, "lock": lockMode(held.Tree)},
		})}
	},
}

// runsLong names the existing table whose rows a statement reads or
// writes, and what it does to them; "" when it runs in a moment whatever
// the size.
func runsLong(tree *pg_query.Node, m migrationContext) (table, work string) {
	existing := func(rv *pg_query.RangeVar) bool {
		catalog := rv.GetSchemaname() == "pg_catalog" || rv.GetSchemaname() == "information_schema"
		return rv.GetRelname() != "" && !catalog && !m.isNew(rv.GetRelname())
	}
	switch v := tree.Node.(type) {
	case *pg_query.Node_SelectStmt:
		if read := readTable(tree, existing); read != "" {
			return read, "SELECT reads " + read
		}
	case *pg_query.Node_InsertStmt:
		if read := readTable(v.InsertStmt.SelectStmt, existing); read != "" {
			return read, "INSERT … SELECT reads " + read
		}
	case *pg_query.Node_UpdateStmt:
		if existing(v.UpdateStmt.Relation) {
			return v.UpdateStmt.Relation.Relname, "UPDATE " + v.UpdateStmt.Relation.Relname
		}
	case *pg_query.Node_DeleteStmt:
		if existing(v.DeleteStmt.Relation) {
			return v.DeleteStmt.Relation.Relname, "DELETE FROM " + v.DeleteStmt.Relation.Relname
		}
	case *pg_query.Node_IndexStmt:
		if existing(v.IndexStmt.Relation) && !v.IndexStmt.Concurrent {
			return v.IndexStmt.Relation.Relname, "CREATE INDEX on " + v.IndexStmt.Relation.Relname
		}
	case *pg_query.Node_ClusterStmt:
		if existing(v.ClusterStmt.Relation) {
			return v.ClusterStmt.Relation.Relname, "CLUSTER " + v.ClusterStmt.Relation.Relname
		}
	case *pg_query.Node_ReindexStmt:
		if existing(v.ReindexStmt.Relation) && !hasOption(v.ReindexStmt.Params, "concurrently") {
			return v.ReindexStmt.Relation.Relname, "REINDEX " + v.ReindexStmt.Relation.Relname
		}
	case *pg_query.Node_VacuumStmt:
		for _, r := range v.VacuumStmt.Rels {
			if rv := r.GetVacuumRelation().GetRelation(); hasOption(v.VacuumStmt.Options, "full") && existing(rv) {
				return rv.Relname, "VACUUM FULL " + rv.Relname
			}
		}
	case *pg_query.Node_AlterTableStmt:
		rel := v.AlterTableStmt.Relation
		if !existing(rel) {
			return "", ""
		}
		if what := alterScans(rel.Relname, v.AlterTableStmt.Cmds, m); what != "" {
			return rel.Relname, what
		}
	}
	return "", ""
}

// readTable is the first existing table a statement's FROM clauses name.
func readTable(tree *pg_query.Node, existing func(*pg_query.RangeVar) bool) string {
	var read string
	analyzer.Walk(tree, func(n *pg_query.Node) {
		if rv := n.GetRangeVar(); rv != nil && read == "" && existing(rv) {
			read = rv.Relname
		}
	})
	return read
}

// alterScans says which ALTER TABLE command reads every row of the table,
// or "".
func alterScans(table string, cmds []*pg_query.Node, m migrationContext) string {
	for _, c := range cmds {
		cmd := c.GetAlterTableCmd()
		switch cmd.Subtype {
		case pg_query.AlterTableType_AT_ValidateConstraint:
			return "VALIDATE CONSTRAINT " + cmd.Name + " scans " + table
		case pg_query.AlterTableType_AT_SetNotNull:
			if !notNullChecked(m.prior, table, cmd.Name) {
				return "SET NOT NULL scans " + table
			}
		case pg_query.AlterTableType_AT_AlterColumnType:
			old := columnTypes(m.prior, table)[cmd.Name]
			if def := cmd.Def.GetColumnDef(); def != nil && (def.RawDefault != nil || old == nil || !binaryCoercible(old, def.TypeName)) {
				return "ALTER COLUMN " + cmd.Name + " TYPE rewrites " + table
			}
		case pg_query.AlterTableType_AT_AddConstraint:
			con := cmd.Def.GetConstraint()
			if con != nil && !con.SkipValidation && con.Indexname == "" && con.Contype != pg_query.ConstrType_CONSTR_DEFAULT {
				return "ADD CONSTRAINT " + con.Conname + " checks every row of " + table
			}
		case pg_query.AlterTableType_AT_AddColumn:
			def := cmd.Def.GetColumnDef()
			if def != nil && rewritingDefault(def) != "" {
				return "ADD COLUMN " + def.Colname + " rewrites " + table
			}
			if def != nil && columnConstraints(def)[pg_query.ConstrType_CONSTR_FOREIGN] != nil {
				return "ADD COLUMN " + def.Colname + " REFERENCES checks every row of " + table
			}
		}
	}
	return ""
}

// lockMode names the table lock a statement lockedTable reports takes.
func lockMode(tree *pg_query.Node) string {
	switch lockRank(tree) {
	case rankShare:
		return "a SHARE lock (writes blocked)"
	case rankShareRowExclusive:
		return "a SHARE ROW EXCLUSIVE lock (writes blocked)"
	}
	return "an ACCESS EXCLUSIVE lock (reads and writes blocked)"
}

// Table lock modes in PostgreSQL's order, the ones migrations take.
const (
	rankNone = iota
	rankRowExclusive
	rankShareUpdateExclusive
	rankShare
	rankShareRowExclusive
	rankAccessExclusive
)

// lockRank is the table lock a migration statement takes on the table it
// names.
func lockRank(tree *pg_query.Node) int {
	switch v := tree.Node.(type) {
	case *pg_query.Node_SelectStmt:
		return rankNone
	case *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt, *pg_query.Node_InsertStmt:
		return rankRowExclusive
	case *pg_query.Node_IndexStmt:
		if v.IndexStmt.Concurrent {
			return rankShareUpdateExclusive
		}
		return rankShare
	case *pg_query.Node_ReindexStmt:
		return rankShare
	case *pg_query.Node_CreateTrigStmt:
		return rankShareRowExclusive
	case *pg_query.Node_AlterTableStmt:
		if !blocksQueries(v.AlterTableStmt.Cmds) {
			return rankShareUpdateExclusive
		}
		for _, c := range v.AlterTableStmt.Cmds {
			cmd := c.GetAlterTableCmd()
			fk := cmd.Subtype == pg_query.AlterTableType_AT_AddConstraint && cmd.GetDef().GetConstraint().GetContype() == pg_query.ConstrType_CONSTR_FOREIGN
			if !fk && cmd.Subtype != pg_query.AlterTableType_AT_ValidateConstraint {
				return rankAccessExclusive
			}
		}
		return rankShareRowExclusive
	}
	return rankAccessExclusive
}
