package explain

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
)

// Param is one parameter's value in a value set, and where it came from.
type Param struct {
	Value *string // nil is NULL
	Why   string  // "most common value of payments.status (95% of rows)"
}

// ParamSet is one set of values for $1 … $n: the plans PostgreSQL makes
// for them are custom plans.
type ParamSet struct {
	Name   string  // typical, common or rare
	Params []Param // $1 is Params[0]
}

// String shows the values as a call would: $1='pending', $2=NULL.
func (s ParamSet) String() string {
	parts := make([]string, len(s.Params))
	for i, p := range s.Params {
		parts[i] = fmt.Sprintf("$%d=%s", i+1, shorten(literal(p.Value), 40))
	}
	return strings.Join(parts, ", ")
}

// Literals are the values as SQL string literals, for EXECUTE: an
// untyped literal takes the parameter's type.
func (s ParamSet) literals() string {
	parts := make([]string, len(s.Params))
	for i, p := range s.Params {
		parts[i] = literal(p.Value)
	}
	return strings.Join(parts, ", ")
}

func literal(v *string) string {
	switch {
	case v == nil:
		return "NULL"
	case strings.Contains(*v, `\`):
		// E'' reads backslashes as escapes whatever
		// standard_conforming_strings says.
		return "E'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(*v) + "'"
	}
	return "'" + strings.ReplaceAll(*v, "'", "''") + "'"
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-4] + "…" + s[len(s)-1:]
}

// ValueOptions are what the user fixes about parameter values.
type ValueOptions struct {
	Limit, Offset int             // LIMIT $n and OFFSET $n: a page size and a page depth
	Pinned        map[int]*string // $n → a value the user pinned (config params: or -- qreview:params)
	PinnedBy      string          // where the pinned values come from, for the reasons
}

// Stats reads the planner's statistics of the seeded columns, once per
// column for a run.
type Stats struct {
	db    DB
	cache map[string]*columnStats // by table.column; nil: no such column
}

// NewStats reads statistics through db.
func NewStats(db DB) *Stats {
	return &Stats{db: db, cache: map[string]*columnStats{}}
}

// columnStats is pg_stats for one column, and a value sampled from the
// table when the statistics hold none.
type columnStats struct {
	table, column string
	mcv           []string
	freqs         []float64
	hist          []string
	sample        *string
	sampled       bool
}

// column finds the statistics of column in the first of tables that has
// it; nil when none does. Each column is read once (Preload reads all a
// run's queries need at once).
func (s *Stats) column(ctx context.Context, tables []string, column string) (*columnStats, error) {
	for _, t := range tables {
		key := t + "." + column
		if _, read := s.cache[key]; !read {
			if err := s.load(ctx, []string{t}, []string{column}); err != nil {
				return nil, err
			}
		}
		if cs := s.cache[key]; cs != nil {
			return cs, s.sample(ctx, cs)
		}
	}
	return nil, nil
}

// Preload reads, in one query, the statistics of every column the
// queries' parameters are compared with: planning a query on pg_stats
// costs more than running it, so one query per run beats one per column.
func (s *Stats) Preload(ctx context.Context, queries []*analyzer.Statement) error {
	var tables, columns []string
	seen := map[string]bool{}
	for _, st := range queries {
		for _, use := range st.ParamUses() {
			for _, t := range use.Tables {
				key := t + "." + use.Column
				if _, cached := s.cache[key]; use.Column != "" && !cached && !seen[key] {
					seen[key] = true
					tables, columns = append(tables, t), append(columns, use.Column)
				}
			}
		}
	}
	return s.load(ctx, tables, columns)
}

// load reads the statistics of tables[i].columns[i] for every i; a pair
// whose table has no such column is cached as nil.
func (s *Stats) load(ctx context.Context, tables, columns []string) error {
	if len(tables) == 0 {
		return nil
	}
	// LATERAL … OFFSET 0 keeps pg_stats a lookup per wanted column: joined
	// plainly, the planner checks column privileges on every column of
	// the database (10 ms against 0.5).
	rows, err := s.db.Query(ctx, `
		SELECT c.relname::text, a.attname::text, coalesce(st.mcv, '{}'), coalesce(st.freqs, '{}'), coalesce(st.hist, '{}')
		FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY($2::text[])
		LEFT JOIN LATERAL (
			SELECT s.most_common_vals::text::text[] mcv, s.most_common_freqs::float8[] freqs, s.histogram_bounds::text::text[] hist
			FROM pg_stats s WHERE s.schemaname = current_schema() AND s.tablename = c.relname AND s.attname = a.attname OFFSET 0) st ON true
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1::text[])`, tables, columns)
	if err != nil {
		return fmt.Errorf("statistics: %w", ServerError(err))
	}
	for rows.Next() {
		cs := &columnStats{}
		if err := rows.Scan(&cs.table, &cs.column, &cs.mcv, &cs.freqs, &cs.hist); err != nil {
			return fmt.Errorf("statistics: %w", err)
		}
		s.cache[cs.table+"."+cs.column] = cs
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("statistics: %w", ServerError(err))
	}
	for i := range tables {
		if _, ok := s.cache[tables[i]+"."+columns[i]]; !ok {
			s.cache[tables[i]+"."+columns[i]] = nil // the table has no such column
		}
	}
	return nil
}

// sample takes an existing value of a column the statistics say nothing
// of (a table too small or never analyzed): any real value is better
// than a made-up one.
func (s *Stats) sample(ctx context.Context, cs *columnStats) error {
	if len(cs.mcv) > 0 || len(cs.hist) > 0 || cs.sampled {
		return nil
	}
	cs.sampled = true
	q := fmt.Sprintf("SELECT %[1]s::text FROM %[2]s WHERE %[1]s IS NOT NULL LIMIT 1", pgx.Identifier{cs.column}.Sanitize(), pgx.Identifier{cs.table}.Sanitize())
	var v string
	switch err := s.db.QueryRow(ctx, q).Scan(&v); {
	case err == nil:
		cs.sample = &v
	case err != pgx.ErrNoRows:
		return fmt.Errorf("sample %s.%s: %w", cs.table, cs.column, ServerError(err))
	}
	return nil
}

// setNames are the value sets every parameterized query is planned with.
var setNames = []string{"typical", "common", "rare"}

// Sets returns the value sets for st's parameters, typed as PREPARE
// typed them: a typical value, the most common value and a rare one for
// each compared column, a page size and depth for LIMIT and OFFSET, and
// pinned values where the user gave them. Identical sets are planned
// once.
//
// types gives the parameter types; it is asked only when a parameter's
// value must come from its type alone.
func (s *Stats) Sets(ctx context.Context, st *analyzer.Statement, types func(context.Context) ([]string, error), opts ValueOptions) ([]ParamSet, error) {
	sets := make([]ParamSet, len(setNames))
	for i, name := range setNames {
		sets[i] = ParamSet{Name: name, Params: make([]Param, st.Params)}
	}
	for i, use := range st.ParamUses() {
		if v, ok := opts.Pinned[use.N]; ok {
			for j := range sets {
				sets[j].Params[i] = Param{Value: v, Why: "pinned in " + opts.PinnedBy}
			}
			continue
		}
		var cs *columnStats
		if use.Column != "" {
			var err error
			if cs, err = s.column(ctx, use.Tables, use.Column); err != nil {
				return nil, err
			}
		}
		typ := ""
		if cs == nil && use.Kind.NeedsType() {
			all, err := types(ctx)
			if err != nil {
				return nil, err
			}
			if i < len(all) {
				typ = all[i]
			}
		}
		for j := range sets {
			sets[j].Params[i] = choose(use, setNames[j], cs, typ, opts)
		}
	}
	return distinctSets(sets), nil
}

// choose picks the value of one parameter for one value set.
func choose(use analyzer.ParamUse, set string, cs *columnStats, typ string, opts ValueOptions) Param {
	switch use.Kind {
	case analyzer.UseLimit:
		return Param{Value: ptr(strconv.Itoa(opts.Limit)), Why: "a page size (config page_size)"}
	case analyzer.UseOffset:
		return Param{Value: ptr(strconv.Itoa(opts.Offset)), Why: "a page depth (config page_offset)"}
	case analyzer.UseFlag:
		return Param{Value: ptr("false"), Why: "false: the optional filter applies"}
	}
	if cs == nil {
		return byType(typ)
	}
	col := cs.table + "." + cs.column
	switch use.Kind {
	case analyzer.UseAny:
		return anyValue(set, cs, col)
	case analyzer.UseLess, analyzer.UseGreater:
		return rangeValue(use.Kind, set, cs, col)
	case analyzer.UseLike:
		return likeValue(set, cs, col)
	}
	return equalValue(set, cs, col)
}

// equalValue: the typical value is the middle of the histogram (a value
// of ordinary frequency), else the middle most-common value; common is
// the most common value; rare a histogram value (rarer than any MCV),
// else the least common MCV.
func equalValue(set string, cs *columnStats, col string) Param {
	switch {
	case set == "common" && len(cs.mcv) > 0:
		return Param{Value: &cs.mcv[0], Why: fmt.Sprintf("most common value of %s (%.0f%% of rows)", col, 100*freq(cs, 0))}
	case set == "rare" && len(cs.hist) > 0:
		return Param{Value: &cs.hist[0], Why: "a rare value of " + col + " (lowest histogram bound)"}
	case set == "rare" && len(cs.mcv) > 0:
		last := len(cs.mcv) - 1
		return Param{Value: &cs.mcv[last], Why: fmt.Sprintf("least common value of %s (%.0f%% of rows)", col, 100*freq(cs, last))}
	case len(cs.hist) > 0:
		return Param{Value: &cs.hist[len(cs.hist)/2], Why: "a typical value of " + col + " (median of its histogram)"}
	case len(cs.mcv) > 0:
		mid := len(cs.mcv) / 2
		return Param{Value: &cs.mcv[mid], Why: fmt.Sprintf("a typical value of %s (%.0f%% of rows)", col, 100*freq(cs, mid))}
	case cs.sample != nil:
		return Param{Value: cs.sample, Why: "a value sampled from " + col}
	}
	return Param{Why: col + " holds only NULL"}
}

// anyValue: an array of ten typical values, of the most common ones, or
// of one rare value.
func anyValue(set string, cs *columnStats, col string) Param {
	pool, why := cs.hist, "ten values from the histogram of "+col
	switch {
	case set == "common" && len(cs.mcv) > 0:
		pool, why = cs.mcv, "the most common values of "+col
	case len(pool) == 0:
		pool, why = cs.mcv, "common values of "+col
	}
	if len(pool) == 0 && cs.sample != nil {
		pool, why = []string{*cs.sample}, "a value sampled from "+col
	}
	if set == "rare" && len(pool) > 0 {
		pool, why = pool[:1], "one rare value of "+col
	}
	n := min(10, len(pool))
	picked := make([]string, n)
	for i := range picked {
		picked[i] = pool[i*len(pool)/n]
	}
	return Param{Value: ptr(arrayLiteral(picked)), Why: why}
}

// rangeValue: a bound at the histogram's median (typical), one that
// takes nearly every row (common), and one that takes nearly none (rare).
func rangeValue(kind analyzer.UseKind, set string, cs *columnStats, col string) Param {
	if len(cs.hist) == 0 {
		return equalValue(set, cs, col)
	}
	lo, hi := cs.hist[0], cs.hist[len(cs.hist)-1]
	wide, narrow := hi, lo // col < $n
	if kind == analyzer.UseGreater {
		wide, narrow = lo, hi
	}
	switch set {
	case "common":
		return Param{Value: &wide, Why: "a bound of " + col + " that takes nearly every row"}
	case "rare":
		return Param{Value: &narrow, Why: "a bound of " + col + " that takes nearly no row"}
	}
	return Param{Value: &cs.hist[len(cs.hist)/2], Why: "the median of " + col}
}

// likeValue: a prefix of a typical value (typical), everything (common),
// one whole value (rare).
func likeValue(set string, cs *columnStats, col string) Param {
	v := equalValue("typical", cs, col)
	if v.Value == nil {
		return v
	}
	switch set {
	case "common":
		return Param{Value: ptr("%"), Why: "'%': every row of " + col}
	case "rare":
		return Param{Value: ptr(likeEscape(*v.Value)), Why: "one whole value of " + col}
	}
	prefix := []rune(*v.Value)
	if len(prefix) > 3 {
		prefix = prefix[:3]
	}
	return Param{Value: ptr(likeEscape(string(prefix)) + "%"), Why: "a prefix of a typical value of " + col}
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// byType is a value of the parameter's type when nothing in the
// statement says more: the planner treats it as any other constant.
func byType(typ string) Param {
	switch {
	case strings.HasSuffix(typ, "[]"):
		return Param{Value: ptr("{}"), Why: "an empty array: nothing says what " + typ + " holds"}
	case typ == "boolean":
		return Param{Value: ptr("false"), Why: "false"}
	case typ == "smallint", typ == "integer", typ == "bigint", typ == "numeric", typ == "real", typ == "double precision":
		return Param{Value: ptr("1"), Why: "1: nothing says more about this " + typ}
	case strings.HasPrefix(typ, "timestamp"), typ == "date":
		return Param{Value: ptr("now"), Why: "now"}
	case typ == "text", strings.HasPrefix(typ, "character"):
		return Param{Value: ptr("x"), Why: "'x': nothing says more about this " + typ}
	}
	return Param{Why: "NULL: nothing says what a " + orUnknown(typ) + " value looks like"}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// arrayLiteral writes an array's text form: {"a","b"}.
func arrayLiteral(items []string) string {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(it) + `"`
	}
	return "{" + strings.Join(quoted, ",") + "}"
}

func freq(cs *columnStats, i int) float64 {
	if i < len(cs.freqs) {
		return cs.freqs[i]
	}
	return 0
}

func ptr(s string) *string { return &s }

// distinctSets drops a set whose values equal an earlier set's: the same
// values make the same plan.
func distinctSets(sets []ParamSet) []ParamSet {
	var out []ParamSet
	seen := map[string]bool{}
	for _, s := range sets {
		if key := s.literals(); !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	return out
}
