package review

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/rules"
)

// LoadOptions are a load run's inputs: the review's, and the load's shape.
type LoadOptions struct {
	Options
	Duration    time.Duration
	Concurrency int
	PoolSize    int // 0: the config's one service's pool, else Concurrency
}

// LoadResult is what qreview load reports (--format json).
type LoadResult struct {
	Schema        string      `json:"schema"` // qreview/load/v1
	Provider      string      `json:"provider"`
	ServerVersion string      `json:"server_version"`
	DurationS     float64     `json:"duration_s"` // wall time, from the first call to the last one's end
	Concurrency   int         `json:"concurrency"`
	PoolSize      int         `json:"pool_size"`
	Calls         int         `json:"calls"`  // every query's calls, errors included
	Errors        int         `json:"errors"` // calls the server or the pool failed
	Throughput    float64     `json:"calls_per_second"`
	MeanWaitMS    float64     `json:"mean_wait_ms"`    // waiting for a pooled connection, per call
	WaitedCalls   int64       `json:"waited_acquires"` // calls that found no idle connection (pgxpool's EmptyAcquireCount)
	Queries       []LoadQuery `json:"queries"`
}

// LoadQuery is one query's share of the load; Skipped says why a query
// did not run.
type LoadQuery struct {
	ID         string          `json:"id"`
	File       string          `json:"file"`
	Line       int             `json:"line"`
	Name       string          `json:"name,omitempty"`
	Skipped    string          `json:"skipped,omitempty"`
	Values     string          `json:"values,omitempty"` // the parameter values it ran with
	Calls      int             `json:"calls"`
	Errors     int             `json:"errors"`
	FirstError string          `json:"first_error,omitempty"`
	P50MS      float64         `json:"p50_ms"` // latencies of the calls that succeeded, pool wait excluded
	P95MS      float64         `json:"p95_ms"`
	P99MS      float64         `json:"p99_ms"`
	MaxMS      float64         `json:"max_ms"`
	MeanMS     float64         `json:"mean_ms"`
	MeanWaitMS float64         `json:"mean_wait_ms"`
	Pools      []LoadPoolShare `json:"pools,omitempty"` // at the config's traffic, with the measured mean latency
}

// LoadPoolShare is Little's law on a measured mean latency: the
// connections the query would keep busy at a service's configured rate.
type LoadPoolShare struct {
	Service         string  `json:"service"`
	CallsPerSecond  float64 `json:"calls_per_second"`
	PoolSize        int     `json:"pool_size"`
	BusyConnections float64 `json:"busy_connections"`
	Share           float64 `json:"share"`
}

// Load checks everything that needs no database, builds the database,
// runs the load and removes the database, also when ctx is cancelled.
func Load(ctx context.Context, f LoadOptions) (_ *LoadResult, err error) {
	f.Options = f.Options.withDefaults()
	paths, logw := f.Paths, f.Log
	log := logTo(logw)
	switch {
	case f.Duration <= 0:
		return nil, fmt.Errorf("--duration %s: give a positive duration such as 30s", f.Duration)
	case f.Concurrency < 1:
		return nil, fmt.Errorf("--concurrency %d: give 1 or more workers", f.Concurrency)
	case f.PoolSize < 0:
		return nil, fmt.Errorf("--pool-size %d: give 1 or more connections", f.PoolSize)
	}
	cfg, err := config.Load(config.Find(f.Config, paths))
	if err != nil {
		return nil, err
	}
	filter := cfg.Filter()
	if err := filter.Check(); err != nil {
		return nil, fmt.Errorf("%s: include/exclude: %w", cfg.Path, err)
	}
	src, err := analyzer.LoadFiltered(paths, filter)
	if err != nil {
		return nil, err
	}
	traffic, err := trafficFor(cfg, src.Queries)
	if err != nil {
		return nil, err
	}
	work, res, err := loadWork(cfg, src.Queries)
	if err != nil {
		return nil, err
	}
	if len(work) == 0 {
		return nil, fmt.Errorf("no query to run under %s: load runs read-only queries", strings.Join(paths, ", "))
	}
	res.Concurrency, res.PoolSize = f.Concurrency, f.PoolSize
	if res.PoolSize == 0 {
		res.PoolSize = defaultPoolSize(cfg, f.Concurrency)
	}
	ch, err := splitChange(src, cfg, nil)
	if err != nil {
		return nil, err
	}
	if len(ch.migrations) > 0 && !f.Database.NoCache {
		// The change is committed for the pool's sessions to see it: a
		// kept seeded database must never get it.
		log("load: seeding afresh: the change is applied for good here, and a kept database must stay as seeded")
		f.Database.NoCache = true
	}

	sd, err := startSeeded(ctx, f.Database, cfg, ch, logw)
	if err != nil {
		return nil, err
	}
	defer closeSeeded(ctx, sd, &err, log)
	res.Provider, res.ServerVersion = sd.db.Provider, sd.serverVersion
	if err := commitChange(ctx, sd, ch, cfg, log); err != nil {
		return nil, err
	}
	if work = loadArgs(ctx, sd.conn, cfg, work); len(work) == 0 {
		return nil, fmt.Errorf("no query to run: none could be given parameter values (pin them with config params: or \"-- qreview:params\")")
	}
	for st, err := range sd.errs {
		log("%s:%d: %v (the load goes on without it)", st.File, st.Line, err)
	}

	pool, err := openPool(ctx, sd.db.DSN, res.PoolSize)
	if err != nil {
		return nil, fmt.Errorf("%s database: connection pool: %w", sd.db.Provider, err)
	}
	defer pool.Close()
	log("load: %d queries for %s, %d workers, a pool of %d connections", len(work), f.Duration, f.Concurrency, res.PoolSize)
	calls, wall, waited := runWorkers(ctx, pool, work, f.Concurrency, f.Duration, cfg.StatementTimeout)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	summarize(res, work, calls, wall, traffic)
	res.WaitedCalls = waited
	return res, nil
}

