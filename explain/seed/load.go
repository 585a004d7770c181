package seed

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// Loaded is one table's seed, for progress lines, the report and the
// cache's note (JSON).
type Loaded struct {
	Table string
	Rows  int64 // rows generated and loaded
	Took  time.Duration
	// Kept is the rows the migrations inserted, kept: the table holds
	// Rows + Kept.
	Kept int64 `json:"kept,omitempty"`
	// Source says where the table's size came from: "profile",
	// "assumed" (no profile at all) or "unsized" (a profile that leaves
	// the table out, or an assumed size that could not be generated: it
	// holds what the migrations gave it).
	Source string `json:"source,omitempty"`
	// Note says why an assumed table was left unsized, naming the
	// profile key that would size it.
	Note string `json:"note,omitempty"`
}

// Progress hears about a load as it happens. Its methods are called from
// the loading goroutines, so implementations must be safe for that.
type Progress interface {
	Start(table string, rows int64)
	Advance(table string, rows int64) // rows more have been sent
	Done(l Loaded)
}

// progressEvery is how many rows a table sends between Advance calls.
const progressEvery = 50_000

// Options tune a load beyond the profile.
type Options struct {
	Progress Progress // may be nil
	// AssumedRows is every table's size when the profile is empty (config
	// "scale-default-rows"); 0 means DefaultAssumedRows.
	AssumedRows int64
	// Vary names columns ("table.column", or "column" in any table) that
	// the reviewed queries filter on or the change's migrations index: a
	// constant DEFAULT there gets varied values, as it does on columns the
	// schema already indexes, unless the profile pins them. It changes
	// the rows: CacheKeyFor includes it.
	Vary []string
}

// Load is LoadWith with only a progress.
func Load(ctx context.Context, dsn string, profile Profile, progress Progress) ([]Loaded, error) {
	return LoadWith(ctx, dsn, profile, Options{Progress: progress})
}

// LoadWith fills the tables: to the profile's rows, or with no profile
// at all to an assumed size, keeping the rows the migrations inserted.
// Everything that could stop the load is found first: keys too small
// for the rows, values that cannot be generated, and a trial load of a
// sample of every table's rows in a rolled-back transaction. Then
// triggers are disabled, keys and indexes without dependents dropped,
// parents loaded before children and independent tables in parallel
// (binary COPY, constant memory), everything restored, sequences moved
// past the keys, populated materialized views refreshed, and ANALYZE
// run. It returns one Loaded per table, sorted by table.
func LoadWith(ctx context.Context, dsn string, profile Profile, opts Options) ([]Loaded, error) {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tables, err := ReadSchema(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := profile.Validate(tables); err != nil {
		return nil, err
	}
	p := newPlanner(tables, profile, opts.AssumedRows)
	p.vary = opts.Vary
	if err := p.readExisting(ctx, conn); err != nil {
		return nil, err
	}
	if err := p.missingParents(); err != nil {
		return nil, err
	}
	var jobs []*job
	for _, level := range p.levels() { // parents' generators before children's
		for _, name := range level {
			j, err := p.job(tables[name])
			if err != nil && p.source[name] == SourceAssumed {
				p.leaveOut(name, err) // nobody asked for its size: not worth failing the review
				continue
			}
			if err != nil {
				return nil, err
			}
			if j.rows > 0 {
				jobs = append(jobs, j)
			}
		}
	}
	var loadedTables []*Table
	for _, j := range jobs {
		loadedTables = append(loadedTables, j.table)
	}
	types, err := loadTypes(ctx, conn, loadedTables)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	for {
		failed, err := trialLoad(ctx, conn, jobs)
		if err == nil {
			break
		}
		if failed == nil || p.source[failed.table.Name] != SourceAssumed {
			return nil, err
		}
		jobs = p.leaveOutLoad(jobs, failed.table.Name, err)
	}
	enable, err := disableTriggers(ctx, conn, jobs)
	if err != nil {
		return nil, err
	}
	restore, err := dropForLoad(ctx, conn, jobs)
	if err != nil {
		return nil, err
	}
	loaded, err := loadAll(ctx, dsn, jobs, types, opts.Progress)
	if err != nil {
		return nil, err
	}
	if err := rebuild(ctx, conn, restore); err != nil {
		return nil, err
	}
	if err := run(ctx, conn, enable); err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if err := resetSequences(ctx, conn, j.table); err != nil {
			return nil, err
		}
	}
	if err := refreshMaterializedViews(ctx, conn); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		return nil, fmt.Errorf("seed: ANALYZE: %w", err)
	}
	return p.report(loaded), nil
}

