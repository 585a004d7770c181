package explain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
)

// migration parses sql as one migration file of the given format.
func migration(t *testing.T, file string, format analyzer.Format, noTx bool, sql string) *analyzer.Migration {
	t.Helper()
	stmts, err := analyzer.ParseSQL(file, sql, analyzer.KindMigration)
	if err != nil {
		t.Fatal(err)
	}
	m := &analyzer.Migration{File: file, Format: format, NoTransaction: noTx, Statements: stmts}
	for i, st := range stmts {
		st.ID = fmt.Sprintf("%s#%d", file, i+1)
		st.Migration = m
	}
	return m
}

// reviewTx begins the review's outer transaction on a fresh connection.
func reviewTx(t *testing.T) (*pgx.Conn, pgx.Tx) {
	t.Helper()
	conn := connect(t)
	tx, err := conn.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	return conn, tx
}

func apply(t *testing.T, tx pgx.Tx, opts ApplyOptions, migrations ...*analyzer.Migration) (map[*analyzer.Statement]Measured, map[*analyzer.Statement]error) {
	t.Helper()
	measured, errs, err := ApplyMigrations(context.Background(), tx, migrations, opts)
	if err != nil {
		t.Fatal(err)
	}
	return measured, errs
}

func exists(t *testing.T, db DB, table string) bool {
	t.Helper()
	var ok bool
	if err := db.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestBeginCommitInAFileCommitsNothing: a file's own BEGIN/COMMIT and
// ROLLBACK are honoured inside the review's transaction, which stays open,
// and nothing is left once it is rolled back.
func TestBeginCommitInAFileCommitsNothing(t *testing.T) {
	ctx := context.Background()
	_, tx := reviewTx(t)
	m1 := migration(t, "1_accounts.up.sql", analyzer.FormatGolangMigrate, false, `
		BEGIN;
		CREATE TABLE bc_accounts (id int PRIMARY KEY);
		INSERT INTO bc_accounts VALUES (1);
		COMMIT;`)
	m2 := migration(t, "2_undone.up.sql", analyzer.FormatGolangMigrate, false, `
		BEGIN;
		CREATE TABLE bc_undone (id int);
		ROLLBACK;
		CREATE TABLE bc_after (id int);`)
	measured, errs := apply(t, tx, ApplyOptions{}, m1, m2)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if !exists(t, tx, "bc_accounts") || exists(t, tx, "bc_undone") || !exists(t, tx, "bc_after") {
		t.Errorf("in the review: accounts %v, undone %v, after %v; want true, false, true",
			exists(t, tx, "bc_accounts"), exists(t, tx, "bc_undone"), exists(t, tx, "bc_after"))
	}
	if note := measured[m1.Statements[3]].Note; note != "commits the file's transaction" {
		t.Errorf("COMMIT's note %q", note)
	}
	// The review's transaction is still open: its own savepoints work.
	if _, err := tx.Exec(ctx, "SAVEPOINT still_open; RELEASE SAVEPOINT still_open"); err != nil {
		t.Fatalf("the review's transaction was ended: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	other := connect(t)
	for _, table := range []string{"bc_accounts", "bc_after"} {
		if exists(t, other, table) {
			t.Errorf("%s committed: seen from another connection after the rollback", table)
		}
	}
}

// TestTransactionModes: what a failed statement in the middle of a file
// leaves, tool by tool, as in production.
func TestTransactionModes(t *testing.T) {
	tests := []struct {
		file      string
		format    analyzer.Format
		noTx      bool
		keptFirst bool // the statement before the failure stays applied
		ranLast   bool // the statement after the failure runs
	}{
		{"1_a.up.sql", analyzer.FormatGolangMigrate, false, false, false},
		{"1_goose.sql", analyzer.FormatGoose, false, false, false},
		{"1_goose_notx.sql", analyzer.FormatGoose, true, true, false},
		{"1_dbmate.sql", analyzer.FormatDbmate, false, false, false},
		{"1_dbmate_notx.sql", analyzer.FormatDbmate, true, false, false}, // one multi-statement query: implicit transaction
		{"V1__flyway.sql", analyzer.FormatFlyway, false, false, false},
		{"001_plain.sql", analyzer.FormatPlain, false, true, true}, // psql: each statement commits, and it goes on
	}
	for i, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, tx := reviewTx(t)
			first, last := fmt.Sprintf("tm_first_%d", i), fmt.Sprintf("tm_last_%d", i)
			m := migration(t, tt.file, tt.format, tt.noTx, fmt.Sprintf(`
				CREATE TABLE %s (id int);
				SELECT 1/0;
				CREATE TABLE %s (id int);`, first, last))
			measured, errs := apply(t, tx, ApplyOptions{}, m, migration(t, "2_next.sql", analyzer.FormatGoose, false,
				fmt.Sprintf("CREATE TABLE tm_next_%d (id int);", i)))
			if got := exists(t, tx, first); got != tt.keptFirst {
				t.Errorf("first statement kept: %v, want %v", got, tt.keptFirst)
			}
			if got := exists(t, tx, last); got != tt.ranLast {
				t.Errorf("last statement ran: %v, want %v", got, tt.ranLast)
			}
			var sqlErr *SQLError
			if !errors.As(errs[m.Statements[1]], &sqlErr) || sqlErr.Code != "22012" {
				t.Errorf("the failing statement: %v", errs[m.Statements[1]])
			}
			var notApplied *NotApplied
			if got := errors.As(errs[m.Statements[2]], &notApplied); got == tt.ranLast {
				t.Errorf("last statement NotApplied: %v (%v)", got, errs[m.Statements[2]])
			}
			if !tt.keptFirst && !strings.Contains(measured[m.Statements[0]].Note, "rolled back") {
				t.Errorf("first statement's note %q does not say it was rolled back", measured[m.Statements[0]].Note)
			}
			if !exists(t, tx, fmt.Sprintf("tm_next_%d", i)) {
				t.Error("the next file was not applied")
			}
		})
	}
}

