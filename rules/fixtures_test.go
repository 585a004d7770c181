package rules

// The fixture harness, go/analysis's "// want" habit in SQL comments: in
// testdata/fixtures, every statement a rule must flag carries
// "-- want: rule-id[, rule-id…]" in the comments above it, and every
// finding must be wanted. Query fixtures (<rule-id>.sql) are planned on a
// real seeded database; migration fixtures (migrations/<rule-id>/, one
// golang-migrate history each) are checked from their parse trees; one
// marked "-- fixture: change" counts as part of the change under review.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/provider"
	"github.com/qreview/qreview/explain/seed"
)

const fixtures = "testdata/fixtures"

// fixtureProfile makes accounts and tickets large and countries a small
// lookup table.
var fixtureProfile = seed.Profile{
	"accounts": {Rows: 200_000, Columns: map[string]*seed.ColumnProfile{
		"status": {Values: []string{"active", "suspended", "closed"}},
	}},
	"countries": {Rows: 50},
	// tickets: a skewed state (the most common value is most of the
	// table, the rarest a sliver) for the plan cache's fixtures.
	"tickets": {Rows: 200_000, Columns: map[string]*seed.ColumnProfile{
		"state":    {Values: []string{"closed", "pending", "open"}, Weights: []float64{95, 4, 1}},
		"priority": {Values: []string{"1", "2", "3", "4", "5"}},
	}},
}

// fixtureDB is one seeded cluster for the test binary, started by the
// first test that needs it (not in TestMain: fuzz workers run TestMain
// too) and removed by TestMain.
var fixtureDB struct {
	once   sync.Once
	server *provider.Database
	conn   *pgx.Conn
	tables map[string]explain.Table
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDB.conn != nil {
		fixtureDB.conn.Close(context.Background())
	}
	fixtureDB.server.Close()
	os.Exit(code)
}

func fixtureDatabase(t *testing.T) (*pgx.Conn, map[string]explain.Table) {
	t.Helper()
	fixtureDB.once.Do(func() {
		ctx := context.Background()
		db := &fixtureDB
		if db.server, db.err = provider.StartLocal(ctx, nil); db.err != nil {
			return
		}
		schema, err := os.ReadFile(filepath.Join(fixtures, "schema.sql"))
		if err != nil {
			db.err = err
			return
		}
		if db.conn, db.err = pgx.Connect(ctx, db.server.DSN); db.err != nil {
			return
		}
		if _, db.err = db.conn.Exec(ctx, string(schema)); db.err != nil {
			db.err = fmt.Errorf("schema.sql: %w", db.err)
			return
		}
		if _, db.err = seed.Load(ctx, db.server.DSN, fixtureProfile, nil); db.err != nil {
			return
		}
		db.tables, db.err = explain.Tables(ctx, db.conn)
	})
	if fixtureDB.err != nil {
		t.Fatalf("fixture database (needs the PostgreSQL server binaries): %v", fixtureDB.err)
	}
	return fixtureDB.conn, fixtureDB.tables
}

// checked is one fixture statement with the rules it wants and the
// findings it got.
type checked struct {
	st    *analyzer.Statement
	wants map[string]want // rule → what its finding must be
	got   []Finding
}

// want is one "-- want:" entry: the severity the finding must have ("":
// any) and a pattern its message must match (nil: any).
type want struct {
	severity Severity
	message  *regexp.Regexp
}

func (c checked) at() string { return fmt.Sprintf("%s:%d", c.st.File, c.st.Line) }

// wantEntry is one entry of a "-- want:" list: a rule ID, optionally a
// severity, optionally a quoted regexp the message must match.
var wantEntry = regexp.MustCompile(`\s*([a-z0-9-]+)(?:\s+(error|warning|notice))?(?:\s+"((?:[^"\\]|\\.)*)")?\s*(?:,|$)`)

// wants reads "-- want: rule-id[ severity][ "regexp"][, …]".
func wants(t *testing.T, st *analyzer.Statement) map[string]want {
	out := map[string]want{}
	for _, c := range st.Comments {
		list, ok := strings.CutPrefix(c.Text, "want:")
		if !ok {
			continue
		}
		rest := strings.TrimSpace(list)
		for rest != "" {
			m := wantEntry.FindStringSubmatchIndex(rest)
			if m == nil || m[0] != 0 {
				t.Fatalf("%s:%d: cannot read %q in %q (want: rule-id [severity] [\"regexp\"], …)", st.File, c.Line, rest, c.Text)
			}
			w := want{severity: Severity(substr(rest, m, 2))}
			if m[6] >= 0 {
				pattern := strings.ReplaceAll(rest[m[6]:m[7]], `\"`, `"`)
				re, err := regexp.Compile(pattern)
				if err != nil {
					t.Fatalf("%s:%d: want %q: %v", st.File, c.Line, pattern, err)
				}
				w.message = re
			}
			out[substr(rest, m, 1)] = w
			rest = strings.TrimSpace(rest[m[1]:])
		}
	}
	return out
}