// loadItem is one query the workers run, with its parameter values and
// its place in the result.
type loadItem struct {
	st     *analyzer.Statement
	pinned map[int]*string // values the user pinned, by $n
	args   []any
	out    *LoadQuery
}

// loadWork picks the queries to run and lists every query in the result,
// the ones it cannot run with the reason.
func loadWork(cfg *config.Config, queries []*analyzer.Statement) ([]loadItem, *LoadResult, error) {
	res := &LoadResult{Schema: "qreview/load/v1", Queries: make([]LoadQuery, len(queries))}
	var work []loadItem
	for i, st := range queries {
		q := &res.Queries[i]
		*q = LoadQuery{ID: st.ID, File: st.File, Line: st.Line, Name: st.Name}
		pinned, _, err := cfg.PinnedParams(st)
		switch {
		case err != nil:
			return nil, nil, err
		case !st.Explainable():
			q.Skipped = "not a query"
		case !st.ReadOnly():
			q.Skipped = "writes: load runs read-only queries only"
		default:
			work = append(work, loadItem{st: st, pinned: pinned, out: q})
		}
	}
	return work, res, nil
}

// loadArgs gives each parameterized query its values: the pinned ones
// (config params: or "-- qreview:params"), else the typical value set
// the review plans with, drawn from the seeded data's statistics. They
// go as text, which the server reads in the parameter's type. A query
// whose values cannot be had is skipped, with the reason.
func loadArgs(ctx context.Context, db explain.DB, cfg *config.Config, work []loadItem) []loadItem {
	var safe []loadItem
	for _, w := range work { // the load commits: nothing that writes or calls a volatile function runs
		if ok, why, err := explain.SafeToRun(ctx, db, w.st); err != nil || !ok {
			w.out.Skipped = "not run: " + cmp.Or(why, fmt.Sprint(err))
			continue
		}
		safe = append(safe, w)
	}
	work = safe
	stats := explain.NewStats(db)
	var queries []*analyzer.Statement
	for _, w := range work {
		queries = append(queries, w.st)
	}
	stats.Preload(ctx, queries) // a failure here shows as each query's own below
	var out []loadItem
	for _, w := range work {
		if w.st.Params > 0 {
			set, err := typicalValues(ctx, db, stats, cfg, w)
			if err != nil {
				w.out.Skipped = "parameters: no values: " + err.Error()
				continue
			}
			w.args = make([]any, len(set.Params))
			for i, p := range set.Params {
				if p.Value != nil {
					w.args[i] = *p.Value
				}
			}
			w.out.Values = set.String()
		}
		out = append(out, w)
	}
	return out
}

func typicalValues(ctx context.Context, db explain.DB, stats *explain.Stats, cfg *config.Config, w loadItem) (*explain.ParamSet, error) {
	p, err := explain.Prepare(ctx, db, w.st)
	if err != nil {
		return nil, err
	}
	defer p.Close(ctx)
	sets, err := stats.Sets(ctx, w.st, p.Types, explain.ValueOptions{Limit: cfg.PageSize, Offset: cfg.PageOffset, Pinned: w.pinned, PinnedBy: "config"})
	if err != nil {
		return nil, err
	}
	return &sets[0], nil // the typical values come first
}

// defaultPoolSize: the pool of the config's only service, when it has
// one, else one connection per worker.
func defaultPoolSize(cfg *config.Config, concurrency int) int {
	if len(cfg.Services) == 1 {
		for _, s := range cfg.Services {
			if s.Pool.Size > 0 {
				return s.Pool.Size
			}
		}
	}
	return concurrency
}

// commitChange applies the change's migrations on the seeded database and
// commits them, so that every pooled session sees the schema under review.
func commitChange(ctx context.Context, sd *seeded, ch change, cfg *config.Config, log func(string, ...any)) error {
	if len(ch.migrations) == 0 {
		return nil
	}
	tx, err := sd.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	none := func(context.Context, *analyzer.Statement) error { return nil }
	if _, err := applyChange(ctx, tx, sd.db, ch, cfg, sd.errs, log, none); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit the change: %w", err)
	}
	return nil
}

