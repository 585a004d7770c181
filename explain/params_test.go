package explain

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestValueSetsComeFromTheSeededStatistics: the values a query is planned
// with are the data's own: a typical value, the most common and a rare
// one from pg_stats, an id that exists, a page size for LIMIT, and pinned
// values, checked against the parameter's type.
func TestValueSetsComeFromTheSeededStatistics(t *testing.T) {
	ctx := context.Background()
	conn := connect(t)
	if _, err := conn.Exec(ctx, `
		CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, placed timestamptz NOT NULL, note text);
		INSERT INTO orders SELECT i, CASE WHEN i % 100 = 0 THEN 'open' WHEN i % 10 = 0 THEN 'held' ELSE 'done' END,
		       '2025-01-01'::timestamptz + i * interval '1 minute', NULL
		FROM generate_series(1, 50000) i;
		CREATE TABLE tiny (code text PRIMARY KEY);
		INSERT INTO tiny VALUES ('eu'), ('us');
		ANALYZE orders;`); err != nil {
		t.Fatal(err)
	}
	stats := NewStats(conn)
	sets := func(sql string, opts ValueOptions) map[string]string {
		t.Helper()
		st := statement(t, "S1", sql)
		p, err := Prepare(ctx, conn, st)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(ctx)
		got, err := stats.Sets(ctx, st, p.Types, opts)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, s := range got {
			out[s.Name] = s.String()
		}
		return out
	}
	page := ValueOptions{Limit: 50, Offset: 100}

	got := sets("SELECT id FROM orders WHERE status = $1", page)
	if got["common"] != "$1='done'" || got["rare"] != "$1='open'" || got["typical"] != "$1='held'" {
		t.Errorf("status = $1: %v; want typical held, common done, rare open", got)
	}

	got = sets("SELECT status FROM orders o WHERE o.id = $1", page)
	var exists bool
	id := strings.Trim(strings.TrimPrefix(got["typical"], "$1="), "'")
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1::bigint)", id).Scan(&exists); err != nil || !exists {
		t.Errorf("id = $1: typical %s is not an id in orders (%v)", got["typical"], err)
	}

	got = sets("SELECT id FROM orders WHERE placed < $1 ORDER BY placed LIMIT $2 OFFSET $3", page)
	if !strings.HasSuffix(got["typical"], "$2='50', $3='100'") || got["common"] == got["rare"] {
		t.Errorf("range with LIMIT and OFFSET: %v; want the page size and depth, and a wide and a narrow bound", got)
	}

	st := statement(t, "S1", "SELECT id FROM orders WHERE id = ANY($1)")
	arrays, err := stats.Sets(ctx, st, func(context.Context) ([]string, error) { return []string{"bigint[]"}, nil }, page)
	if err != nil || len(arrays) != 2 || strings.Count(*arrays[0].Params[0].Value, ",") != 9 || strings.Count(*arrays[1].Params[0].Value, ",") != 0 {
		t.Errorf("ANY($1): %v (%v); want ten typical values and one rare value (a key has no most common values)", arrays, err)
	}

	got = sets("SELECT code FROM tiny WHERE code = $1", page) // never analyzed: a sampled value
	if got["typical"] != "$1='eu'" && got["typical"] != "$1='us'" {
		t.Errorf("a table without statistics: %v; want a value sampled from it", got)
	}

	eu := "eu"
	got = sets("SELECT id FROM orders WHERE status = $1 AND note = $2", ValueOptions{Limit: 50, Pinned: map[int]*string{1: &eu}, PinnedBy: "a test"})
	if len(got) != 1 || !strings.HasPrefix(got["typical"], "$1='eu', $2=") {
		t.Errorf("pinned $1 and an all-NULL column: %v; want one set with $1='eu'", got)
	}

	bad := "soon"
	st = statement(t, "S2", "-- name: LatestOrders :many\nSELECT id FROM orders WHERE placed > $1")
	_, err = PlanAll(ctx, conn, st, stats, PlanOptions{CacheMode: CacheAuto, Values: ValueOptions{Limit: 50, Pinned: map[int]*string{1: &bad}}})
	var pinned *PinnedError
	if !errors.As(err, &pinned) || !strings.Contains(err.Error(), "LatestOrders: pinned value of $1") || !strings.Contains(err.Error(), "soon") {
		t.Errorf("a pinned value of the wrong type: %v; want an error naming the query and $1", err)
	}
	if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
		t.Errorf("the connection is unusable after the refused value: %v", err)
	}
}
