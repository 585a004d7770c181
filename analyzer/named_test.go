package analyzer

import (
	"strconv"
	"strings"
	"testing"
)

// TestTranslateNamed: sqlc's syntax becomes the SQL sqlc itself sends,
// with one $n per distinct name in order of first use, and what is not
// sqlc syntax is left as written.
func TestTranslateNamed(t *testing.T) {
	tests := []struct {
		name, in, want string
		names          string // per parameter, "," between; "" for a $n
	}{
		{"at sign", "SELECT * FROM t WHERE id = @id", "SELECT * FROM t WHERE id = $1", "id"},
		{"at sign with a cast", "SELECT * FROM t WHERE id = @id::uuid", "SELECT * FROM t WHERE id = $1::uuid", "id"},
		{"no space before the at sign", "SELECT * FROM t WHERE id=@id", "SELECT * FROM t WHERE id=$1", "id"},
		{"repeated name keeps its number", "SELECT * FROM t WHERE a = @a OR b = @b OR c = @a",
			"SELECT * FROM t WHERE a = $1 OR b = $2 OR c = $1", "a,b"},
		{"sqlc.arg bare and quoted", "SELECT * FROM t WHERE a = sqlc.arg(Owner) AND b = sqlc.arg('Kind') AND c = sqlc.arg(owner)",
			"SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $1", "owner,Kind"},
		{"spaces and case in the call", "SELECT SQLC . ARG ( name )", "SELECT $1", "name"},
		{"narg", "UPDATE t SET a = coalesce(sqlc.narg('a'), a) WHERE id = sqlc.arg(id)",
			"UPDATE t SET a = coalesce($1, a) WHERE id = $2", "a,id"},
		{"existing numbers are kept and skipped", "SELECT * FROM t WHERE a = $1 AND b = @b AND c = $3",
			"SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3", ",b,"},
		{"existing number after the names", "SELECT * FROM t WHERE b = @b AND a = $1", "SELECT * FROM t WHERE b = $2 AND a = $1", ",b"},
		{"slice for ANY", "SELECT * FROM t WHERE id = ANY(sqlc.slice(ids)::bigint[])", "SELECT * FROM t WHERE id = ANY($1::bigint[])", "ids"},
		{"slice as an IN list", "SELECT * FROM t WHERE id IN (sqlc.slice('ids')) AND a = @a",
			"SELECT * FROM t WHERE id = ANY($1) AND a = $2", "ids,a"},
		{"slice as a NOT IN list", "SELECT * FROM t WHERE id not in ( sqlc.slice(ids) )", "SELECT * FROM t WHERE id <> ALL($1)", "ids"},
		{"embed", "SELECT sqlc.embed(a), sqlc.embed(b) FROM a JOIN b ON b.a_id = a.id WHERE a.id = @id",
			"SELECT a.*, b.* FROM a JOIN b ON b.a_id = a.id WHERE a.id = $1", "id"},
		{"multi-line call", "SELECT * FROM t WHERE a = sqlc.arg(\n  a\n)", "SELECT * FROM t WHERE a = $1", "a"},
		// Left alone.
		{"string literals", "SELECT '@id', 'sqlc.arg(x)', E'\\'@x', $$ @y $$, $f$ sqlc.arg(z) $f$ FROM t",
			"SELECT '@id', 'sqlc.arg(x)', E'\\'@x', $$ @y $$, $f$ sqlc.arg(z) $f$ FROM t", ""},
		{"comments", "SELECT 1 -- @id sqlc.arg(x)\n/* @y /* nested @z */ sqlc.arg(w) */", "SELECT 1 -- @id sqlc.arg(x)\n/* @y /* nested @z */ sqlc.arg(w) */", ""},
		{"quoted identifiers", `SELECT "@id", "sqlc".arg FROM t`, `SELECT "@id", "sqlc".arg FROM t`, ""},
		{"casts", "SELECT a::text, b::uuid FROM t", "SELECT a::text, b::uuid FROM t", ""},
		{"operators with @", "SELECT @ -5, @-5, a @> b, a <@ b, a <@b, v @@ q, v @@q, s ^@ 'x' FROM t",
			"SELECT @ -5, @-5, a @> b, a <@ b, a <@b, v @@ q, v @@q, s ^@ 'x' FROM t", ""},
		{"a column of a table named sqlc", "SELECT x.sqlc FROM t x", "SELECT x.sqlc FROM t x", ""},
		{"plain $n", "SELECT * FROM t WHERE a = $2 AND b = $1", "SELECT * FROM t WHERE a = $2 AND b = $1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := translateNamed(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.sql != tt.want {
				t.Errorf("translated\n got %s\nwant %s", got.sql, tt.want)
			}
			if names := strings.Join(got.names, ","); names != tt.names {
				t.Errorf("names %q, want %q", names, tt.names)
			}
		})
	}
}

