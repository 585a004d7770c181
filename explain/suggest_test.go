package explain

import (
	"context"
	"testing"
)

func TestProposeIndexFromTheConditions(t *testing.T) {
	tests := []struct{ sql, table, want string }{
		{"SELECT * FROM payments WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT 100", "payments",
			"CREATE INDEX CONCURRENTLY ON payments (status, created_at);"},
		{"SELECT * FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.provider = $1 AND o.status = 'paid'", "payments",
			"CREATE INDEX CONCURRENTLY ON payments (provider);"},
		{"SELECT * FROM payments WHERE created_at BETWEEN $1 AND $2 AND status IN ('a', 'b')", "payments",
			"CREATE INDEX CONCURRENTLY ON payments (status, created_at);"},
		{"SELECT * FROM events ORDER BY happened_at DESC LIMIT 10", "events", "CREATE INDEX CONCURRENTLY ON events (happened_at);"},
		{"UPDATE jobs SET done = true WHERE queue = $1 AND \"RunAt\" < now()", "jobs", `CREATE INDEX CONCURRENTLY ON jobs (queue, "RunAt");`},
		{"SELECT * FROM users WHERE email LIKE 'ann%'", "users", "CREATE INDEX CONCURRENTLY ON users (email);"},
		{"SELECT * FROM users WHERE email LIKE '%ann'", "users", ""}, // a leading wildcard: no B-tree helps
		{"SELECT count(*) FROM users", "users", ""},
		{"SELECT * FROM users WHERE status <> 'gone'", "users", ""},
		// A schema-qualified table keeps its schema.
		{"SELECT id FROM app.users u WHERE u.email = $1", "users", "CREATE INDEX CONCURRENTLY ON app.users (email);"},
	}
	for _, tt := range tests {
		if got := ProposeIndex(statement(t, "S1", tt.sql), tt.table); got != tt.want {
			t.Errorf("ProposeIndex(%q) = %q, want %q", tt.sql, got, tt.want)
		}
	}
}

func TestProveIndexWithHypopgAndWithARealIndex(t *testing.T) {
	ctx := context.Background()
	conn := connect(t)
	if _, err := conn.Exec(ctx, `
		CREATE EXTENSION IF NOT EXISTS hypopg;
		CREATE TABLE tickets (id bigint PRIMARY KEY, state text NOT NULL, opened timestamptz NOT NULL);
		INSERT INTO tickets SELECT i, CASE WHEN i % 100 = 0 THEN 'open' ELSE 'closed' END, now() - i * interval '1 minute'
		FROM generate_series(1, 200000) i;
		ANALYZE tickets`); err != nil {
		t.Skipf("hypopg not installed here: %v", err) // .ci/run installs postgresql-15-hypopg
	}
	rare := statement(t, "S1", "SELECT id FROM tickets WHERE state = 'open' AND opened < $1 ORDER BY opened LIMIT 50")
	common := statement(t, "S2", "SELECT id FROM tickets WHERE state = 'closed'") // 99% of rows: a scan is right
	for _, hypopg := range []bool{true, false} {
		before, err := Explain(ctx, conn, rare)
		if err != nil {
			t.Fatal(err)
		}
		create := ProposeIndex(rare, "tickets")
		proof, err := ProveIndex(ctx, conn, rare, create, before, nil, hypopg)
		if err != nil || proof == nil {
			t.Fatalf("hypopg %v: proof %+v, err %v; want the index proven", hypopg, proof, err)
		}
		if proof.CostAfter >= proof.CostBefore/10 || proof.After.Root.Plans[0].IndexName == "" {
			t.Errorf("hypopg %v: cost %g → %g, plan root %s; want an index scan at a tenth of the cost",
				hypopg, proof.CostBefore, proof.CostAfter, proof.After.Root.Label())
		}
		before, _ = Explain(ctx, conn, common)
		if proof, err := ProveIndex(ctx, conn, common, ProposeIndex(common, "tickets"), before, nil, hypopg); err != nil || proof != nil {
			t.Errorf("hypopg %v: index on a 99%% value proven (%+v, %v); the planner should keep scanning", hypopg, proof, err)
		}
	}
	// Nothing is left behind: no hypothetical index, no real one.
	var hypothetical, real int
	conn.QueryRow(ctx, "SELECT count(*) FROM hypopg_list_indexes").Scan(&hypothetical)
	conn.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE tablename = 'tickets'").Scan(&real)
	if hypothetical != 0 || real != 1 {
		t.Errorf("%d hypothetical and %d real indexes left, want 0 and the primary key", hypothetical, real)
	}
}
