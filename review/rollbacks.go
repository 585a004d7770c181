package review

import (
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/report"
)

// includes reports whether st belongs to a migration of the change under
// review (rules.Input.InChange: missing-rollback checks only those).
func (c change) includes(st *analyzer.Statement) bool {
	for _, m := range c.migrations {
		if st.Migration == m {
			return true
		}
	}
	return false
}

// rollbacks lists the change's migrations with their down/undo parts, for
// the result and the evidence's rollback check.
func rollbacks(c change) []report.Rollback {
	var out []report.Rollback
	for _, m := range c.migrations {
		out = append(out, report.Rollback{Migration: m.File, Format: string(m.Format), Status: m.RollbackStatus(),
			Rollback: m.Rollback, Section: m.RollbackSection()})
	}
	return out
}
