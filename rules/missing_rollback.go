package rules

import (
	"fmt"
	"path/filepath"

	"github.com/qreview/qreview/analyzer"
)

var missingRollback = &Rule{
	ID:       "missing-rollback",
	Severity: Warning,
	Summary:  "a new migration has no down/undo counterpart",
	Doc: `A deploy checklist asks how a migration is undone before it runs. A migration of
the change under review without its rollback leaves the on-call engineer to
write one during the incident. Checked by each tool's convention:
golang-migrate (N_name.down.sql beside N_name.up.sql), goose (a -- +goose Down
section with SQL in it), dbmate (a -- migrate:down section with SQL in it) and
Flyway (a U file with the V file's version). Plain .sql migrations and Flyway
repeatable ones have no such convention and are not checked.

Reported once per migration file, on its first statement, and only for the
migrations of the change (with --base, those changed since the merge base;
else those after change.after-migration; else the newest), not for the
history they are applied on. qreview evidence lists each change migration's
rollback in its rollback check.

Fix: add the down migration. If the migration cannot be undone (a data
backfill, a dropped column), say so in a down part that fails loudly, or
ignore the rule on its first statement with the reason.

Example: 000005_add_index.up.sql with no 000005_add_index.down.sql.`,
	Check: func(in *Input, _ Options) []Finding {
		st := in.Statement
		if !in.InChange || st == nil || st.Migration == nil || len(st.Migration.Statements) == 0 || st.Migration.Statements[0] != st {
			return nil
		}
		m := st.Migration
		if m.RollbackStatus() != analyzer.RollbackMissing {
			return nil
		}
		file := filepath.Base(m.File)
		return []Finding{{
			Message:    fmt.Sprintf("migration %s has no rollback: %s expects %s", file, m.Format, m.ExpectedRollback()),
			Suggestion: fmt.Sprintf("add %s that undoes the migration", m.ExpectedRollback()),
			Evidence:   map[string]any{"migration": m.File, "format": string(m.Format), "expected": m.ExpectedRollback()},
		}}
	},
}
