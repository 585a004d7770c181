package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
)

// loadMigrations writes a golang-migrate history to a temp dir and loads
// it: files are name → SQL.
func loadMigrations(t *testing.T, files map[string]string) *analyzer.Source {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "migrations")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, sql := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := analyzer.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// findingOf runs every default rule on the statement starting with
// prefix and returns rule's finding, or nil.
func findingOf(t *testing.T, src *analyzer.Source, prefix, rule string, in Input) *Finding {
	t.Helper()
	set, err := Configure(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range src.Statements() {
		if !strings.HasPrefix(st.SQL, prefix) {
			continue
		}
		in.Statement, in.Source = st, src
		for _, f := range set.Check(&in) {
			if f.Rule.ID == rule {
				return &f
			}
		}
		return nil
	}
	t.Fatalf("no statement starts with %q", prefix)
	return nil
}

// TestSeverityFromTableSize: a statically unsafe migration statement is a
// warning on a table the seeded database makes small, an error on a large
// or unknown one; a measured time is quoted and never changes the verdict.
func TestSeverityFromTableSize(t *testing.T) {
	src := loadMigrations(t, map[string]string{
		"001_create.up.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY, status text, plan text);",
		"002_index.up.sql":  "SET lock_timeout = '2s';\nSET statement_timeout = '5min';\nCREATE INDEX accounts_status_idx ON accounts (status);",
		"003_check.up.sql":  "SET lock_timeout = '2s';\nSET statement_timeout = '5min';\nALTER TABLE accounts ADD CONSTRAINT plan_set CHECK (plan <> '');",
	})
	sized := func(rows float64) map[string]explain.Table {
		return map[string]explain.Table{"accounts": {Name: "accounts", Rows: rows}}
	}
	fast := &explain.Measured{Took: 3 * time.Millisecond, Locks: map[string]string{"accounts": "ShareLock"}}
	slow := &explain.Measured{Took: 9 * time.Second, Locks: map[string]string{"accounts": "ShareLock"}}
	tests := []struct {
		name, stmt, rule string
		in               Input
		want             Severity
		quote            string // in the message
	}{
		{"small table", "CREATE INDEX", "create-index-non-concurrently", Input{Tables: sized(50)}, Warning, "below min-rows"},
		{"large table", "CREATE INDEX", "create-index-non-concurrently", Input{Tables: sized(200_000)}, Error, ""},
		{"unknown size counts as large", "CREATE INDEX", "create-index-non-concurrently", Input{}, Error, ""},
		{"large, measured fast: still an error", "CREATE INDEX", "create-index-non-concurrently", Input{Tables: sized(200_000), Measured: fast}, Error, "took 3ms holding ShareLock on accounts"},
		{"small, measured slow: still a warning", "CREATE INDEX", "create-index-non-concurrently", Input{Tables: sized(50), Measured: slow}, Warning, "took 9s"},
		{"CHECK on a small table", "ALTER TABLE accounts ADD CONSTRAINT", "constraint-without-not-valid", Input{Tables: sized(9_999)}, Warning, "9,999 rows"},
		{"CHECK on a large table", "ALTER TABLE accounts ADD CONSTRAINT", "constraint-without-not-valid", Input{Tables: sized(10_000)}, Error, ""},
	}
	for _, tt := range tests {
		f := findingOf(t, src, tt.stmt, tt.rule, tt.in)
		switch {
		case f == nil:
			t.Errorf("%s: no %s finding", tt.name, tt.rule)
		case f.Severity != tt.want:
			t.Errorf("%s: %s is a %s, want a %s: %s", tt.name, tt.rule, f.Severity, tt.want, f.Message)
		case !strings.Contains(f.Message, tt.quote):
			t.Errorf("%s: message %q does not say %q", tt.name, f.Message, tt.quote)
		}
	}
}

// TestFailedStatementIsJudged: the static migration rules judge a
// statement the server rejected, since that is when their fix matters.
func TestFailedStatementIsJudged(t *testing.T) {
	src := loadMigrations(t, map[string]string{
		"001_create.up.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);",
		"002_plan.up.sql":   "SET lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN plan text NOT NULL;",
		"003_index.up.sql":  "BEGIN;\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\nCOMMIT;",
	})
	rejected := errors.New("rejected by the server")
	for stmt, rule := range map[string]string{
		"ALTER TABLE accounts ADD COLUMN plan": "add-column-not-null-without-default",
		"CREATE INDEX CONCURRENTLY":            "concurrently-in-transaction",
	} {
		if f := findingOf(t, src, stmt, rule, Input{Err: rejected}); f == nil {
			t.Errorf("%s failed on the server: no %s finding, want one", stmt, rule)
		}
	}
}