// openPool opens the workers' pool as the run's unprivileged role, with
// all its connections open before the clock starts. A cancelled call
// cancels its statement on the server, as explain.Connect does.
func openPool(ctx context.Context, dsn string, size int) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	pc.MaxConns, pc.MinConns = int32(size), 0
	pc.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, CancelRequestDelay: 0, DeadlineDelay: 5 * time.Second}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	conns := make([]*pgxpool.Conn, 0, size)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range size {
		c, err := pool.Acquire(ctx)
		if err != nil {
			pool.Close()
			return nil, err
		}
		conns = append(conns, c)
	}
	return pool, nil
}

// summarize fills the result from the calls: per query, the latency
// percentiles of the calls that succeeded, errors and pool wait.
func summarize(res *LoadResult, work []loadItem, calls []loadCall, wall time.Duration, traffic map[*analyzer.Statement][]rules.Traffic) {
	latencies := make([][]time.Duration, len(work))
	waits := make([]time.Duration, len(work))
	var allWait time.Duration
	for _, c := range calls {
		q := work[c.item].out
		q.Calls++
		waits[c.item] += c.wait
		allWait += c.wait
		if c.err != nil {
			q.Errors++
			if q.FirstError == "" {
				q.FirstError = c.err.Error()
			}
			continue
		}
		latencies[c.item] = append(latencies[c.item], c.took)
	}
	for i, item := range work {
		q := item.out
		lat := summarizeLatencies(latencies[i])
		q.P50MS, q.P95MS, q.P99MS, q.MaxMS, q.MeanMS = lat.p50, lat.p95, lat.p99, lat.max, lat.mean
		if q.Calls > 0 {
			q.MeanWaitMS = ms(waits[i]) / float64(q.Calls)
		}
		for _, t := range traffic[item.st] {
			if len(latencies[i]) == 0 || t.PoolSize <= 0 {
				continue
			}
			busy, share := rules.PoolLoad(t.CallsPerSecond, q.MeanMS, t.PoolSize)
			q.Pools = append(q.Pools, LoadPoolShare{Service: t.Service, CallsPerSecond: t.CallsPerSecond, PoolSize: t.PoolSize, BusyConnections: busy, Share: share})
		}
		res.Calls += q.Calls
		res.Errors += q.Errors
	}
	res.DurationS = wall.Seconds()
	if wall > 0 {
		res.Throughput = float64(res.Calls) / wall.Seconds()
	}
	if res.Calls > 0 {
		res.MeanWaitMS = ms(allWait) / float64(res.Calls)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeLoadText writes the result as a table, one query per line.
// WriteText writes the load result as a table.
func (res *LoadResult) WriteText(w io.Writer) error {
	// The query last, so that the numbers line up right-aligned.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "calls\terrors\tp50 ms\tp95 ms\tp99 ms\tmax ms\twait ms\t  query")
	var notes []string
	for _, q := range res.Queries {
		where := fmt.Sprintf("%s:%d", q.File, q.Line)
		if q.Name != "" {
			where += " " + q.Name
		}
		if q.Skipped != "" {
			notes = append(notes, fmt.Sprintf("%s: skipped (%s)", where, q.Skipped))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t  %s\n", format.Count(float64(q.Calls)), format.Count(float64(q.Errors)),
			msText(q.P50MS), msText(q.P95MS), msText(q.P99MS), msText(q.MaxMS), msText(q.MeanWaitMS), where)
		if q.Values != "" {
			notes = append(notes, fmt.Sprintf("%s: with %s", where, q.Values))
		}
		if q.FirstError != "" {
			notes = append(notes, fmt.Sprintf("%s: %d errors, the first: %s", where, q.Errors, q.FirstError))
		}
		for _, p := range q.Pools {
			notes = append(notes, fmt.Sprintf("%s: at %g calls/s (service %s), its mean of %s ms here keeps %.1f connections busy, %.0f%% of its pool of %d",
				where, p.CallsPerSecond, p.Service, msText(q.MeanMS), p.BusyConnections, 100*p.Share, p.PoolSize))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	_, err := fmt.Fprintf(w, "\n%s calls in %.1fs (%s/s), %s errors; %d workers on a pool of %d (%s PostgreSQL %s): mean wait for a connection %s ms, %s calls found none idle\n",
		format.Count(float64(res.Calls)), res.DurationS, format.Count(res.Throughput), format.Count(float64(res.Errors)),
		res.Concurrency, res.PoolSize, res.Provider, res.ServerVersion, msText(res.MeanWaitMS), format.Count(float64(res.WaitedCalls)))
	return err
}

// msText writes milliseconds with three significant digits.
func msText(v float64) string {
	if v >= 1000 {
		return format.Count(v)
	}
	return fmt.Sprintf("%.3g", v)
}
