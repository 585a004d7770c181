package explain

import (
	"context"
	"testing"
)

// TestSafeToRun: only statements that read and call no volatile function
// may run under EXPLAIN ANALYZE.
func TestSafeToRun(t *testing.T) {
	ctx := context.Background()
	conn := connect(t)
	if _, err := conn.Exec(ctx, `
		CREATE TABLE sr_items (id int PRIMARY KEY, name text);
		CREATE SEQUENCE sr_seq;
		CREATE SCHEMA sr_app;
		CREATE FUNCTION sr_app.touch(i int) RETURNS int LANGUAGE sql VOLATILE AS 'INSERT INTO sr_items VALUES (i, ''x'') RETURNING id';
		CREATE FUNCTION sr_app.label(i int) RETURNS text LANGUAGE sql STABLE AS 'SELECT name FROM sr_items WHERE id = i';
		CREATE FUNCTION sr_twice(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i * 2';
		CREATE FUNCTION sr_twice(i text) RETURNS text LANGUAGE sql VOLATILE AS 'SELECT i || i'`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sql  string
		safe bool
	}{
		{"SELECT id, upper(name), count(*) OVER () FROM sr_items WHERE id > 3", true},
		{"SELECT sr_app.label(id) FROM sr_items", true},                       // stable
		{"SELECT now(), coalesce(name, 'x') FROM sr_items", true},             // stable built-in
		{"SELECT nextval('sr_seq')", false},                                   // known to write, even without the database
		{"SELECT sr_app.touch(1)", false},                                     // a user function that writes
		{"SELECT * FROM sr_items WHERE id = (SELECT sr_app.touch(2))", false}, // in a subquery
		{"SELECT random()", false},                                            // volatile built-in
		{"SELECT sr_twice(2)", false},                                         // one overload is volatile
		{"SELECT sr_nowhere(1)", false},                                       // unknown
		{"WITH gone AS (DELETE FROM sr_items RETURNING id) SELECT count(*) FROM gone", false},
		{"SELECT * FROM (SELECT * FROM sr_items FOR UPDATE) locked", false},
		{"SELECT * INTO sr_copy FROM sr_items", false},
		{"UPDATE sr_items SET name = 'y'", false},
	}
	for _, tt := range tests {
		ok, why, err := SafeToRun(ctx, conn, statement(t, "S1", tt.sql))
		if err != nil {
			t.Fatalf("%s: %v", tt.sql, err)
		}
		if ok != tt.safe || (!ok && why == "") {
			t.Errorf("SafeToRun(%s) = %v (%s), want %v", tt.sql, ok, why, tt.safe)
		}
	}
}
