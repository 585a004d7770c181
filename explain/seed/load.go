package seed

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"
)

// Loaded is one table's load, for progress lines and the report.
type Loaded struct {
	Table string
	Rows  int64
	Took  time.Duration
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

// Load fills the tables the profile gives rows to, parents before
// children and independent tables in parallel, streams rows with binary
// COPY in constant memory, then runs ANALYZE. progress may be nil.
func Load(ctx context.Context, dsn string, profile Profile, progress Progress) ([]Loaded, error) {
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
	p := &planner{tables: tables, profile: profile, gens: map[string]map[string]gen{},
		end: time.Now().UTC().Truncate(24 * time.Hour)}
	var jobs []*job
	for _, level := range p.levels() { // parents' generators before children's
		for _, name := range level {
			j, err := p.job(tables[name])
			if err != nil {
				return nil, err
			}
			if j.rows > 0 {
				jobs = append(jobs, j)
			}
		}
	}
	restore, err := dropForLoad(ctx, conn, jobs)
	if err != nil {
		return nil, err
	}
	loaded, err := loadAll(ctx, dsn, jobs, progress)
	if err != nil {
		return nil, err
	}
	if err := rebuild(ctx, conn, restore); err != nil {
		return nil, err
	}
	for _, l := range loaded {
		if err := resetSequences(ctx, conn, tables[l.Table], l.Rows); err != nil {
			return nil, err
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		return nil, fmt.Errorf("seed: ANALYZE: %w", err)
	}
	return loaded, nil
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
func (p *planner) levels() [][]string {
	level := map[string]int{}
	var depth func(name string, seen map[string]bool) int
	depth = func(name string, seen map[string]bool) int {
		if l, ok := level[name]; ok {
			return l
		}
		if seen[name] { // a foreign key cycle: break it here
			return 0
		}
		seen[name] = true
		d := 0
		for _, c := range p.tables[name].Columns {
			if c.Ref != nil && c.Ref.Table != name && p.tables[c.Ref.Table] != nil {
				d = max(d, depth(c.Ref.Table, seen)+1)
			}
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

// job is one table's load: its columns and their generators.
type job struct {
	table   *Table
	rows    int64
	columns []string
	gens    []gen
}

func (p *planner) job(t *Table) (*job, error) {
	p.gens[t.Name] = map[string]gen{}
	j := &job{table: t, rows: p.rows(t.Name)}
	if j.rows == 0 {
		return j, nil // a table the profile leaves empty needs no generators
	}
	// Keys first, so that a self-reference can draw on them.
	cols := append([]*Column(nil), t.Columns...)
	sort.SliceStable(cols, func(a, b int) bool { return cols[a].Ref == nil && cols[b].Ref != nil })
	for _, c := range cols {
		g, err := p.columnGen(t, c)
		if err != nil {
			return nil, err
		}
		if g != nil {
			p.gens[t.Name][c.Name] = g
		}
	}
	for _, c := range t.Columns { // COPY in table order
		if g := p.gens[t.Name][c.Name]; g != nil {
			j.columns = append(j.columns, c.Name)
			j.gens = append(j.gens, g)
		}
	}
	return j, nil
}

// chunkRows is the smallest slice of a table one COPY stream loads.
const chunkRows = 200_000

// chunk is a range of one table's rows, loaded by one COPY stream.
type chunk struct {
	job      *job
	from, to int64
}

// loadAll loads the jobs with as many COPY streams as there are cores: a
// large table is cut into chunks loaded side by side (generators are
// functions of the row number, so any range can be made on its own), and
// the largest tables start first.
func loadAll(ctx context.Context, dsn string, jobs []*job, progress Progress) ([]Loaded, error) {
	streams := runtime.GOMAXPROCS(0)
	perTable := int64(streams)
	if os.Getenv("QREVIEW_EXPERIMENT_TRUNCATE") != "" {
		perTable = 1
	}
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].rows > jobs[b].rows })
	var chunks []chunk
	for _, j := range jobs {
		n := min(perTable, (j.rows+chunkRows-1)/chunkRows)
		for k := int64(0); k < n; k++ {
			chunks = append(chunks, chunk{job: j, from: j.rows * k / n, to: j.rows * (k + 1) / n})
		}
	}
	loaded := make([]Loaded, len(jobs))
	var mu sync.Mutex
	started := map[*job]time.Time{}
	left := map[*job]int{}
	for _, c := range chunks {
		left[c.job]++
	}
	index := map[*job]int{}
	for i, j := range jobs {
		index[j] = i
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(streams)
	for _, c := range chunks {
		g.Go(func() error {
			mu.Lock()
			if _, ok := started[c.job]; !ok {
				started[c.job] = time.Now()
				if progress != nil {
					progress.Start(c.job.table.Name, c.job.rows)
				}
			}
			mu.Unlock()
			n, err := c.load(gctx, dsn, progress)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			r := &loaded[index[c.job]]
			r.Table, r.Rows = c.job.table.Name, r.Rows+n
			if left[c.job]--; left[c.job] == 0 {
				r.Took = time.Since(started[c.job])
				if progress != nil {
					progress.Done(*r)
				}
			}
			return nil
		})
	}
	return loaded, g.Wait()
}

func (c chunk) load(ctx context.Context, dsn string, progress Progress) (int64, error) {
	j := c.job
	conn, err := connect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("seed %s: %w", j.table.Name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	src := &rowSource{gens: j.gens, i: c.from - 1, rows: c.to, reported: c.from, row: make([]any, len(j.gens)),
		table: j.table.Name, progress: progress}
	if os.Getenv("QREVIEW_EXPERIMENT_TRUNCATE") == "" {
		n, err := conn.CopyFrom(ctx, j.table.Ident, j.columns, src)
		if err != nil {
			return 0, fmt.Errorf("seed %s: COPY: %w", j.table.Name, err)
		}
		return n, nil
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "TRUNCATE "+j.table.Ident.Sanitize()); err != nil {
		return 0, err
	}
	n, err := tx.CopyFrom(ctx, j.table.Ident, j.columns, src)
	if err != nil {
		return 0, fmt.Errorf("seed %s: COPY: %w", j.table.Name, err)
	}
	return n, tx.Commit(ctx)
}

// rowSource generates rows on demand for CopyFrom; it holds one row.
type rowSource struct {
	gens     []gen
	rows, i  int64 // rows is the end of the range: i runs up to rows-1
	row      []any
	table    string
	progress Progress
	reported int64 // rows told to progress so far
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
	for k, g := range s.gens {
		s.row[k] = g(s.i)
	}
	return s.row, nil
}

// resetSequences moves serial and identity sequences past the generated
// keys, so that inserts made later by migrations do not collide.
func resetSequences(ctx context.Context, conn *pgx.Conn, t *Table, rows int64) error {
	for _, c := range t.Columns {
		if !c.Unique || c.Ref != nil || (c.BaseType != "int2" && c.BaseType != "int4" && c.BaseType != "int8") {
			continue
		}
		_, err := conn.Exec(ctx, `SELECT setval(s, $3) FROM pg_get_serial_sequence($1, $2) s WHERE s IS NOT NULL`,
			t.Ident.Sanitize(), c.Name, rows)
		if err != nil {
			return fmt.Errorf("seed %s: reset sequence of %s: %w", t.Name, c.Name, err)
		}
	}
	return nil
}
