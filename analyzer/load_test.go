package analyzer

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writeTree writes files (path → content) under a temp dir and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// applied lists "base(file):line: first words" for each migration
// statement in apply order.
func applied(src *Source) []string {
	var out []string
	for _, m := range src.Migrations {
		for _, st := range m.Statements {
			words := strings.Fields(st.SQL)
			out = append(out, filepath.Base(st.File)+":"+strconv.Itoa(st.Line)+" "+strings.Join(words[:min(3, len(words))], " "))
		}
	}
	return out
}

func TestMigrationFormats(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		want     []string // applied statements in order
		format   Format
		rollback bool // the first migration has a down part
	}{{
		name: "golang-migrate applies up files in numeric order, never down files",
		files: map[string]string{
			"migrations/10_third.up.sql":   "CREATE TABLE c (id int);",
			"migrations/2_second.up.sql":   "\n\nCREATE TABLE b (id int);",
			"migrations/1_first.up.sql":    "CREATE TABLE a (id int);\nCREATE INDEX a_idx ON a (id);",
			"migrations/1_first.down.sql":  "DROP TABLE a;",
			"migrations/2_second.down.sql": "DROP TABLE b;",
		},
		want:     []string{"1_first.up.sql:1 CREATE TABLE a", "1_first.up.sql:2 CREATE INDEX a_idx", "2_second.up.sql:3 CREATE TABLE b", "10_third.up.sql:1 CREATE TABLE c"},
		format:   FormatGolangMigrate,
		rollback: true,
	}, {
		name: "goose applies the Up section only, StatementBegin blocks whole",
		files: map[string]string{
			"db/20240102_fn.sql": `-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION f();
`,
			"db/20240101_t.sql": "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n",
		},
		want:     []string{"20240101_t.sql:2 CREATE TABLE t", "20240102_fn.sql:3 CREATE FUNCTION f()"},
		format:   FormatGoose,
		rollback: true,
	}, {
		name: "dbmate applies migrate:up only",
		files: map[string]string{
			"db/migrations/20230101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n",
		},
		want:     []string{"20230101000000_users.sql:2 CREATE TABLE users"},
		format:   FormatDbmate,
		rollback: true,
	}, {
		name: "dbmate options on the marker line are not SQL",
		files: map[string]string{
			"db/migrations/20230102000000_idx.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_idx ON users (id);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY users_idx;\n",
		},
		want:     []string{"20230102000000_idx.sql:2 CREATE INDEX CONCURRENTLY"},
		format:   FormatDbmate,
		rollback: true,
	}, {
		name: "dbmate without a down part has no rollback",
		files: map[string]string{
			"db/migrations/20230101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\n-- nothing to undo\n",
		},
		want:   []string{"20230101000000_users.sql:2 CREATE TABLE users"},
		format: FormatDbmate,
	}, {
		name: "Flyway orders versions part by part and skips undo files",
		files: map[string]string{
			"sql/V1.10__later.sql":  "CREATE TABLE later (id int);",
			"sql/V1.9__earlier.sql": "CREATE TABLE earlier (id int);",
			"sql/U1.9__earlier.sql": "DROP TABLE earlier;",
			"sql/V1__first.sql":     "CREATE TABLE first (id int);",
		},
		want:   []string{"V1__first.sql:1 CREATE TABLE first", "V1.9__earlier.sql:1 CREATE TABLE earlier", "V1.10__later.sql:1 CREATE TABLE later"},
		format: FormatFlyway,
	}, {
		name: "plain .sql in a migrations directory, in file order",
		files: map[string]string{
			"migrations/002_b.sql": "CREATE TABLE b (id int);",
			"migrations/001_a.sql": "CREATE TABLE a (id int);",
		},
		want:   []string{"001_a.sql:1 CREATE TABLE a", "002_b.sql:1 CREATE TABLE b"},
		format: FormatPlain,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := Load([]string{writeTree(t, tt.files)})
			if err != nil {
				t.Fatal(err)
			}
			if got := applied(src); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("applied:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(src.Queries) != 0 {
				t.Errorf("%d queries found in migrations", len(src.Queries))
			}
			if got := src.Migrations[0].Format; got != tt.format {
				t.Errorf("format %s, want %s", got, tt.format)
			}
			if got := src.Migrations[0].Rollback != ""; got != tt.rollback {
				t.Errorf("rollback found: %v, want %v", got, tt.rollback)
			}
		})
	}
}

func TestQueriesLinesNamesParams(t *testing.T) {
	dir := writeTree(t, map[string]string{"queries/q.sql": `-- Queries.

-- name: GetPayment :one
SELECT id
FROM payments
WHERE id = $1;

/* a block comment */
-- name: ListByStatus :many
SELECT * FROM payments WHERE status = $2 AND created_at < $1 LIMIT 10;
SELECT 'semi;colon' AS s`})
	src, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		line, end, params int
		name, sql         string
	}
	wants := []want{
		{4, 6, 1, "GetPayment", "SELECT id\nFROM payments\nWHERE id = $1"},
		{10, 10, 2, "ListByStatus", "SELECT * FROM payments WHERE status = $2 AND created_at < $1 LIMIT 10"},
		{11, 11, 0, "", "SELECT 'semi;colon' AS s"},
	}
	if len(src.Queries) != len(wants) {
		t.Fatalf("%d queries, want %d", len(src.Queries), len(wants))
	}
	for i, w := range wants {
		q := src.Queries[i]
		if q.Line != w.line || q.EndLine != w.end || q.Params != w.params || q.Name != w.name || q.SQL != w.sql || q.Kind != KindQuery {
			t.Errorf("query %d = line %d-%d params %d name %q kind %s sql %q; want %+v", i, q.Line, q.EndLine, q.Params, q.Name, q.Kind, q.SQL, w)
		}
		if q.ID != "S"+strconv.Itoa(i+1) {
			t.Errorf("query %d has ID %s", i, q.ID)
		}
	}
}