// report is one Loaded per table, sorted: those loaded, and those that
// got no new rows with what they hold.
func (p *planner) report(loaded []Loaded) []Loaded {
	byTable := map[string]Loaded{}
	for _, l := range loaded {
		byTable[l.Table] = l
	}
	out := make([]Loaded, 0, len(p.tables))
	for _, name := range sortedKeys(p.tables) {
		l, ok := byTable[name]
		if !ok {
			l = Loaded{Table: name}
		}
		l.Kept, l.Source, l.Note = p.existing[name], p.source[name], p.note[name]
		out = append(out, l)
	}
	return out
}

// connect opens a connection for qreview's own loading work, which the
// statement_timeout set for the reviewed SQL must not cut short.
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["statement_timeout"] = "0"
	return pgx.ConnectConfig(ctx, cfg)
}

// levels orders tables so that every table comes after the tables its
// foreign keys point to; tables of one level do not depend on each other.
// A foreign-key cycle is broken on a side that may be NULL (a cycle
// through NOT NULL keys only, at the table met first): that side is
// generated before its parent and left NULL, unless the migrations gave
// the parent rows to point at.
func (p *planner) levels() [][]string {
	edges := p.hardEdges()
	level := map[string]int{}
	var depth func(name string, seen map[string]bool) int
	depth = func(name string, seen map[string]bool) int {
		if l, ok := level[name]; ok {
			return l
		}
		if seen[name] { // a cycle of NOT NULL foreign keys: break it here
			return 0
		}
		seen[name] = true
		d := 0
		for _, parent := range edges[name] {
			d = max(d, depth(parent, seen)+1)
		}
		level[name] = d
		return d
	}
	var out [][]string
	for _, name := range sortedKeys(p.tables) {
		d := depth(name, map[string]bool{})
		for len(out) <= d {
			out = append(out, nil)
		}
		out[d] = append(out[d], name)
	}
	return out
}

// hardEdges are the foreign keys (child → parents) that order the
// generation: all but self-references and the nullable ones that close
// a cycle.
func (p *planner) hardEdges() map[string][]string {
	type edge struct {
		parent   string
		nullable bool
	}
	all := map[string][]edge{}
	for name, t := range p.tables {
		for _, c := range t.Columns {
			if c.Ref != nil && c.Ref.Table != name && p.tables[c.Ref.Table] != nil {
				all[name] = append(all[name], edge{c.Ref.Table, !c.NotNull})
			}
		}
		for _, r := range t.RowRefs {
			if r.Table == name || p.tables[r.Table] == nil {
				continue
			}
			nullable := false
			for _, col := range r.Columns {
				if c := t.column(col); c != nil && !c.NotNull {
					nullable = true
				}
			}
			all[name] = append(all[name], edge{r.Table, nullable})
		}
	}
	reaches := func(from, to string) bool {
		seen := map[string]bool{from: true}
		stack := []string{from}
		for len(stack) > 0 {
			at := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if at == to {
				return true
			}
			for _, e := range all[at] {
				if !seen[e.parent] {
					seen[e.parent] = true
					stack = append(stack, e.parent)
				}
			}
		}
		return false
	}
	hard := map[string][]string{}
	for child, es := range all {
		for _, e := range es {
			if e.nullable && reaches(e.parent, child) {
				continue // closes a cycle and may be NULL: the cycle breaks here
			}
			hard[child] = append(hard[child], e.parent)
		}
	}
	return hard
}

