package analyzer

import (
	"path/filepath"
	"strings"
)

// Rollback statuses of a migration (RollbackStatus).
const (
	RollbackPresent   = "present"
	RollbackMissing   = "missing"
	RollbackUnchecked = "unchecked" // the format has no down convention to check
)

// RollbackStatus says whether m has its down/undo counterpart. Plain SQL
// migrations and Flyway repeatable ones have no convention for one.
func (m *Migration) RollbackStatus() string {
	switch {
	case m.Rollback != "":
		return RollbackPresent
	case m.Format == FormatPlain || strings.HasPrefix(m.Version, "\uffff"):
		return RollbackUnchecked
	}
	return RollbackMissing
}

// RollbackSection is the marker of a down part inside the migration's own
// file (goose, dbmate), or "" when the rollback is a file of its own.
func (m *Migration) RollbackSection() string {
	if m.Rollback != m.File {
		return ""
	}
	switch m.Format {
	case FormatGoose:
		return "-- +goose Down"
	case FormatDbmate:
		return "-- migrate:down"
	}
	return ""
}

// ExpectedRollback says where m's tool looks for its rollback.
func (m *Migration) ExpectedRollback() string {
	base := filepath.Base(m.File)
	switch m.Format {
	case FormatGolangMigrate:
		return strings.TrimSuffix(base, ".up.sql") + ".down.sql"
	case FormatFlyway:
		return "U" + strings.TrimPrefix(base, "V") + " (Flyway undo migration)"
	case FormatGoose:
		return "a -- +goose Down section in " + base
	case FormatDbmate:
		return "a -- migrate:down section in " + base
	}
	return ""
}
