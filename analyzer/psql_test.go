package analyzer

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestPsqlScripts: a migration written for psql (pg_dump output above
// all) has its meta-command lines skipped and its COPY … FROM stdin rows
// kept on the statement, with every line still the file's.
func TestPsqlScripts(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line-endline: first words [copy datalines: rows]"
	}{{
		name: "pg_dump 17.6 schema: \\restrict and \\unrestrict",
		src: `\restrict abc123
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE SCHEMA app;
CREATE TABLE app.t (id integer NOT NULL, kind text NOT NULL);
ALTER TABLE ONLY app.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);
\unrestrict abc123
`,
		want: []string{"2-2: SET statement_timeout =", "3-3: SELECT pg_catalog.set_config('search_path', '',", "4-4: CREATE SCHEMA app",
			"5-5: CREATE TABLE app.t", "6-6: ALTER TABLE ONLY"},
	}, {
		name: "COPY with inline rows, quotes and semicolons in the data",
		src: `\connect -
CREATE TABLE t (id int, note text);
COPY public.t (id, note) FROM stdin;
1	it's; not SQL
2	\N
\.
  \set ON_ERROR_STOP on
CREATE INDEX t_id ON t (id);
`,
		want: []string{"2-2: CREATE TABLE t", "3-3: COPY public.t (id, copy 4-6: \"1\\tit's; not SQL\\n2\\t\\\\N\\n\"", "8-8: CREATE INDEX t_id"},
	}, {
		name: "COPY with no rows, CRLF line ends, data running to the end",
		src:  "COPY a FROM stdin;\r\n\\.\r\nCOPY b (x) FROM STDIN WITH (FORMAT csv);\r\n1\r\n",
		want: []string{`1-1: COPY a FROM copy 2-2: ""`, `3-3: COPY b (x) copy 4-4: "1\r\n"`},
	}, {
		name: "COPY to a file and from a file are plain SQL",
		src:  "COPY a TO stdout;\nCOPY a FROM '/tmp/a.csv';\nSELECT 1;\n",
		want: []string{"1-1: COPY a TO", "2-2: COPY a FROM", "3-3: SELECT 1"},
	}, {
		name: "backslashes inside strings, comments and bodies are not meta-commands",
		src: `SELECT '
\connect other';
/*
\i x.sql
*/
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$
\q
SELECT 1 $$;
`,
		want: []string{`1-2: SELECT ' \connect`, "6-8: CREATE FUNCTION f()"},
	}, {
		name: "\\g ends a statement; \\q ends the file",
		src:  "SELECT 1\n\\g\nSELECT 2\n\\q\nthis is not read;\n",
		want: []string{"1-1: SELECT 1", "3-3: SELECT 2"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := ParseSQL("m.sql", tt.src, KindMigration)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, st := range stmts {
				words := strings.Fields(st.SQL)
				s := fmt.Sprintf("%d-%d: %s", st.Line, st.EndLine, strings.Join(words[:min(3, len(words))], " "))
				if st.CopyData != nil {
					s += fmt.Sprintf(" copy %d-%d: %q", st.CopyData.Line, st.CopyData.EndLine, st.CopyData.Rows)
				}
				got = append(got, s)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestPsqlScriptErrors: a meta-command qreview cannot follow is an error
// at its line that says what to do.
func TestPsqlScriptErrors(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"CREATE DATABASE other;\n\\connect other\nCREATE TABLE t (id int);\n", `m.sql:2:1: psql meta-command \connect other: qreview reviews one database`},
		{"SELECT 1;\n  \\c -reuse-previous=on \"dbname='x'\"\n", `m.sql:2:3: psql meta-command \c -reuse-previous=on`},
		{"\\ir tables.sql\n", `m.sql:1:1: psql meta-command \ir: qreview reads each file on its own`},
		{"\\if :is_prod\nSELECT 1;\n\\endif\n", `m.sql:1:1: psql meta-command \if: qreview does not evaluate psql conditionals`},
		{"SELECT 1;\n\\copy t FROM 'rows.csv'\n", `m.sql:2:1: psql meta-command \copy: it reads a file on the client`},
		{"\\frobnicate\n", `m.sql:1:1: psql meta-command \frobnicate: qreview reads SQL and skips only psql's client-side commands`},
	}
	for _, tt := range tests {
		_, err := ParseSQL("m.sql", tt.src, KindMigration)
		var perr *ParseError
		if !errors.As(err, &perr) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want a ParseError starting %q", tt.src, err, tt.want)
		}
	}
}

// TestPsqlOnErrorStop: a plain psql file that sets ON_ERROR_STOP before
// its first statement stops at its first error, as psql does; set later
// or set off, it does not.
func TestPsqlOnErrorStop(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"migrations/001_on.sql":    "\\set ON_ERROR_STOP on\nCREATE TABLE a (id int);\n",
		"migrations/002_bare.sql":  "\\set ON_ERROR_STOP\nCREATE TABLE b (id int);\n",
		"migrations/003_off.sql":   "\\set ON_ERROR_STOP off\nCREATE TABLE c (id int);\n",
		"migrations/004_late.sql":  "CREATE TABLE d (id int);\n\\set ON_ERROR_STOP on\n",
		"queries/q.sql":            "SELECT 1;\n",
		"migrations/005_dump.sql":  "\\restrict k\nCOPY a (id) FROM stdin;\n1\n\\.\n\\unrestrict k\n",
		"migrations/006_plain.sql": "CREATE TABLE e (id int);\n",
	})
	src, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range src.Migrations {
		got = append(got, fmt.Sprintf("%s %v", filepath.Base(m.File), m.StopsOnError()))
	}
	want := "001_on.sql true, 002_bare.sql true, 003_off.sql false, 004_late.sql false, 005_dump.sql false, 006_plain.sql false"
	if strings.Join(got, ", ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, ", "), want)
	}
	if st := src.Migrations[4].Statements[0]; st.CopyData == nil || st.CopyData.Rows != "1\n" || st.ID != "S5" {
		t.Errorf("the dump's COPY: %+v", st)
	}
}
