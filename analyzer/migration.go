package analyzer

import (
	pg_query "github.com/pganalyze/pg_query_go/v5"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Format is the migration tool whose file conventions a file follows.
type Format string

const (
	FormatGolangMigrate Format = "golang-migrate"
	FormatGoose         Format = "goose"
	FormatDbmate        Format = "dbmate"
	FormatFlyway        Format = "flyway"
	FormatPlain         Format = "plain"
)

// Migration is one migration file's up part, the statements that are
// applied to build the schema.
type Migration struct {
	File       string
	Version    string
	Format     Format
	Statements []*Statement
	// Rollback names the down/undo counterpart: a file, or File itself
	// when the down part sits in the same file. Empty when there is none.
	Rollback string
	// NoTransaction: the file opts out of its tool's transaction
	// ("-- +goose NO TRANSACTION", "-- migrate:up transaction:false").
	NoTransaction bool
	// OnErrorStop: a psql script that sets ON_ERROR_STOP before its first
	// statement ("\set ON_ERROR_STOP on"), so psql stops at the first error.
	OnErrorStop bool
}

var (
	golangMigrateName = regexp.MustCompile(`^(\d+)_.+\.(up|down)\.sql$`)
	flywayName        = regexp.MustCompile(`^([VU])(\d+(?:[._]\d+)*)__.+\.sql$`)
	flywayRepeatable  = regexp.MustCompile(`^R__.+\.sql$`)
	leadingVersion    = regexp.MustCompile(`^(\d+)`)
	gooseMarker       = regexp.MustCompile(`(?mi)^\s*--\s*\+goose\s+(Up|Down)\b`) // goose reads its annotations in any case
	dbmateMarker      = regexp.MustCompile(`(?m)^\s*--\s*migrate:(up|down)\b`)
	gooseNoTx         = regexp.MustCompile(`(?mi)^\s*--\s*\+goose\s+NO\s+TRANSACTION\b`)
	dbmateUpNoTx      = regexp.MustCompile(`(?m)^\s*--\s*migrate:up\b.*\btransaction:false\b`)
)

// migrationDirs are directory names whose plain .sql files are taken as
// ordered migrations rather than queries.
var migrationDirs = map[string]bool{"migrations": true, "migration": true, "migrate": true, "schema": true}

// fileRole says what a .sql file is and, for a migration, which part of
// it to apply.
type fileRole struct {
	kind    Kind
	format  Format
	version string
	down    bool // a golang-migrate .down.sql or Flyway U file: a rollback, never applied
	up      func(src string) (kept string, hasDown bool)
	noTx    bool // the file opts out of its tool's transaction
}

func classify(path, src string) fileRole {
	base := filepath.Base(path)
	if m := golangMigrateName.FindStringSubmatch(base); m != nil {
		return fileRole{kind: KindMigration, format: FormatGolangMigrate, version: m[1], down: m[2] == "down", up: whole}
	}
	if m := flywayName.FindStringSubmatch(base); m != nil {
		return fileRole{kind: KindMigration, format: FormatFlyway, version: m[2], down: m[1] == "U", up: whole}
	}
	if flywayRepeatable.MatchString(base) {
		// Flyway applies repeatable migrations after all versioned ones.
		return fileRole{kind: KindMigration, format: FormatFlyway, version: "\uffff" + base, up: whole}
	}
	version := leadingVersion.FindString(base)
	if gooseMarker.MatchString(src) {
		return fileRole{kind: KindMigration, format: FormatGoose, version: version, up: sections(gooseMarker, "Up"), noTx: gooseNoTx.MatchString(src)}
	}
	if dbmateMarker.MatchString(src) {
		return fileRole{kind: KindMigration, format: FormatDbmate, version: version, up: sections(dbmateMarker, "up"), noTx: dbmateUpNoTx.MatchString(src)}
	}
	if migrationDirs[strings.ToLower(filepath.Base(filepath.Dir(path)))] {
		return fileRole{kind: KindMigration, format: FormatPlain, version: version, up: whole}
	}
	return fileRole{kind: KindQuery}
}

func whole(src string) (string, bool) { return src, false }

// sections keeps the text under the "up" markers and blanks the rest,
// newlines kept, so that parser positions are still file positions.
// Text before the first marker is not applied by goose or dbmate either.
func sections(marker *regexp.Regexp, up string) func(string) (string, bool) {
	return func(src string) (string, bool) {
		out := []byte(blank(src))
		hasDown := false
		marks := marker.FindAllStringSubmatchIndex(src, -1)
		for i, m := range marks {
			// The section starts after the marker's line: the rest of that
			// line holds options ("-- migrate:up transaction:false").
			start := len(src)
			if eol := strings.IndexByte(src[m[1]:], '\n'); eol >= 0 {
				start = m[1] + eol
			}
			end := len(src)
			if i+1 < len(marks) {
				end = marks[i+1][0]
			}
			start = min(start, end)
			if strings.EqualFold(src[m[2]:m[3]], up) {
				copy(out[start:end], src[start:end])
			} else if strings.TrimSpace(stripComments(src[start:end])) != "" {
				hasDown = true
			}
		}
		return string(out), hasDown
	}
}

func blank(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// versionLess orders migration versions the way the tools do: numerically
// part by part ("1.10" after "1.9", "20240101" after "9"), then by text.
func versionLess(a, b string) bool {
	pa, pb := strings.FieldsFunc(a, isVersionSep), strings.FieldsFunc(b, isVersionSep)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.ParseUint(pa[i], 10, 64)
		nb, eb := strconv.ParseUint(pb[i], 10, 64)
		switch {
		case ea == nil && eb == nil && na != nb:
			return na < nb
		case (ea != nil || eb != nil) && pa[i] != pb[i]:
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func isVersionSep(r rune) bool { return r == '.' || r == '_' }

// Transaction is how a migration tool wraps a file's statements in
// production.
type Transaction string

const (
	// TxFile: one transaction for the whole file (goose, dbmate, Flyway).
	TxFile Transaction = "file"
	// TxImplicit: the file is sent as one multi-statement query, which the
	// server runs as one implicit transaction (golang-migrate; dbmate with
	// transaction:false). A file of a single statement runs outside any
	// transaction.
	TxImplicit Transaction = "implicit"
	// TxNone: each statement commits on its own (goose NO TRANSACTION;
	// plain files, run as psql runs a file).
	TxNone Transaction = "none"
)

// Transaction is the transaction m's tool gives it in production, before
// any BEGIN/COMMIT the file holds itself:
//   - golang-migrate's postgres driver sends the whole file as one
//     simple-protocol Exec (database/postgres Run): an implicit transaction;
//   - goose runs a file in a transaction unless "-- +goose NO TRANSACTION";
//   - dbmate runs the up section in a transaction; with transaction:false it
//     still sends it as one Exec, an implicit transaction;
//   - Flyway runs a PostgreSQL migration in a transaction unless it holds a
//     statement that cannot run in one (then the whole file runs without;
//     Flyway refuses a file that mixes both unless flyway.mixed=true);
//   - plain ordered files run as psql runs them: each statement commits.
func (m *Migration) Transaction() Transaction {
	mode := TxNone
	switch m.Format {
	case FormatGolangMigrate:
		mode = TxImplicit
	case FormatGoose:
		if !m.NoTransaction {
			mode = TxFile
		}
	case FormatDbmate:
		mode = TxFile
		if m.NoTransaction {
			mode = TxImplicit
		}
	case FormatFlyway:
		mode = TxFile
		for _, st := range m.Statements {
			if NoTransactionStatement(st) != "" {
				mode = TxNone
			}
		}
	}
	if mode == TxImplicit && len(m.Statements) <= 1 {
		return TxNone // a single-statement query has no implicit transaction block
	}
	return mode
}

// StopsOnError reports whether the tool stops applying m at its first
// failed statement. Every tool does; psql, which runs plain files, goes on
// unless told ON_ERROR_STOP.
func (m *Migration) StopsOnError() bool { return m.Format != FormatPlain || m.OnErrorStop }

// TransactionFix says how a file of m's tool opts a statement out of the
// transaction, for errors about statements that cannot run in one.
func (m *Migration) TransactionFix() string {
	switch m.Format {
	case FormatGolangMigrate:
		return "put the statement alone in its own migration file (golang-migrate sends a file as one multi-statement query, which runs as one transaction)"
	case FormatGoose:
		return "add \"-- +goose NO TRANSACTION\" to the file, or move the statement to a file of its own that has it"
	case FormatDbmate:
		return "move the statement to a file of its own with \"-- migrate:up transaction:false\""
	case FormatFlyway:
		return "move the statement to a migration of its own (Flyway then runs it without a transaction)"
	}
	return "run it outside BEGIN … COMMIT"
}

// NoTransactionStatement names what in st cannot run inside a transaction
// block ("CREATE INDEX CONCURRENTLY"), or returns "" when it can.
func NoTransactionStatement(st *Statement) string {
	t := st.Tree
	switch {
	case t == nil:
		return ""
	case t.GetIndexStmt().GetConcurrent():
		return "CREATE INDEX CONCURRENTLY"
	case t.GetDropStmt().GetConcurrent():
		return "DROP INDEX CONCURRENTLY"
	case reindexConcurrently(t.GetReindexStmt()):
		return "REINDEX CONCURRENTLY"
	case t.GetReindexStmt() != nil && (t.GetReindexStmt().Kind == pg_query.ReindexObjectType_REINDEX_OBJECT_SYSTEM ||
		t.GetReindexStmt().Kind == pg_query.ReindexObjectType_REINDEX_OBJECT_DATABASE):
		return "REINDEX " + strings.TrimPrefix(t.GetReindexStmt().Kind.String(), "REINDEX_OBJECT_")
	case DetachConcurrently(t) != nil:
		return "DETACH PARTITION CONCURRENTLY"
	case t.GetVacuumStmt() != nil && t.GetVacuumStmt().IsVacuumcmd:
		return "VACUUM"
	case t.GetCreatedbStmt() != nil:
		return "CREATE DATABASE"
	case t.GetDropdbStmt() != nil:
		return "DROP DATABASE"
	case t.GetAlterSystemStmt() != nil:
		return "ALTER SYSTEM"
	case t.GetCreateTableSpaceStmt() != nil:
		return "CREATE TABLESPACE"
	case t.GetDropTableSpaceStmt() != nil:
		return "DROP TABLESPACE"
	case t.GetClusterStmt() != nil && t.GetClusterStmt().Relation == nil:
		return "CLUSTER without a table"
	}
	return ""
}

func reindexConcurrently(r *pg_query.ReindexStmt) bool {
	for _, p := range r.GetParams() {
		if p.GetDefElem().GetDefname() == "concurrently" {
			return true
		}
	}
	return false
}

// DetachConcurrently returns the PartitionCmd of an ALTER TABLE … DETACH
// PARTITION … CONCURRENTLY, nil for any other statement.
func DetachConcurrently(t *pg_query.Node) *pg_query.PartitionCmd {
	for _, c := range t.GetAlterTableStmt().GetCmds() {
		cmd := c.GetAlterTableCmd()
		if cmd.GetSubtype() == pg_query.AlterTableType_AT_DetachPartition && cmd.GetDef().GetPartitionCmd().GetConcurrent() {
			return cmd.GetDef().GetPartitionCmd()
		}
	}
	return nil
}
