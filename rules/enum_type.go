package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

var enumType = &Rule{
	ID:       "enum-type",
	Severity: Error,
	Summary:  "enum changes that break queries or the running application: unordered or unusable new values, renamed values",
	Doc: `Enum types are hard to change safely:

- ALTER TYPE … ADD VALUE without BEFORE or AFTER appends the value last, so
  queries that compare values (status < 'approved') change meaning (warning;
  squawk's require-enum-value-ordering).
- A value added in a transaction cannot be used until that transaction
  commits: a later statement of the same transaction that uses it fails with
  "unsafe use of new value" (error; before PostgreSQL 12, ADD VALUE cannot run
  in a transaction block at all).
- RENAME VALUE breaks every query and every row-mapping of the application
  version still running that uses the old label (warning; strong_migrations'
  "renaming an enum value").
- CREATE TYPE … AS ENUM makes a type whose values can never be removed or
  reordered without rewriting every table that uses it (warning; eugene W13).
  A lookup table with a foreign key keeps those changes ordinary. Judged on
  the migrations of the change under review only.

A type created earlier in the same migration file is exempt from the first
and third.

Fix: ADD VALUE 'x' BEFORE 'y' (or AFTER); use the new value in a later
migration; to rename, add the new value, write it, backfill, and stop using the
old one; prefer a lookup table to a new enum.

Example: ALTER TYPE ticket_state ADD VALUE 'escalated';`,
	Check: func(in *Input, _ Options) []Finding {
		m, ok := migrationOf(in)
		if !ok {
			return nil
		}
		switch v := in.Statement.Tree.Node.(type) {
		case *pg_query.Node_CreateEnumStmt:
			if !in.InChange {
				return nil // an enum the deployed history made is not news
			}
			name := lastName(v.CreateEnumStmt.TypeName)
			return []Finding{{
				Severity:   Warning,
				Message:    fmt.Sprintf("CREATE TYPE %s AS ENUM: its values can never be removed or reordered without rewriting the tables that use it", name),
				Suggestion: "a lookup table with a foreign key to it, whose rows can be added, renamed and retired like data",
				Evidence:   map[string]any{"type": name},
			}}
		case *pg_query.Node_AlterEnumStmt:
			return enumChange(in, m, v.AlterEnumStmt)
		}
		return usesNewValue(in, m)
	},
}

func enumChange(in *Input, m migrationContext, e *pg_query.AlterEnumStmt) []Finding {
	name := lastName(e.TypeName)
	if enumCreatedIn(m.file, name) {
		return nil
	}
	ev := map[string]any{"type": name, "value": e.NewVal}
	switch {
	case e.OldVal != "":
		return []Finding{{
			Severity:   Warning,
			Message:    fmt.Sprintf("RENAME VALUE '%s' TO '%s' on %s: the application version still running reads and writes '%s' and fails", e.OldVal, e.NewVal, name, e.OldVal),
			Suggestion: "add the new value BEFORE or AFTER the old one, write it, backfill, and stop using the old one",
			Evidence:   ev,
		}}
	case e.NewValNeighbor == "":
		return []Finding{{
			Severity:   Warning,
			Message:    fmt.Sprintf("ADD VALUE '%s' to %s without BEFORE or AFTER puts it last: queries that compare %s values change meaning", e.NewVal, name, name),
			Suggestion: fmt.Sprintf("say where it goes: ALTER TYPE %s ADD VALUE '%s' BEFORE '…' (or AFTER)", name, e.NewVal),
			Evidence:   ev,
		}}
	}
	return nil
}

// usesNewValue reports a statement that uses an enum value an earlier
// statement of its transaction added: PostgreSQL refuses it until the
// addition commits. A literal counts where the statement casts to the
// type or names a table with a column of it.
func usesNewValue(in *Input, m migrationContext) []Finding {
	added := map[string]string{} // value → type
	for _, st := range m.file {
		if e := st.Tree.GetAlterEnumStmt(); e != nil && e.OldVal == "" && sameTransaction(st, in.Statement) {
			added[e.NewVal] = lastName(e.TypeName)
		}
	}
	if len(added) == 0 {
		return nil
	}
	// The statement uses the type: a cast to it, or a table with a column
	// of it.
	uses := map[string]bool{}
	table := func(rv *pg_query.RangeVar) {
		for _, t := range columnTypes(m.prior, rv.GetRelname()) {
			uses[lastName(t.GetNames())] = true
		}
	}
	analyzer.Walk(in.Statement.Tree, func(n *pg_query.Node) {
		switch v := n.Node.(type) {
		case *pg_query.Node_TypeCast:
			uses[lastName(v.TypeCast.TypeName.GetNames())] = true
		case *pg_query.Node_RangeVar:
			table(v.RangeVar)
		case *pg_query.Node_UpdateStmt:
			table(v.UpdateStmt.Relation)
		case *pg_query.Node_DeleteStmt:
			table(v.DeleteStmt.Relation)
		case *pg_query.Node_InsertStmt:
			table(v.InsertStmt.Relation)
		}
	})
	var out []Finding
	analyzer.Walk(in.Statement.Tree, func(n *pg_query.Node) {
		s := n.GetAConst().GetSval()
		if s == nil || added[s.Sval] == "" || !uses[added[s.Sval]] || len(out) > 0 {
			return
		}
		out = append(out, Finding{
			Message:    fmt.Sprintf("uses '%s', which this transaction added to %s: PostgreSQL refuses a new enum value until the transaction that added it commits (unsafe use of new value)", s.Sval, added[s.Sval]),
			Suggestion: "use the new value in a later migration, after the one that adds it has committed",
			Evidence:   map[string]any{"type": added[s.Sval], "value": s.Sval},
		})
	})
	return out
}

func enumCreatedIn(stmts []*analyzer.Statement, name string) bool {
	for _, st := range stmts {
		if c := st.Tree.GetCreateEnumStmt(); c != nil && lastName(c.TypeName) == name {
			return true
		}
	}
	return false
}
