package analyzer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestNamedQueryFiles: a query file is split at each header whether or
// not a semicolon ends the query before, in every convention, and each
// statement gets its name, its header's line and its own lines.
func TestNamedQueryFiles(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "name style command header-line line-endline: first words"
	}{{
		name: "goyesql and dotsql: no semicolons",
		src: `-- name: create-users-table
CREATE TABLE users (id int)

-- name: find-user-by-id
SELECT * FROM users WHERE id = $1
-- name: drop-users!
DELETE FROM users;
UPDATE counts SET users = 0
-- name: last
SELECT 1`,
		want: []string{
			"create-users-table yesql  1 2-2: CREATE TABLE users",
			"find-user-by-id yesql  4 5-5: SELECT * FROM",
			"drop-users! yesql  6 7-7: DELETE FROM users",
			"drop-users! yesql  6 8-8: UPDATE counts SET",
			"last yesql  9 10-10: SELECT 1",
		},
	}, {
		name: "sqlc, one query missing its semicolon",
		src: `-- name: GetAuthor :one
SELECT * FROM authors
WHERE id = $1 LIMIT 1

-- name: ListAuthors :many
SELECT * FROM authors ORDER BY name;

-- name: DeleteAuthor :exec
DELETE FROM authors WHERE id = $1;
`,
		want: []string{
			"GetAuthor sqlc :one 1 2-3: SELECT * FROM",
			"ListAuthors sqlc :many 5 6-6: SELECT * FROM",
			"DeleteAuthor sqlc :exec 8 9-9: DELETE FROM authors",
		},
	}, {
		name: "HugSQL headers, doc lines and comments between queries",
		src: `-- A file of queries.

-- :name get-user :? :1
-- :doc Get a user by id
select * from users where id = $1

-- Comments here belong to the next query.
-- :name insert-user :! :n
insert into users (id) values ($1)
`,
		want: []string{
			"get-user hugsql :? :1 3 5-5: select * from",
			"insert-user hugsql :! :n 8 9-9: insert into users",
		},
	}, {
		name: "plain statements before the first header keep no name",
		src: `SELECT 1;
SELECT 2;
-- name: Three :one
SELECT 3 /* trailing */ -- note
-- not a header: name: x
`,
		want: []string{" -  0 1-1: SELECT 1", " -  0 2-2: SELECT 2", "Three sqlc :one 3 4-4: SELECT 3"},
	}, {
		name: "a sqlc header names only the statement below it",
		src:  "-- name: One :exec\nSELECT 1; SELECT 2",
		want: []string{"One sqlc :exec 1 2-2: SELECT 1", " -  0 2-2: SELECT 2"},
	}, {
		name: "block-comment sqlc header",
		src:  "/* name: GetOne :one */\nSELECT 1",
		want: []string{"GetOne sqlc :one 1 2-2: SELECT 1"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := ParseSQL("q.sql", tt.src, KindQuery)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, st := range stmts {
				style, command, line := "-", "", 0
				if st.Header != nil {
					style, command, line = st.Header.Style, st.Header.Command, st.Header.Line
				}
				words := strings.Fields(st.SQL)
				got = append(got, fmt.Sprintf("%s %s %s %d %d-%d: %s", st.Name, style, command, line, st.Line, st.EndLine, strings.Join(words[:min(3, len(words))], " ")))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestBadQueryInANamedFile: bad SQL in one named query is reported at
// its own line, with its name; the queries around it are still split
// right, so each bad one is reported and no good one is blamed.
func TestBadQueryInANamedFile(t *testing.T) {
	src := `-- name: Good :one
SELECT 1

-- name: Bad :one
SELECT *
FROM t
WHERE WHERE

-- name: Unterminated :one
SELECT 'oops

-- name: Templated
SELECT * FROM t
ORDER BY %order%

-- name: AlsoGood :many
SELECT 2
`
	_, err := ParseSQL("q.sql", src, KindQuery)
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("error %v, want a ParseError", err)
	}
	want := []string{
		`q.sql:7:7: syntax error at or near "WHERE" (in query Bad)`,
		`q.sql:10:8: unterminated quoted string at or near "'oops` + "\n\n" + `" (in query Unterminated)`,
		`q.sql:14:10: syntax error at or near "%": %order% is a placeholder the application fills in, so the query cannot be planned as written; ` +
			`give the SQL that stands in for it under templates: in .qreview.yaml (e.g. templates: {"%order%": "id"}) (in query Templated)`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("error\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

// TestLoadReportsEveryBadFile: Load lists the bad SQL of every file, not
// the first file's only.
func TestLoadReportsEveryBadFile(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"queries/a.sql": "-- name: A\nSELECT FROM WHERE",
		"queries/b.sql": "-- name: B :one\nSELECT 1\n-- name: C :one\nSELEC 2",
	})
	_, err := Load([]string{dir})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"a.sql:2:13: syntax error", "(in query A)", "b.sql:4:1: syntax error", "(in query C)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
