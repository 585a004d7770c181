package analyzer

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// addSQLSeeds adds every .sql file under the repository's test data (the
// rule fixtures, the bundled example) to a fuzz corpus.
func addSQLSeeds(f *testing.F) {
	for _, root := range []string{"../rules/testdata/fixtures", "../testdata"} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".sql") {
				if data, err := os.ReadFile(path); err == nil {
					f.Add(string(data))
				}
			}
			return nil
		})
	}
	f.Add("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n")
	f.Add("SELECT 1; -- trailing\n/* block\n comment */ SELECT 2")
	f.Add("SELECT 'unterminated")
	f.Add("-- name: A :one\nSELECT sqlc.embed(t) FROM t WHERE id = @id::uuid AND x IN (sqlc.slice(ids))\n-- name: b\nSELECT sqlc.narg('n'), $2, a @> b, @ -5")
	f.Add("-- :name x :? :*\nselect 1\n-- name: y\nselect sqlc.arg(\n'z'\n)")
	f.Add("/* @name a\n @param ids -> (...)\n @param u -> (x, y!)\n @param rs -> ((p, q)...) */\nSELECT :a!::int, :b := 1 FROM t WHERE id NOT IN :ids AND (x, y) = :u;\n/* @name b */ INSERT INTO t VALUES :rs")
	f.Add("\\restrict k\nCOPY t (a) FROM stdin;\n1\t\\N\n\\.\n  \\set ON_ERROR_STOP on\nSELECT 1\n\\g\n\\unrestrict k\n")
}

// FuzzParseSQL: ParseSQL never panics, every statement lies within the
// file, and a parse error points into the file. The same holds for the
// goose up-part blanking that runs before it for migrations.
func FuzzParseSQL(f *testing.F) {
	addSQLSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		checkParse(t, src)
		checkMigration(t, src)
		kept, _ := sections(gooseMarker, "Up")(src)
		if len(kept) != len(src) {
			t.Fatalf("blanking changed the length: %d → %d", len(src), len(kept))
		}
		for i := range src {
			if (src[i] == '\n') != (kept[i] == '\n') {
				t.Fatalf("blanking moved a newline at byte %d", i)
			}
		}
		checkParse(t, kept)
	})
}

func checkParse(t *testing.T, src string) {
	lines := strings.Count(src, "\n") + 1
	stmts, err := ParseSQL("f.sql", src, KindQuery)
	if err != nil {
		var perr *ParseError
		if !errors.As(err, &perr) {
			if !strings.HasPrefix(err.Error(), "f.sql:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if perr.Line < 1 || perr.Line > lines || perr.Column < 1 {
			t.Fatalf("parse error at %d:%d outside a file of %d lines: %v", perr.Line, perr.Column, lines, err)
		}
		return
	}
	for _, st := range stmts {
		if st.Line < 1 || st.Line > st.EndLine || st.EndLine > lines {
			t.Fatalf("statement at lines %d-%d in a file of %d lines: %q", st.Line, st.EndLine, lines, st.SQL)
		}
		if st.SQL == "" || st.Tree == nil {
			t.Fatalf("empty statement at line %d", st.Line)
		}
		// The text as written is the file's, at the statement's lines (what
		// evidence checks a result against).
		lineStart := 0
		for i := 1; i < st.Line; i++ {
			lineStart += strings.IndexByte(src[lineStart:], '\n') + 1
		}
		at := strings.Index(src[lineStart:], st.Text)
		if st.Text == "" || at < 0 || strings.Contains(src[lineStart:lineStart+at], "\n") || strings.Count(st.Text, "\n") != st.EndLine-st.Line {
			t.Fatalf("text %q of the statement at lines %d-%d is not the file's there", st.Text, st.Line, st.EndLine)
		}
		if len(st.ParamNames) != 0 && len(st.ParamNames) != st.Params {
			t.Fatalf("%d names for %d parameters: %q", len(st.ParamNames), st.Params, st.SQL)
		}
		for _, c := range st.Comments {
			if c.Line < 1 || c.Line > st.Line {
				t.Fatalf("comment at line %d for the statement at line %d", c.Line, st.Line)
			}
		}
	}
}

// checkMigration: read as a psql script, src gives statements and COPY
// rows within the file, or an error that points into it.
func checkMigration(t *testing.T, src string) {
	lines := strings.Count(src, "\n") + 1
	stmts, err := ParseSQL("m.sql", src, KindMigration)
	var perr *ParseError
	switch {
	case errors.As(err, &perr):
		if perr.Line < 1 || perr.Line > lines || perr.Column < 1 {
			t.Fatalf("error at %d:%d outside a file of %d lines: %v", perr.Line, perr.Column, lines, err)
		}
		return
	case err != nil:
		if !strings.HasPrefix(err.Error(), "m.sql:") {
			t.Fatalf("error does not name the file: %v", err)
		}
		return
	}
	for _, st := range stmts {
		if st.Line < 1 || st.Line > st.EndLine || st.EndLine > lines {
			t.Fatalf("statement at lines %d-%d in a file of %d lines: %q", st.Line, st.EndLine, lines, st.SQL)
		}
		if d := st.CopyData; d != nil && (d.Line <= st.EndLine || d.Line > d.EndLine || d.EndLine > lines || !strings.Contains(src, d.Rows)) {
			t.Fatalf("COPY rows at lines %d-%d after a statement ending at %d, file of %d lines", d.Line, d.EndLine, st.EndLine, lines)
		}
	}
}

// FuzzTranslatePgTyped: the pgtyped translation never panics, changes
// nothing outside the spans it rewrites, names every $n it writes, and
// maps every offset of its output back into the input in order.
func FuzzTranslatePgTyped(f *testing.F) {
	addSQLSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		h, ok := readPgTypedHeader(src, 1)
		if !ok {
			h = &Header{Style: HeaderPgTyped}
		}
		tr := translatePgTyped(src, h)
		if !strings.Contains(src, ":") && tr.sql != src {
			t.Fatalf("no parameter, yet %q became %q", src, tr.sql)
		}
		checkEdits(t, src, tr)
		for _, e := range tr.edits {
			for _, m := range dollarParam.FindAllStringSubmatch(tr.sql[e.newStart:e.newEnd], -1) {
				if n, _ := strconv.Atoi(m[1]); n < 1 || n > len(tr.names) || tr.names[n-1] == "" {
					t.Fatalf("$%s written in %q has no name among %q", m[1], tr.sql, tr.names)
				}
			}
		}
	})
}

