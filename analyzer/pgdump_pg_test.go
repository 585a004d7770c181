package analyzer_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain/provider"
)

// TestPgDumpAsMigration: the output of this machine's pg_dump (15.18,
// which writes \restrict and \unrestrict) read as a migration gives
// statements and COPY rows that, sent as psql sends them (each statement
// as it is, each COPY's rows through COPY FROM STDIN), rebuild the dumped
// database row for row: tabs, newlines, backslashes, NULLs, bytea,
// arrays and JSON included.
func TestPgDumpAsMigration(t *testing.T) {
	bin, err := provider.FindBinaries()
	if err != nil {
		t.Fatal("needs PostgreSQL server binaries:", err)
	}
	ctx := context.Background()
	server, err := provider.StartLocal(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	admin, err := pgx.Connect(ctx, server.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, db := range []string{"dumped", "rebuilt"} {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+db); err != nil {
			t.Fatal(err)
		}
	}
	src, err := pgx.Connect(ctx, server.DSN+" dbname=dumped")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close(ctx)
	const content = `SELECT id, note, tags, doc, raw FROM app.item ORDER BY id`
	if _, err := src.Exec(ctx, `
CREATE SCHEMA app;
CREATE TABLE app.item (id int PRIMARY KEY, note text, tags text[], doc jsonb, raw bytea);
INSERT INTO app.item VALUES
  (1, E'tab\there; semicolon', '{a,"b c"}', '{"k": "v\\n"}', '\x00ff'),
  (2, E'new\nline and back\\slash and \\.', NULL, NULL, NULL),
  (3, '\.', '{}', '[]', '');
CREATE INDEX item_note ON app.item (note);`); err != nil {
		t.Fatal(err)
	}
	dump, err := exec.CommandContext(ctx, filepath.Join(bin, "pg_dump"), "--no-owner", "-d", server.DSN+" dbname=dumped").Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	if !strings.Contains(string(dump), "\n\\restrict ") {
		t.Fatalf("this pg_dump writes no \\restrict line; the test would prove less:\n%.200s", dump)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "migrations", "0001_base.sql")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, dump, 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := analyzer.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	dst, err := pgx.Connect(ctx, server.DSN+" dbname=rebuilt")
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close(ctx)
	copies := 0
	for _, st := range loaded.Statements() {
		if st.CopyData != nil {
			copies++
			if _, err := dst.PgConn().CopyFrom(ctx, strings.NewReader(st.CopyData.Rows), st.SQL); err != nil {
				t.Fatalf("%s:%d: %v", st.File, st.Line, err)
			}
			continue
		}
		if _, err := dst.Exec(ctx, st.SQL); err != nil {
			t.Fatalf("%s:%d: %s: %v", st.File, st.Line, st.SQL, err)
		}
	}
	if copies != 1 {
		t.Errorf("%d COPY statements with rows, want 1", copies)
	}
	want, got := rowsText(ctx, t, src, content), rowsText(ctx, t, dst, content)
	if got != want || !strings.Contains(want, "semicolon") {
		t.Errorf("rebuilt rows\n%s\nwant\n%s", got, want)
	}
}

func rowsText(ctx context.Context, t *testing.T, conn *pgx.Conn, query string) string {
	t.Helper()
	var text string
	if err := conn.QueryRow(ctx, "SELECT string_agg(r::text, E'\\n') FROM ("+query+") r").Scan(&text); err != nil {
		t.Fatal(err)
	}
	return text
}
