package review

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/qreview/qreview/explain"
)

// loadCall is one call of a query: how long it waited for a connection,
// how long the query took once it had one (to its last row), and its error.
type loadCall struct {
	item       int
	wait, took time.Duration
	err        error
}

// runWorkers runs the queries round robin from n workers until duration
// has passed, each worker calling back to back; a call under way at the
// end is finished and counted. It returns every call, the wall time from
// the start to the last call's end, and how many calls found no idle
// connection. Cancelling ctx stops the workers at once.
func runWorkers(ctx context.Context, pool *pgxpool.Pool, work []loadItem, n int, duration, timeout time.Duration) ([]loadCall, time.Duration, int64) {
	var next atomic.Int64
	perWorker := make([][]loadCall, n)
	emptyBefore := pool.Stat().EmptyAcquireCount()
	start := time.Now()
	deadline := start.Add(duration)
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1)-1) % len(work)
				c := call(ctx, pool, work[i], timeout)
				if ctx.Err() != nil {
					return // interrupted: the call proves nothing
				}
				c.item = i
				perWorker[w] = append(perWorker[w], c)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	return slices.Concat(perWorker...), wall, pool.Stat().EmptyAcquireCount() - emptyBefore
}

// call runs one query to its last row on a pooled connection, within
// statement_timeout (enforced from outside, as for the review).
func call(ctx context.Context, pool *pgxpool.Pool, item loadItem, timeout time.Duration) loadCall {
	var c loadCall
	acquire := time.Now()
	conn, err := pool.Acquire(ctx)
	c.wait = time.Since(acquire)
	if err != nil {
		c.err = err
		return c
	}
	defer conn.Release()
	began := time.Now()
	c.err = explain.Limit(ctx, timeout, func(ctx context.Context) error {
		rows, err := conn.Query(ctx, item.st.SQL, item.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.Err()
	})
	c.took = time.Since(began)
	return c
}

// latencies are the summary of one query's successful calls.
type latencies struct{ p50, p95, p99, max, mean float64 }

// summarizeLatencies takes exact percentiles from every sample, by the
// nearest-rank method: a run keeps one duration per call (8 bytes; a
// million calls are 8 MB), so there is no need for a histogram's
// approximation or a dependency.
func summarizeLatencies(samples []time.Duration) latencies {
	if len(samples) == 0 {
		return latencies{}
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	rank := func(p float64) float64 {
		i := int(float64(len(sorted))*p+0.999999999) - 1 // ceil(p·n), 1-based
		return ms(sorted[max(0, min(i, len(sorted)-1))])
	}
	var sum time.Duration
	for _, s := range sorted {
		sum += s
	}
	return latencies{p50: rank(0.50), p95: rank(0.95), p99: rank(0.99), max: ms(sorted[len(sorted)-1]), mean: ms(sum) / float64(len(sorted))}
}
