package rules

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
)

func TestParseIgnore(t *testing.T) {
	tests := []struct {
		text   string
		ok     bool
		rules  []string
		reason string
	}{
		{"qreview:ignore select-star the export needs every column", true, []string{"select-star"}, "the export needs every column"},
		{" qreview:ignore a,b why", true, []string{"a", "b"}, "why"},
		{"qreview:ignore a, b , c why not", true, []string{"a", "b", "c"}, "why not"},
		{"qreview:ignore select-star", true, []string{"select-star"}, ""},
		{"qreview:ignore", true, nil, ""},
		{"qreview:ignored select-star why", false, nil, ""},
		{"name: GetPayment :one", false, nil, ""},
		{"see qreview:ignore select-star why", false, nil, ""},
	}
	for _, tt := range tests {
		ig, ok := ParseIgnore(tt.text)
		if ok != tt.ok || !reflect.DeepEqual(ig.Rules, tt.rules) || ig.Reason != tt.reason {
			t.Errorf("ParseIgnore(%q) = %+v, %v; want rules %q reason %q, %v", tt.text, ig, ok, tt.rules, tt.reason, tt.ok)
		}
	}
}

// FuzzIgnoreComment: the directive parser never panics, what it returns
// prints back to itself, and a directive written above a statement or on
// its last line is found there and nowhere else.
func FuzzIgnoreComment(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.sql"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		for _, line := range strings.Split(string(data), "\n") {
			if _, comment, ok := strings.Cut(line, "--"); ok {
				f.Add(comment)
			}
		}
	}
	f.Add("qreview:ignore a ,b,, c\treason")
	f.Fuzz(func(t *testing.T, text string) {
		ig, ok := ParseIgnore(text)
		if !ok {
			if rest, found := strings.CutPrefix(strings.TrimSpace(text), ignorePrefix); found && (rest == "" || unicode.IsSpace([]rune(rest)[0])) {
				t.Fatalf("%q starts with the directive but is not one", text)
			}
			return
		}
		if ig.Reason != strings.TrimSpace(ig.Reason) {
			t.Fatalf("reason %q is not trimmed", ig.Reason)
		}
		for _, id := range ig.Rules {
			if id == "" || strings.ContainsFunc(id, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
				t.Fatalf("rule ID %q from %q", id, text)
			}
		}
		printed := strings.TrimSpace(ignorePrefix + " " + strings.Join(ig.Rules, ",") + " " + ig.Reason)
		if again, _ := ParseIgnore(printed); !reflect.DeepEqual(again, ig) {
			t.Fatalf("%q parses to %+v, printed %q parses to %+v", text, ig, printed, again)
		}

		if strings.ContainsAny(text, "\r\n\x00") {
			return // the text must stay one comment line
		}
		file := "-- " + text + "\nSELECT 1; -- " + text + "\nSELECT 2;\n"
		stmts, err := analyzer.ParseSQL("f.sql", file, analyzer.KindQuery)
		if err != nil || len(stmts) != 2 {
			t.Fatalf("%q: %d statements, %v", file, len(stmts), err)
		}
		known := map[string]bool{}
		for _, r := range All() {
			known[r.ID] = true
		}
		ig.Problem = ig.problem(known)
		above, onLastLine := ig, ig
		above.Line, onLastLine.Line = 1, 2
		if got := ignoresIn(stmts[0], strings.Split(file, "\n"), known); !reflect.DeepEqual(got, []Ignore{above, onLastLine}) {
			t.Fatalf("%q: directives of SELECT 1 = %+v, want lines 1 and 2", file, got)
		}
		if got := ignoresIn(stmts[1], strings.Split(file, "\n"), known); len(got) != 0 {
			t.Fatalf("%q: SELECT 2 got the previous line's directive: %+v", file, got)
		}
	})
}

// fuzzTables are sizes and indexes for FuzzRules, shaped like the
// fixture database's.
var fuzzTables = map[string]explain.Table{
	"accounts": {Name: "accounts", Rows: 200_000, Indexes: []explain.Index{
		{Name: "accounts_pkey", Columns: []string{"id"}, Unique: true, Def: "CREATE UNIQUE INDEX accounts_pkey ON public.accounts USING btree (id)"},
		{Name: "accounts_lower_name_idx", Columns: []string{""}, Def: "CREATE INDEX accounts_lower_name_idx ON public.accounts USING btree (lower(name))"},
		{Name: "accounts_handle_trgm_idx", Columns: []string{"handle"}, Def: "CREATE INDEX accounts_handle_trgm_idx ON public.accounts USING gin (handle gin_trgm_ops)"},
	}},
	"countries": {Name: "countries", Rows: 50},
}

// FuzzRules: no rule panics on any statement the parser accepts, taken
// as a query and as a golang-migrate migration.
func FuzzRules(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.sql"))
	dirs, _ := filepath.Glob(filepath.Join(fixtures, "migrations", "*", "*.sql"))
	for _, file := range append(files, dirs...) {
		data, _ := os.ReadFile(file)
		f.Add(string(data))
	}
	set, err := Configure(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, kind := range []analyzer.Kind{analyzer.KindQuery, analyzer.KindMigration} {
			stmts, err := analyzer.ParseSQL("001_fuzz.up.sql", src, kind)
			if err != nil {
				return
			}
			source := &analyzer.Source{Queries: stmts}
			if kind == analyzer.KindMigration {
				m := &analyzer.Migration{File: "001_fuzz.up.sql", Version: "001", Format: analyzer.FormatGolangMigrate, Statements: stmts}
				for _, st := range stmts {
					st.Migration = m
				}
				source = &analyzer.Source{Migrations: []*analyzer.Migration{m}}
			}
			for _, st := range stmts {
				set.Check(&Input{Statement: st, Tables: fuzzTables, Source: source})
			}
		}
	})
}