// TestNoTransactionStatements: CREATE INDEX CONCURRENTLY is measured in
// its transactional form where production runs it outside a transaction,
// and fails as in production where the tool runs it inside one.
func TestNoTransactionStatements(t *testing.T) {
	tests := []struct {
		file    string
		format  analyzer.Format
		noTx    bool
		wantErr string // "" when measured
	}{
		{"1_goose_notx.sql", analyzer.FormatGoose, true, ""},
		{"1_goose.sql", analyzer.FormatGoose, false, "goose runs the file in one: add \"-- +goose NO TRANSACTION\""},
		{"1_gm.up.sql", analyzer.FormatGolangMigrate, false, "one multi-statement query"},
		{"V1__flyway.sql", analyzer.FormatFlyway, false, ""},
	}
	for i, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, tx := reviewTx(t)
			table := fmt.Sprintf("ntx_%d", i)
			ready := migration(t, "0_ready.sql", analyzer.FormatPlain, false, fmt.Sprintf("CREATE TABLE %s (id int)", table))
			m := migration(t, tt.file, tt.format, tt.noTx, fmt.Sprintf(`SELECT 1; CREATE INDEX CONCURRENTLY %[1]s_id ON %[1]s (id);`, table))
			measured, errs := apply(t, tx, ApplyOptions{}, ready, m)
			cic := m.Statements[1]
			if tt.wantErr == "" {
				if errs[cic] != nil {
					t.Fatalf("error %v, want it measured", errs[cic])
				}
				if got := measured[cic].Locks[table]; got != "ShareUpdateExclusiveLock" || !strings.Contains(measured[cic].Note, "without CONCURRENTLY") {
					t.Errorf("lock %q, note %q; want production's SHARE UPDATE EXCLUSIVE and a note", got, measured[cic].Note)
				}
				if !exists(t, tx, table+"_id") {
					t.Error("index not built")
				}
				return
			}
			if errs[cic] == nil || !strings.Contains(errs[cic].Error(), tt.wantErr) || !strings.Contains(errs[cic].Error(), "cannot run inside a transaction block") {
				t.Errorf("error %v, want one saying %q", errs[cic], tt.wantErr)
			}
		})
	}
}

