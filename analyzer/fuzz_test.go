package analyzer

import (
	"errors"
	"os"
	"path/filepath"
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
}

// FuzzParseSQL: ParseSQL never panics, every statement lies within the
// file, and a parse error points into the file. The same holds for the
// goose up-part blanking that runs before it for migrations.
func FuzzParseSQL(f *testing.F) {
	addSQLSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		checkParse(t, src)
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
		for _, c := range st.Comments {
			if c.Line < 1 || c.Line > st.Line {
				t.Fatalf("comment at line %d for the statement at line %d", c.Line, st.Line)
			}
		}
	}
}