// substr is the text of submatch i of m in s, "" when it did not match.
func substr(s string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

var fixtureResults struct {
	once sync.Once
	list []checked
}

// checkFixtures runs every default-configured rule on every fixture, once
// for the test binary.
func checkFixtures(t *testing.T) []checked {
	fixtureResults.once.Do(func() { fixtureResults.list = runFixtures(t) })
	if fixtureResults.list == nil {
		t.Fatal("the fixtures could not be run (see the first test that tried)")
	}
	return fixtureResults.list
}

func runFixtures(t *testing.T) []checked {
	// slow-plan judges measured time: on fixtures it would assert timings.
	// Its cases are recorded plans (recordedCases).
	off := false
	set, err := Configure(map[string]Config{"slow-plan": {Enabled: &off}})
	if err != nil {
		t.Fatal(err)
	}
	var out []checked
	run := func(src *analyzer.Source, st *analyzer.Statement, judged *explain.Judged, tables map[string]explain.Table, err error) {
		in := &Input{Statement: st, Err: err, Tables: tables, Source: src, InChange: fixtureInChange(st)}
		got, _ := set.CheckPlans(in, judged)
		out = append(out, checked{st: st, wants: wants(t, st), got: got})
	}

	queries, _ := filepath.Glob(filepath.Join(fixtures, "*.sql"))
	conn, tables := fixtureDatabase(t)
	stats := explain.NewStats(conn)
	for _, file := range queries {
		if filepath.Base(file) == "schema.sql" {
			continue
		}
		src, err := analyzer.Load([]string{file})
		if err != nil {
			t.Fatal(err)
		}
		// The queries see the schema as the pipeline's see the migrations.
		src.Migrations = []*analyzer.Migration{schemaMigration(t)}
		for _, st := range src.Queries {
			var judged *explain.Judged
			var planErr error
			if st.Explainable() {
				judged, planErr = judgeFixture(conn, st, stats)
				var sqlErr *explain.SQLError
				if planErr != nil && !errors.As(planErr, &sqlErr) {
					t.Fatalf("%s:%d: %v", st.File, st.Line, planErr)
				}
			}
			run(src, st, judged, tables, planErr)
		}
	}

	histories, _ := filepath.Glob(filepath.Join(fixtures, "migrations", "*"))
	for _, dir := range histories {
		src, err := analyzer.Load([]string{dir})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range src.Statements() {
			run(src, st, nil, nil, nil)
		}
	}
	return out
}

// schemaMigration is schema.sql as the one migration the query fixtures'
// schema came from, so rules that read the migrations (a NOT NULL column)
// see it.
func schemaMigration(t *testing.T) *analyzer.Migration {
	file := filepath.Join(fixtures, "schema.sql")
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := analyzer.ParseSQL(file, string(text), analyzer.KindMigration)
	if err != nil {
		t.Fatal(err)
	}
	m := &analyzer.Migration{File: file, Format: analyzer.FormatPlain, Statements: stmts}
	for _, st := range stmts {
		st.Migration = m
	}
	return m
}

// fixtureInChange: a migration fixture is part of the change under review
// (rules.Input.InChange) when one of its statements carries
// "-- fixture: change" in the comments above it.
func fixtureInChange(st *analyzer.Statement) bool {
	if st.Migration == nil {
		return false
	}
	for _, s := range st.Migration.Statements {
		for _, c := range s.Comments {
			if c.Text == "fixture: change" {
				return true
			}
		}
	}
	return false
}

// judgeFixture plans a query as the pipeline's defaults do: EXPLAIN
// ANALYZE for a read-only query without parameters; a parameterized one
// generically and with values, judged by the plan cache's rule.
func judgeFixture(conn *pgx.Conn, st *analyzer.Statement, stats *explain.Stats) (*explain.Judged, error) {
	return explain.PlanAll(context.Background(), conn, st, stats, explain.PlanOptions{
		Analyze: st.ReadOnly(), CacheMode: explain.CacheAuto, Values: explain.ValueOptions{Limit: 50, Offset: 100}})
}

func TestFixtures(t *testing.T) {
	var problems []string
	for _, c := range checkFixtures(t) {
		found := map[string]bool{}
		for _, f := range c.got {
			found[f.Rule.ID] = true
			w, wanted := c.wants[f.Rule.ID]
			switch {
			case !wanted:
				problems = append(problems, fmt.Sprintf("%s: unexpected %s %s: %s", c.at(), f.Severity, f.Rule.ID, f.Message))
			case w.severity != "" && w.severity != f.Severity:
				problems = append(problems, fmt.Sprintf("%s: %s is a %s, want a %s: %s", c.at(), f.Rule.ID, f.Severity, w.severity, f.Message))
			case w.message != nil && !w.message.MatchString(f.Message):
				problems = append(problems, fmt.Sprintf("%s: %s says %q, want it to match %q", c.at(), f.Rule.ID, f.Message, w.message))
			}
		}
		for id := range c.wants {
			if !found[id] {
				problems = append(problems, fmt.Sprintf("%s: no %s finding, want one", c.at(), id))
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestEveryRuleHasFixtures: each rule has a fixture named for it with a
// statement it must flag and a near-miss it must not.
func TestEveryRuleHasFixtures(t *testing.T) {
	flagged, nearMiss := map[string]int{}, map[string]int{}
	for _, c := range checkFixtures(t) {
		rule := strings.TrimSuffix(filepath.Base(c.st.File), ".sql")
		if c.st.Kind == analyzer.KindMigration {
			rule = filepath.Base(filepath.Dir(c.st.File))
		}
		if _, ok := c.wants[rule]; ok {
			flagged[rule]++
		} else {
			nearMiss[rule]++
		}
	}
	for _, c := range recordedCases {
		if c.want != "" {
			flagged[c.rule]++
		} else {
			nearMiss[c.rule]++
		}
	}
	for _, r := range All() {
		if flagged[r.ID] == 0 || nearMiss[r.ID] == 0 {
			t.Errorf("rule %s: %d flagged and %d near-miss statements in %s/%s.sql, %s/migrations/%s/ or recordedCases; want at least one of each",
				r.ID, flagged[r.ID], nearMiss[r.ID], fixtures, r.ID, fixtures, r.ID)
		}
	}
}

// TestFindingSeverityAndSuppression: a check may report below its rule's severity
// (large-offset's OFFSET $n is a notice), and a valid directive drops the
// rules it names.
func TestFindingSeverityAndSuppression(t *testing.T) {
	stmts, err := analyzer.ParseSQL("q.sql", "SELECT 1 OFFSET 5000;\nSELECT 1 OFFSET $1;\n"+
		"-- qreview:ignore large-offset the admin page never goes deep\nSELECT 1 OFFSET 5000;\n", analyzer.KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		severity string
		want     []Severity // per statement
	}{
		{"", []Severity{Warning, Notice, ""}},
		{"error", []Severity{Error, Notice, ""}},
		{"notice", []Severity{Notice, Notice, ""}},
	}
	for _, tt := range tests {
		set, err := Configure(map[string]Config{"large-offset": {Severity: tt.severity}})
		if err != nil {
			t.Fatal(err)
		}
		for i, st := range stmts {
			var got Severity
			for _, f := range set.Check(&Input{Statement: st}) {
				got = f.Severity
			}
			if got != tt.want[i] {
				t.Errorf("large-offset configured %q, line %d: severity %q, want %q", tt.severity, st.Line, got, tt.want[i])
			}
		}
	}
}

// TestWantComments: the "-- want:" reader takes IDs, severities and quoted
// patterns, and refuses what it cannot read.
func TestWantComments(t *testing.T) {
	stmts, err := analyzer.ParseSQL("f.sql", `-- want: a-rule, b-rule warning, c-rule error "reads ~[0-9,]+ \"rows\"", d-rule "x, y"
SELECT 1;`, analyzer.KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	got := wants(t, stmts[0])
	if len(got) != 4 || got["a-rule"] != (want{}) || got["b-rule"].severity != Warning || got["c-rule"].severity != Error ||
		got["c-rule"].message.String() != `reads ~[0-9,]+ "rows"` || got["d-rule"].message.String() != "x, y" {
		t.Errorf("wants = %+v", got)
	}
	if !got["c-rule"].message.MatchString(`Seq Scan reads ~1,000 "rows"`) {
		t.Error("the pattern does not match what it should")
	}
}