// TestLocksAreTheStatementsOwn: a statement is charged only with the
// locks it acquired, never those its transaction or earlier files hold;
// locks on an index count on its table; the hold time runs to the end of
// the file's transaction.
func TestLocksAreTheStatementsOwn(t *testing.T) {
	seeded := connect(t) // the seeded table, committed before the review as the seeding does
	if _, err := seeded.Exec(context.Background(), `
		CREATE TABLE lk_orders (id int PRIMARY KEY, amount int);
		CREATE INDEX lk_orders_amount ON lk_orders (amount);
		INSERT INTO lk_orders SELECT i, i FROM generate_series(1, 1000) i;
		CREATE TABLE lk_gone (id int);`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seeded.Exec(context.Background(), "DROP TABLE lk_orders, lk_gone") })
	_, tx := reviewTx(t)
	base := migration(t, "1_base.sql", analyzer.FormatGoose, false, `
		CREATE TABLE lk_new (id int);
		CREATE INDEX ON lk_new (id);`)
	alter := migration(t, "2_alter.sql", analyzer.FormatGoose, false, `
		ALTER TABLE lk_orders ADD COLUMN note text;
		ALTER TABLE lk_orders ADD CONSTRAINT lk_amount_positive CHECK (amount > 0) NOT VALID;`)
	update := migration(t, "3_backfill.sql", analyzer.FormatGoose, false, `
		UPDATE lk_orders SET note = 'x' WHERE id < 10;`)
	validate := migration(t, "4_validate.sql", analyzer.FormatGoose, false, `
		ALTER TABLE lk_orders VALIDATE CONSTRAINT lk_amount_positive;`)
	drop := migration(t, "5_drop_index.sql", analyzer.FormatGoose, false, `
		DROP INDEX lk_orders_amount;`)
	// Modes an earlier file already took: pg_locks shows nothing new, yet
	// production takes them again.
	retype := migration(t, "6_retype.sql", analyzer.FormatGoose, false, `
		ALTER TABLE lk_orders ALTER COLUMN amount TYPE bigint;`)
	index1 := migration(t, "7_index.sql", analyzer.FormatGoose, false, `CREATE INDEX lk_orders_id ON lk_orders (id);`)
	index2 := migration(t, "8_index.sql", analyzer.FormatGoose, false, `CREATE INDEX lk_orders_note ON lk_orders (note);`)
	gone := migration(t, "9_drop_table.sql", analyzer.FormatGoose, false, `DROP TABLE lk_gone;`)
	measured, errs := apply(t, tx, ApplyOptions{}, base, alter, update, validate, drop, retype, index1, index2, gone)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	tests := []struct {
		st   *analyzer.Statement
		want map[string]string
	}{
		{base.Statements[1], map[string]string{}}, // the table was created in the same transaction: no one else sees it
		{alter.Statements[0], map[string]string{"lk_orders": "AccessExclusiveLock"}},
		{update.Statements[0], map[string]string{"lk_orders": "RowExclusiveLock"}},
		{validate.Statements[0], map[string]string{"lk_orders": "ShareUpdateExclusiveLock"}},
		{drop.Statements[0], map[string]string{"lk_orders": "AccessExclusiveLock"}},
		{retype.Statements[0], map[string]string{"lk_orders": "AccessExclusiveLock"}},
		{index2.Statements[0], map[string]string{"lk_orders": "ShareLock"}},
		{gone.Statements[0], map[string]string{"lk_gone": "AccessExclusiveLock"}}, // named though gone
	}
	for _, tt := range tests {
		if got := measured[tt.st].Locks; fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: locks %v, want %v", tt.st.SQL, got, tt.want)
		}
	}
	if !containsLock(measured[drop.Statements[0]].Acquired, Lock{Table: "lk_orders", Index: "lk_orders_amount", Mode: "AccessExclusiveLock"}) {
		t.Errorf("DROP INDEX acquired %v, want the index's lock named on its table", measured[drop.Statements[0]].Acquired)
	}
	first, second := measured[alter.Statements[0]], measured[alter.Statements[1]]
	if first.Held != first.Took+second.Took || second.Held != second.Took {
		t.Errorf("held %s and %s; want each held to the end of the file's transaction (%s + %s, %s)",
			first.Held, second.Held, first.Took, second.Took, second.Took)
	}
}

