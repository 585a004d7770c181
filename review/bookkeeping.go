package review

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
)

// bookkeeping is the table each migration tool keeps its history in, as
// the tool creates it before the first migration. Some migrations alter
// or read it (a column added to schema_migrations), so it must exist.
var bookkeeping = map[analyzer.Format]struct{ table, create string }{
	analyzer.FormatGolangMigrate: {"schema_migrations",
		"CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)"},
	analyzer.FormatGoose: {"goose_db_version",
		"CREATE TABLE IF NOT EXISTS goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp DEFAULT now())"},
	analyzer.FormatDbmate: {"schema_migrations",
		"CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)"},
	analyzer.FormatFlyway: {"flyway_schema_history",
		"CREATE TABLE IF NOT EXISTS flyway_schema_history (installed_rank integer PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, " +
			"type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL, " +
			"installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL)"},
}

// createBookkeeping creates the history table of the tools whose
// migrations name it, before any migration runs, as the tool does.
func createBookkeeping(ctx context.Context, conn *pgx.Conn, migrations []*analyzer.Migration) error {
	done := map[string]bool{}
	for _, m := range migrations {
		b, ok := bookkeeping[m.Format]
		if !ok || done[b.table] {
			continue
		}
		for _, st := range m.Statements {
			if !names(st, b.table) {
				continue
			}
			if _, err := conn.Exec(ctx, b.create); err != nil {
				return fmt.Errorf("create %s's table %s, which %s:%d uses: %w", m.Format, b.table, st.File, st.Line, err)
			}
			done[b.table] = true
			break
		}
	}
	return nil
}

func names(st *analyzer.Statement, table string) bool {
	for _, r := range analyzer.Relations(st.Tree) {
		if r == table {
			return true
		}
	}
	return false
}