func TestFingerprints(t *testing.T) {
	parse := func(sql string) string {
		stmts, err := ParseSQL("f.sql", sql, KindQuery)
		if err != nil || len(stmts) != 1 {
			t.Fatalf("parse %q: %v (%d statements)", sql, err, len(stmts))
		}
		return stmts[0].Fingerprint
	}
	same := [][2]string{
		{"SELECT * FROM t WHERE a = 42", "SELECT * FROM t WHERE a = $1"},
		{"SELECT * FROM t WHERE a = 1", "select *\n  from t -- comment\n where a = 2"},
	}
	for _, p := range same {
		if parse(p[0]) != parse(p[1]) {
			t.Errorf("fingerprints differ for %q and %q", p[0], p[1])
		}
	}
	if a, b := parse("SELECT * FROM t WHERE a = 1"), parse("SELECT * FROM t WHERE b = 1"); a == b {
		t.Errorf("different columns, same fingerprint %s", a)
	}
	if fp := parse("SELECT 1"); len(fp) != 16 {
		t.Errorf("fingerprint %q is not 16 hex digits", fp)
	}
}

func TestParseErrorsNameFileLineColumn(t *testing.T) {
	tests := []struct {
		name, src       string
		line, col       int
		messageFragment string
	}{
		{"bad keyword on line 3", "SELECT 1;\n\nSELEC * FROM t;", 3, 1, "syntax error at or near \"SELEC\""},
		{"unterminated string", "SELECT 1;\nSELECT 'open;\n", 2, 8, "unterminated quoted string"},
		{"error mid-line", "CREATE TABLE t (\n  id int,\n  name text,,\n);", 3, 13, "syntax error at or near \",\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"queries/bad.sql": tt.src})
			_, err := Load([]string{dir})
			var perr *ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("got %v, want a ParseError", err)
			}
			if perr.Line != tt.line || perr.Column != tt.col || !strings.Contains(perr.Message, tt.messageFragment) {
				t.Errorf("got %s, want line %d col %d with %q", perr, tt.line, tt.col, tt.messageFragment)
			}
			if !strings.HasPrefix(err.Error(), filepath.Join(dir, "queries/bad.sql")+":") {
				t.Errorf("error %q does not start with the file", err)
			}
		})
	}
}

func TestParseErrorInGooseUpKeepsFileLines(t *testing.T) {
	dir := writeTree(t, map[string]string{"m/001_x.sql": "-- +goose Up\nCREATE TABLE t (id int);\nCREAT INDEX ON t (id);\n-- +goose Down\nthis is not sql at all;\n"})
	_, err := Load([]string{dir})
	var perr *ParseError
	if !errors.As(err, &perr) || perr.Line != 3 {
		t.Fatalf("got %v, want a parse error on line 3 (the down part is not parsed)", err)
	}
}

func TestExplainableAndReadOnly(t *testing.T) {
	tests := []struct {
		sql                   string
		explainable, readOnly bool
	}{
		{"SELECT 1", true, true},
		{"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", true, false},
		{"SELECT * FROM t FOR UPDATE", true, false},
		{"UPDATE t SET a = 1", true, false},
		{"INSERT INTO t VALUES (1)", true, false},
		{"CREATE TABLE t (a int)", false, false},
		{"VACUUM t", false, false},
	}
	for _, tt := range tests {
		stmts, err := ParseSQL("f.sql", tt.sql, KindQuery)
		if err != nil {
			t.Fatal(err)
		}
		if got := stmts[0].Explainable(); got != tt.explainable {
			t.Errorf("%q: Explainable %v, want %v", tt.sql, got, tt.explainable)
		}
		if got := stmts[0].ReadOnly(); got != tt.readOnly {
			t.Errorf("%q: ReadOnly %v, want %v", tt.sql, got, tt.readOnly)
		}
	}
}

func TestRelationsFindsTablesWhereverTheySit(t *testing.T) {
	tests := map[string]string{
		"CREATE INDEX CONCURRENTLY i ON payments (status)":                               "payments",
		"ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customers (id)": "customers orders",
		"SELECT * FROM a JOIN b ON a.id = b.id WHERE a.x IN (SELECT y FROM c)":           "a b c",
		"WITH d AS (DELETE FROM old RETURNING *) INSERT INTO archive SELECT * FROM d":    "archive d old",
	}
	for sql, want := range tests {
		stmts, err := ParseSQL("f.sql", sql, KindQuery)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(Relations(stmts[0].Tree), " "); got != want {
			t.Errorf("Relations(%q) = %q, want %q", sql, got, want)
		}
	}
}

func TestFilterIncludesAndExcludes(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"db/migrations/1_a.up.sql":  "CREATE TABLE a (id int);",
		"db/queries/q.sql":          "SELECT 1;",
		"db/queries/testdata/x.sql": "SELECT 2;",
		"scripts/adhoc.sql":         "SELECT 3;",
	})
	src, err := LoadFiltered([]string{dir}, Filter{Include: []string{"db/**"}, Exclude: []string{"**/testdata/**"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range src.Statements() {
		got = append(got, filepath.Base(st.File))
	}
	if strings.Join(got, " ") != "1_a.up.sql q.sql" {
		t.Errorf("read %v, want the migration and db/queries/q.sql only", got)
	}
	if err := (Filter{Exclude: []string{"[oops"}}).Check(); err == nil {
		t.Error("a malformed glob passed Check")
	}
}