// TestSessionSettings: a migration's SET holds for the rest of the
// migration run, SET LOCAL ends with its file's transaction, AfterEach and
// ResetSession see a clean session.
func TestSessionSettings(t *testing.T) {
	ctx := context.Background()
	_, tx := reviewTx(t)
	var defaultWorkMem string
	if err := tx.QueryRow(ctx, "SHOW work_mem").Scan(&defaultWorkMem); err != nil {
		t.Fatal(err)
	}
	first := migration(t, "1_settings.sql", analyzer.FormatGoose, false, `
		SET work_mem = '77MB';
		SELECT pg_catalog.set_config('search_path', '', false);
		SET LOCAL enable_seqscan = off;
		SELECT set_config('enable_hashjoin', 'off', true);
		CREATE TABLE public.ss_inside AS SELECT current_setting('enable_seqscan') AS seqscan;`)
	second := migration(t, "2_uses.sql", analyzer.FormatGoose, false, `
		CREATE TABLE public.ss_seen AS SELECT current_setting('work_mem') AS work_mem, current_setting('search_path') AS search_path,
			current_setting('enable_seqscan') AS seqscan, current_setting('enable_hashjoin') AS hashjoin;`)
	var afterEach []string
	_, errs := apply(t, tx, ApplyOptions{AfterEach: func(ctx context.Context, st *analyzer.Statement) error {
		var workMem string
		if err := tx.QueryRow(ctx, "SHOW work_mem").Scan(&workMem); err != nil {
			return err
		}
		afterEach = append(afterEach, workMem)
		// Planning works there, with parameters too (a savepoint inside).
		_, err := Explain(ctx, tx, statement(t, "Q1", "SELECT relname FROM pg_class WHERE oid = $1"))
		return err
	}}, first, second)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	var inside, workMem, searchPath, seqscan, hashjoin string
	if err := tx.QueryRow(ctx, "SELECT seqscan FROM public.ss_inside").Scan(&inside); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, "SELECT work_mem, search_path, seqscan, hashjoin FROM public.ss_seen").Scan(&workMem, &searchPath, &seqscan, &hashjoin); err != nil {
		t.Fatal(err)
	}
	if inside != "off" || workMem != "77MB" || searchPath != "" || seqscan != "on" || hashjoin != "on" {
		t.Errorf("in the file: enable_seqscan %s; in the next file: work_mem %s, search_path %q, enable_seqscan %s, enable_hashjoin %s; want off; 77MB, \"\", on, on",
			inside, workMem, searchPath, seqscan, hashjoin)
	}
	for i, wm := range afterEach {
		if wm != defaultWorkMem {
			t.Errorf("AfterEach %d saw work_mem %s, want the clean session's %s", i+1, wm, defaultWorkMem)
		}
	}
	if err := ResetSession(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, "SELECT current_setting('work_mem'), current_setting('search_path')").Scan(&workMem, &searchPath); err != nil {
		t.Fatal(err)
	}
	if workMem != defaultWorkMem || searchPath != `"$user", public` {
		t.Errorf("after ResetSession: work_mem %s, search_path %s", workMem, searchPath)
	}
}