var dollarParam = regexp.MustCompile(`\$([0-9]+)`)

// FuzzTranslateNamed: the translation never panics, changes nothing
// outside the spans it rewrites, and maps every offset of its output back
// into the input in order.
func FuzzTranslateNamed(f *testing.F) {
	addSQLSeeds(f)
	f.Add("SELECT sqlc.embed(t), @a, sqlc.arg('b'), sqlc.narg(c), $1 FROM t WHERE id IN (sqlc.slice(ids)) AND x NOT IN(sqlc.slice(y))")
	f.Add("SELECT '@a', $$sqlc.arg(x)$$, \"@b\" -- @c\n/* @d */ FROM t WHERE a @> b AND c <@d AND e::text = @e::text")
	f.Fuzz(func(t *testing.T, src string) {
		tr, err := translateNamed(src)
		if err != nil {
			var me *MacroError
			if !errors.As(err, &me) || me.Offset < 0 || me.Offset >= len(src) {
				t.Fatalf("error %v outside the input", err)
			}
			return
		}
		if !strings.Contains(src, "@") && !strings.Contains(strings.ToLower(src), "sqlc") && tr.sql != src {
			t.Fatalf("no sqlc syntax, yet %q became %q", src, tr.sql)
		}
		checkEdits(t, src, tr)
	})
}

// checkEdits: a translation changes nothing outside its edits, and maps
// every offset of its output back into the input in order.
func checkEdits(t *testing.T, src string, tr translated) {
	prevOld, prevNew := 0, 0
	for _, e := range tr.edits {
		if e.oldStart < prevOld || e.oldEnd > len(src) || e.newStart < prevNew || e.newEnd > len(tr.sql) || e.oldStart > e.oldEnd {
			t.Fatalf("edit %+v out of order or bounds", e)
		}
		if src[prevOld:e.oldStart] != tr.sql[prevNew:e.newStart] {
			t.Fatalf("text between edits changed: %q → %q", src[prevOld:e.oldStart], tr.sql[prevNew:e.newStart])
		}
		prevOld, prevNew = e.oldEnd, e.newEnd
	}
	if src[prevOld:] != tr.sql[prevNew:] {
		t.Fatalf("text after the last edit changed: %q → %q", src[prevOld:], tr.sql[prevNew:])
	}
	last := 0
	for i := 0; i <= len(tr.sql); i++ {
		o := tr.edits.origin(i)
		if o < last || o > len(src) {
			t.Fatalf("offset %d maps to %d (after %d, input of %d)", i, o, last, len(src))
		}
		last = o
	}
}