// TestTranslateNamedErrors: sqlc syntax that cannot be read is an error
// at the call.
func TestTranslateNamedErrors(t *testing.T) {
	for _, in := range []string{
		"SELECT * FROM t WHERE a = sqlc.args(a)",
		"SELECT * FROM t WHERE a = sqlc.arg()",
		"SELECT * FROM t WHERE a = sqlc.arg(a, b)",
		"SELECT * FROM t WHERE a = sqlc.arg(1)",
	} {
		_, err := translateNamed(in)
		me, ok := err.(*MacroError)
		if !ok || me.Offset != strings.Index(in, "sqlc") {
			t.Errorf("%s: %v; want an error at the call", in, err)
		}
	}
}

// TestParseNamedQueries: statements keep the file's lines and the text
// as written; what is planned is the translation.
func TestParseNamedQueries(t *testing.T) {
	src := "-- name: GetAuthor :one\n" +
		"SELECT sqlc.embed(authors)\n" +
		"FROM authors\n" +
		"WHERE id = @id::bigint AND name = sqlc.narg('name')\n" +
		"  AND id IN (sqlc.slice(ids));\n" +
		"\n" +
		"-- qreview:params @id=42 $2='it''s'\n" +
		"-- name: ListAuthors :many\n" +
		"SELECT * FROM authors WHERE bio @@ to_tsquery(@q) LIMIT @lim;\n"
	stmts, err := ParseSQL("q.sql", src, KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 {
		t.Fatalf("%d statements, want 2", len(stmts))
	}
	get, list := stmts[0], stmts[1]
	if get.Name != "GetAuthor" || get.Line != 2 || get.EndLine != 5 || get.Header.Line != 1 || get.Header.Style != HeaderSqlc || get.Header.Command != ":one" {
		t.Errorf("GetAuthor: name %q lines %d-%d header %+v", get.Name, get.Line, get.EndLine, get.Header)
	}
	wantSQL := "SELECT authors.*\nFROM authors\nWHERE id = $1::bigint AND name = $2\n  AND id = ANY($3)"
	if get.SQL != wantSQL || get.Params != 3 || strings.Join(get.ParamNames, ",") != "id,name,ids" {
		t.Errorf("GetAuthor planned %q with %d params %q", get.SQL, get.Params, get.ParamNames)
	}
	if !strings.HasPrefix(src[strings.Index(src, "SELECT"):], get.Text) || !strings.HasSuffix(get.Text, "IN (sqlc.slice(ids))") {
		t.Errorf("GetAuthor text %q is not the file's", get.Text)
	}
	if list.Name != "ListAuthors" || list.Line != 9 || list.Header.Line != 8 || len(list.Comments) != 2 || list.Comments[0].Line != 7 {
		t.Errorf("ListAuthors: name %q line %d header %+v comments %+v", list.Name, list.Line, list.Header, list.Comments)
	}
	if list.SQL != "SELECT * FROM authors WHERE bio @@ to_tsquery($1) LIMIT $2" || strings.Join(list.ParamNames, ",") != "q,lim" {
		t.Errorf("ListAuthors planned %q names %q", list.SQL, list.ParamNames)
	}
}

// TestParseErrorPositionAfterTranslation: an error after a rewritten
// macro points at the file's column, not the translation's.
func TestParseErrorPositionAfterTranslation(t *testing.T) {
	src := "-- name: Bad :one\nSELECT sqlc.arg(very_long_name), sqlc.embed(t) FROM t WHERE WHERE"
	_, err := ParseSQL("q.sql", src, KindQuery)
	want := "q.sql:2:" + strconv.Itoa(strings.LastIndex(src, "WHERE")-strings.Index(src, "SELECT")+1) + ": syntax error at or near \"WHERE\" (in query Bad)"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	src = "-- name: Worse :one\nSELECT 1\nWHERE a = sqlc.nope(x)"
	if _, err := ParseSQL("q.sql", src, KindQuery); err == nil || !strings.HasPrefix(err.Error(), "q.sql:3:11: sqlc.nope: not a sqlc macro") {
		t.Errorf("error %v, want one at q.sql:3:11", err)
	}
}
