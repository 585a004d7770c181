package review

import (
	"fmt"
	"path/filepath"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
)

// change splits the migrations into the base, applied before the data is
// seeded (and kept with it for warm re-runs), and the change under review,
// applied on the seeded database where its time and locks are measured.
type change struct {
	base, migrations []*analyzer.Migration
	why              string // which migrations were taken as the change, and why
}

func splitChange(src *analyzer.Source, cfg *config.Config, changed map[string]bool) (change, error) {
	all := src.Migrations
	if changed != nil { // --base: the migrations from the first changed one on
		for i, m := range all {
			if changed[canonical(m.File)] {
				return change{base: all[:i], migrations: all[i:],
					why: fmt.Sprintf("%s and after, changed since --base", filepath.Base(m.File))}, nil
			}
		}
		return change{base: all, why: "none: no migration changed since --base"}, nil
	}
	if after := cfg.Change.AfterMigration; after != "" {
		for i, m := range all {
			if m.Version == after {
				return change{base: all[:i+1], migrations: all[i+1:],
					why: fmt.Sprintf("the migrations after %s (change.after-migration)", after)}, nil
			}
		}
		return change{}, fmt.Errorf("%s: change.after-migration: no migration has version %q", cfg.Path, after)
	}
	if len(all) < 2 {
		return change{base: all, why: "none: there is no earlier schema to measure a migration on"}, nil
	}
	newest := all[len(all)-1]
	if table := createsProfiledTable(newest, cfg); table != "" {
		fills := "which scale: fills"
		if len(cfg.Scale) == 0 {
			fills = "which gets an assumed size (no scale: profile)"
		}
		return change{base: all, why: fmt.Sprintf("none: the newest migration creates %s, %s, so it is applied before seeding", table, fills)}, nil
	}
	return change{base: all[:len(all)-1], migrations: all[len(all)-1:],
		why: fmt.Sprintf("%s, the newest migration (set change.after-migration to choose)", filepath.Base(newest.File))}, nil
}

// createsProfiledTable names a table m creates that the scale profile
// gives rows (with no profile, every table gets an assumed size): such a
// table must exist before seeding.
func createsProfiledTable(m *analyzer.Migration, cfg *config.Config) string {
	for _, st := range m.Statements {
		if create := st.Tree.GetCreateStmt(); create != nil {
			if _, ok := cfg.Scale[create.Relation.Relname]; ok || len(cfg.Scale) == 0 {
				return create.Relation.Relname
			}
		}
	}
	return ""
}

// statementsOf lists the migrations' statements in apply order.
func statementsOf(migrations []*analyzer.Migration) []*analyzer.Statement {
	var out []*analyzer.Statement
	for _, m := range migrations {
		out = append(out, m.Statements...)
	}
	return out
}