// job is one table's load: its columns and their generators.
type job struct {
	table   *Table
	rows    int64
	empty   bool // the migrations inserted no rows: it may be truncated
	columns []string
	gens    []gen
}

func (p *planner) job(t *Table) (*job, error) {
	p.gens[t.Name] = map[string]gen{}
	if p.rows(t.Name) == 0 {
		return &job{table: t}, nil // a table that gets no rows needs no generators
	}
	if err := p.rowRefGens(t); err != nil {
		return nil, err
	}
	if err := p.planKeys(t); err != nil {
		return nil, err
	}
	j := &job{table: t, rows: p.rows(t.Name), empty: p.existing[t.Name] == 0}
	if j.rows == 0 {
		return j, nil
	}
	// Keys first, so that a self-reference can draw on them.
	cols := append([]*Column(nil), t.Columns...)
	sort.SliceStable(cols, func(a, b int) bool { return cols[a].Ref == nil && cols[b].Ref != nil })
	for _, c := range cols {
		if p.gens[t.Name][c.Name] != nil {
			continue // a key's combination gives it
		}
		g, err := p.columnGen(t, c)
		if err != nil {
			return nil, err
		}
		if g != nil {
			p.gens[t.Name][c.Name] = g
		}
	}
	if err := p.planTies(t); err != nil {
		return nil, err
	}
	for _, c := range t.Columns { // COPY in table order
		if g := p.gens[t.Name][c.Name]; g != nil {
			j.columns = append(j.columns, c.Name)
			j.gens = append(j.gens, g)
		}
	}
	return j, nil
}

// loadAll loads the tables side by side, as many at once as there are
// cores, the largest first. Each table is one COPY in a transaction that
// first truncates it when it is empty: with wal_level = minimal (the
// throwaway servers' setting) PostgreSQL then skips writing the rows to
// the WAL, which on this 2-core machine loaded faster than several
// WAL-logged streams into one table (measured: 2,000,000 rows, 0.92 s
// against 1.11 s). A table holding the migrations' rows is never
// truncated: its new rows are WAL-logged.
func loadAll(ctx context.Context, dsn string, jobs []*job, types typeSet, progress Progress) ([]Loaded, error) {
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].rows > jobs[b].rows })
	loaded := make([]Loaded, len(jobs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		g.Go(func() error {
			r, err := j.load(gctx, dsn, types, progress)
			if err == nil && progress != nil {
				progress.Done(r)
			}
			loaded[i] = r
			return err
		})
	}
	return loaded, g.Wait()
}

