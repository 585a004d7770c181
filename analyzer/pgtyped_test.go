package analyzer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestPgTypedQueryFiles: a pgtyped file is split at each "/* @name */"
// comment, its :name parameters become $n as pgtyped's runtime numbers
// them, expansions become something the planner takes, and names and
// lines stay the file's.
func TestPgTypedQueryFiles(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "name header-line line-endline: SQL | param names"
	}{{
		name: "scalars, not-null marks, a list in IN",
		src: `/* @name getUserById */
SELECT id, email FROM users WHERE id = :id!;
/* @name getUsersByIds
   @param ids -> (...)
*/
SELECT id FROM users WHERE id IN :ids!;

/* @name renameUser */
UPDATE users SET first_name = :firstName! WHERE id = :id! OR :firstName IS NULL RETURNING id;
`,
		want: []string{
			"getUserById 1 2-2: SELECT id, email FROM users WHERE id = $1 | id",
			"getUsersByIds 3 6-6: SELECT id FROM users WHERE id = ANY($1) | ids",
			"renameUser 8 9-9: UPDATE users SET first_name = $1 WHERE id = $2 OR $1 IS NULL RETURNING id | firstName id",
		},
	}, {
		name: "declared parameters are numbered first; NOT IN; a list elsewhere",
		src: `/*
  @name filtered
  @param ids -> (...)
  @param tags -> (...)
*/
SELECT * FROM t
WHERE org = :org AND id NOT IN :ids AND tag = ANY(:tags) AND org2 = :org;`,
		want: []string{
			"filtered 1 6-7: SELECT * FROM t\nWHERE org = $3 AND id <> ALL($1) AND tag = ANY(($2)) AND org2 = $3 | ids tags org",
		},
	}, {
		name: "a row and a list of rows",
		src: `/* @name insertUser @param user -> (name, age!) */
INSERT INTO users (name, age) VALUES :user RETURNING id;
/*
  @name insertUsers
  @param users -> ((name!, age,)...)
*/
INSERT INTO users (name, age) VALUES :users ON CONFLICT DO NOTHING;`,
		want: []string{
			"insertUser 1 2-2: INSERT INTO users (name, age) VALUES ($1, $2) RETURNING id | user.name user.age",
			"insertUsers 3 7-7: INSERT INTO users (name, age) VALUES ($1, $2) ON CONFLICT DO NOTHING | users.name users.age",
		},
	}, {
		name: "casts, :=, strings, quoted names, comments and bodies are not parameters",
		src: `-- qreview:ignore seq-scan-large-table small table
/* @name casts */
SELECT :id::uuid, x::text, f(a := :v), ':no', "a:b", $$ :no $$, arr[1:2] -- :no
FROM t /* :no */ WHERE d = :d :: date;
/* just a comment, not a header */
/* @name noParams */
SELECT 1;`,
		want: []string{
			"casts 2 3-4: SELECT $1::uuid, x::text, f(a := $2), ':no', \"a:b\", $$ :no $$, arr[1:2] -- :no\nFROM t /* :no */ WHERE d = $3 :: date | id v d",
			"noParams 6 7-7: SELECT 1 | ",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := ParseSQL("q.sql", tt.src, KindQuery)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, st := range stmts {
				if st.Header == nil || st.Header.Style != HeaderPgTyped {
					t.Errorf("%s: header %+v, want a pgtyped one", st.Name, st.Header)
					continue
				}
				got = append(got, fmt.Sprintf("%s %d %d-%d: %s | %s", st.Name, st.Header.Line, st.Line, st.EndLine, st.SQL, strings.Join(st.ParamNames, " ")))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestPgTypedComments: the "--" directive above a pgtyped header goes
// with its query, and the statement's text is the file's.
func TestPgTypedComments(t *testing.T) {
	src := "SELECT 0;\n\n-- qreview:ignore rule-x reason\n/* @name q */\nSELECT :a::int;\n"
	stmts, err := ParseSQL("q.sql", src, KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 || stmts[1].Name != "q" || stmts[1].Text != "SELECT :a::int" {
		t.Fatalf("statements %+v", stmts)
	}
	if c := stmts[1].Comments; len(c) != 1 || c[0].Line != 3 || c[0].Text != "qreview:ignore rule-x reason" {
		t.Errorf("comments %+v, want the ignore directive at line 3", c)
	}
}

// TestPgTypedErrors: a malformed expansion and bad SQL are reported at
// their line, with the query's name.
func TestPgTypedErrors(t *testing.T) {
	src := `/* @name ok */
SELECT :a;
/*
  @name badParam
  @param ids -> [...]
*/
SELECT * FROM t WHERE id IN :ids;
/* @name badSQL */
SELECT FROM WHERE :x;
`
	_, err := ParseSQL("q.sql", src, KindQuery)
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("error %v, want a ParseError", err)
	}
	want := []string{
		"q.sql:3:1: pgtyped @param ids -> [...]: write -> (...) for a list, -> (a, b) for a row or -> ((a, b)...) for a list of rows (in query badParam)",
		`q.sql:9:13: syntax error at or near "WHERE" (in query badSQL)`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("error\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}