// TestResetSessionRestoresTheRunRole: the review's role is set at login
// (ALTER ROLE … SET role, as provider.Confine does); a migration's SET
// ROLE must not outlive it, and RESET brings the login role back.
func TestResetSessionRestoresTheRunRole(t *testing.T) {
	ctx := context.Background()
	admin := connect(t)
	for _, sql := range []string{
		"CREATE ROLE rs_owner NOLOGIN", "CREATE ROLE rs_other NOLOGIN",
		"CREATE ROLE rs_runner LOGIN IN ROLE rs_owner, rs_other", "ALTER ROLE rs_runner SET role = rs_owner",
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := pgx.ParseConfig(server.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User = "rs_runner"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET ROLE rs_other; SET work_mem = '9MB'; CREATE TEMP TABLE rs_shadow (id int)"); err != nil {
		t.Fatal(err)
	}
	if err := ResetSession(ctx, tx); err != nil {
		t.Fatal(err)
	}
	var role string
	if err := tx.QueryRow(ctx, "SELECT current_user").Scan(&role); err != nil {
		t.Fatal(err)
	}
	if role != "rs_owner" || exists(t, tx, "rs_shadow") {
		t.Errorf("after ResetSession: role %s (want rs_owner), temp table left %v", role, exists(t, tx, "rs_shadow"))
	}
}

// TestPlainFileGoesOnAfterErrors: psql goes on after a failed statement,
// but the server ignores the rest of an aborted BEGIN block; what cannot
// run in a transaction and has no transactional form is not run.
func TestPlainFileGoesOnAfterErrors(t *testing.T) {
	_, tx := reviewTx(t)
	m := migration(t, "001_plain.sql", analyzer.FormatPlain, false, `
		BEGIN;
		CREATE TABLE pf_first (id int);
		SELECT 1/0;
		CREATE TABLE pf_ignored (id int);
		COMMIT;
		CREATE TABLE pf_after (id int);
		DROP DATABASE pf_nothing;`)
	measured, errs := apply(t, tx, ApplyOptions{}, m)
	if exists(t, tx, "pf_first") || exists(t, tx, "pf_ignored") || !exists(t, tx, "pf_after") {
		t.Errorf("first %v, ignored %v, after %v; want false, false, true",
			exists(t, tx, "pf_first"), exists(t, tx, "pf_ignored"), exists(t, tx, "pf_after"))
	}
	var sqlErr *SQLError
	if !errors.As(errs[m.Statements[3]], &sqlErr) || sqlErr.Code != "25P02" {
		t.Errorf("statement in the aborted block: %v", errs[m.Statements[3]])
	}
	if errs[m.Statements[6]] != nil || !strings.HasPrefix(measured[m.Statements[6]].Note, "not run: DROP DATABASE") {
		t.Errorf("DROP DATABASE: error %v, note %q", errs[m.Statements[6]], measured[m.Statements[6]].Note)
	}
}

// TestDetachConcurrently: measured without CONCURRENTLY, charged with the
// SHARE UPDATE EXCLUSIVE lock production takes on both tables.
func TestDetachConcurrently(t *testing.T) {
	seeded := connect(t)
	if _, err := seeded.Exec(context.Background(), `
		CREATE TABLE dc_events (at date NOT NULL) PARTITION BY RANGE (at);
		CREATE TABLE dc_events_2024 PARTITION OF dc_events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seeded.Exec(context.Background(), "DROP TABLE dc_events") })
	_, tx := reviewTx(t)
	m := migration(t, "1_detach.sql", analyzer.FormatGoose, true, `ALTER TABLE dc_events DETACH PARTITION dc_events_2024 CONCURRENTLY;`)
	measured, errs := apply(t, tx, ApplyOptions{}, m)
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := map[string]string{"dc_events": "ShareUpdateExclusiveLock", "dc_events_2024": "ShareUpdateExclusiveLock"}
	if got := measured[m.Statements[0]].Locks; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("locks %v, want %v", got, want)
	}
}

// TestEnumValueFromAnEarlierFile: production commits the file that adds
// an enum value before the next one uses it; the review cannot, and says
// the error is its own limit.
func TestEnumValueFromAnEarlierFile(t *testing.T) {
	seeded := connect(t)
	if _, err := seeded.Exec(context.Background(), "CREATE TYPE ev_mood AS ENUM ('ok'); CREATE TABLE ev_people (m ev_mood)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seeded.Exec(context.Background(), "DROP TABLE ev_people; DROP TYPE ev_mood") })
	_, tx := reviewTx(t)
	add := migration(t, "1_add.sql", analyzer.FormatGoose, false, `ALTER TYPE ev_mood ADD VALUE 'meh';`)
	use := migration(t, "2_use.sql", analyzer.FormatGoose, false, `INSERT INTO ev_people VALUES ('meh');`)
	_, errs := apply(t, tx, ApplyOptions{}, add, use)
	var limit *SandboxLimit
	if !errors.As(errs[use.Statements[0]], &limit) || limit.Server.Code != "55P04" {
		t.Errorf("using the value: %v, want a SandboxLimit", errs[use.Statements[0]])
	}
}