func (j *job) load(ctx context.Context, dsn string, types typeSet, progress Progress) (Loaded, error) {
	start := time.Now()
	if progress != nil {
		progress.Start(j.table.Name, j.rows)
	}
	conn, err := connect(ctx, dsn)
	if err != nil {
		return Loaded{}, fmt.Errorf("seed %s: %w", j.table.Name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	types.register(conn)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return Loaded{}, fmt.Errorf("seed %s: %w", j.table.Name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if j.empty {
		if _, err := tx.Exec(ctx, "TRUNCATE "+j.table.Ident.Sanitize()); err != nil {
			return Loaded{}, fmt.Errorf("seed %s: %w", j.table.Name, err)
		}
	}
	src := &rowSource{gens: j.gens, rows: j.rows, row: make([]any, len(j.gens)), i: -1, table: j.table.Name, progress: progress}
	n, err := tx.CopyFrom(ctx, j.table.Ident, j.columns, src)
	if err != nil {
		return Loaded{}, fmt.Errorf("seed %s: COPY: %w", j.table.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Loaded{}, fmt.Errorf("seed %s: %w", j.table.Name, err)
	}
	return Loaded{Table: j.table.Name, Rows: n, Took: time.Since(start)}, nil
}

// rowSource generates rows on demand for CopyFrom; it holds one row.
type rowSource struct {
	gens     []gen
	rows, i  int64
	row      []any
	table    string
	progress Progress
	reported int64             // rows told to progress so far
	at       func(int64) int64 // the row number of the i-th row sent; nil: i
}

func (s *rowSource) Next() bool {
	s.i++
	if s.progress != nil && (s.i-s.reported >= progressEvery || s.i == s.rows) {
		s.progress.Advance(s.table, s.i-s.reported)
		s.reported = s.i
	}
	return s.i < s.rows
}
func (s *rowSource) Err() error { return nil }
func (s *rowSource) Values() ([]any, error) {
	i := s.i
	if s.at != nil {
		i = s.at(i)
	}
	for k, g := range s.gens {
		s.row[k] = g(i)
	}
	return s.row, nil
}

// resetSequences moves serial and identity sequences past the largest
// value their column holds, so that rows inserted later (by the change's
// migrations, by the reviewed queries) do not collide with the seed's.
// The sequence is the one the column's DEFAULT nextval() names: a column
// widened from SMALLSERIAL to a new bigint sequence still owns the old
// one, which pg_get_serial_sequence returns. A value past the sequence's
// maxvalue is clamped to it: setval would fail after the whole load.
func resetSequences(ctx context.Context, conn *pgx.Conn, t *Table) error {
	for _, c := range t.Columns {
		if c.BaseType != "int2" && c.BaseType != "int4" && c.BaseType != "int8" {
			continue
		}
		seq, err := columnSequence(ctx, conn, t, c)
		if err != nil {
			return err
		}
		if seq == nil {
			continue // no sequence: no max() to scan the table for
		}
		_, err = conn.Exec(ctx, "SELECT setval(s.seqrelid, greatest(least(m, s.seqmax), s.seqmin)) FROM (SELECT max("+
			pgx.Identifier{c.Name}.Sanitize()+") m FROM "+t.Ident.Sanitize()+") x, pg_sequence s "+
			"WHERE s.seqrelid = $1::regclass AND m IS NOT NULL", *seq)
		if err != nil {
			return fmt.Errorf("seed %s: reset sequence %s of %s: %w", t.Name, *seq, c.Name, err)
		}
	}
	return nil
}

// columnSequence is the sequence new rows take c's values from: the one
// its DEFAULT depends on (nextval('s')), else its identity sequence;
// nil when neither.
func columnSequence(ctx context.Context, conn *pgx.Conn, t *Table, c *Column) (*string, error) {
	var seq *string
	err := conn.QueryRow(ctx, `
		SELECT CASE WHEN ad.oid IS NULL THEN pg_get_serial_sequence($1, $2)
		       ELSE (SELECT d.refobjid::regclass::text FROM pg_depend d JOIN pg_class s ON s.oid = d.refobjid
		             WHERE d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
		               AND d.refclassid = 'pg_class'::regclass AND s.relkind = 'S'
		             ORDER BY d.refobjid LIMIT 1) END
		FROM pg_attribute a
		LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
		WHERE a.attrelid = $1::regclass AND a.attname = $2`, t.Ident.Sanitize(), c.Name).Scan(&seq)
	if err != nil {
		return nil, fmt.Errorf("seed %s: find the sequence of %s: %w", t.Name, c.Name, err)
	}
	return seq, nil
}

// refreshMaterializedViews fills again the populated materialized
// views, as production's hold its data, in the order they were created.
func refreshMaterializedViews(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT oid::regclass::text FROM pg_class WHERE relkind = 'm' AND relispopulated ORDER BY oid`)
	if err != nil {
		return fmt.Errorf("seed: read materialized views: %w", err)
	}
	views, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("seed: read materialized views: %w", err)
	}
	for _, v := range views {
		if _, err := conn.Exec(ctx, "REFRESH MATERIALIZED VIEW "+v); err != nil {
			return fmt.Errorf("seed: REFRESH MATERIALIZED VIEW %s: %w", v, err)
		}
	}
	return nil
}

// run runs statements in order.
func run(ctx context.Context, conn *pgx.Conn, stmts []string) error {
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("seed: %s: %w", stmt, err)
		}
	}
	return nil
}
