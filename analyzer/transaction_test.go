package analyzer

import "testing"

// TestMigrationTransaction: the transaction each tool gives a file in
// production, from its format, its opt-out marker and its statements.
func TestMigrationTransaction(t *testing.T) {
	tests := []struct {
		path, src string
		want      Transaction
	}{
		{"db/1_a.up.sql", "CREATE TABLE a (id int); CREATE INDEX ON a (id);", TxImplicit},
		{"db/1_a.up.sql", "CREATE INDEX CONCURRENTLY ON a (id);", TxNone}, // one statement: no implicit block
		{"db/1_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n", TxFile},
		{"db/1_a.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY ON a (id);\nSELECT 1;\n", TxNone},
		// goose reads its annotations in any case (hatchet writes them lower-case).
		{"db/1_a.sql", "-- +goose no transaction\n-- +goose up\nCREATE INDEX CONCURRENTLY ON a (id);\nSELECT 1;\n", TxNone},
		{"db/1_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n", TxFile},
		{"db/1_a.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY ON a (id);\nSELECT 1;\n", TxImplicit},
		{"db/V1__a.sql", "CREATE TABLE a (id int); SELECT 1;", TxFile},
		{"db/V2__a.sql", "CREATE INDEX CONCURRENTLY ON a (id);", TxNone},
		{"migrations/001_a.sql", "CREATE TABLE a (id int); SELECT 1;", TxNone},
	}
	for _, tt := range tests {
		role := classify(tt.path, tt.src)
		kept, _ := role.up(tt.src)
		stmts, err := ParseSQL(tt.path, kept, KindMigration)
		if err != nil {
			t.Fatal(err)
		}
		m := &Migration{File: tt.path, Format: role.format, NoTransaction: role.noTx, Statements: stmts}
		if got := m.Transaction(); got != tt.want {
			t.Errorf("%s %q: %s, want %s", tt.path, tt.src, got, tt.want)
		}
	}
}

func TestNoTransactionStatement(t *testing.T) {
	tests := map[string]string{
		"CREATE INDEX CONCURRENTLY i ON t (a)":           "CREATE INDEX CONCURRENTLY",
		"DROP INDEX CONCURRENTLY i":                      "DROP INDEX CONCURRENTLY",
		"REINDEX INDEX CONCURRENTLY i":                   "REINDEX CONCURRENTLY",
		"ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY": "DETACH PARTITION CONCURRENTLY",
		"VACUUM t":                          "VACUUM",
		"DROP DATABASE app":                 "DROP DATABASE",
		"ALTER SYSTEM SET work_mem = '1GB'": "ALTER SYSTEM",
		"CREATE INDEX i ON t (a)":           "",
		"ALTER TABLE p DETACH PARTITION p1": "",
		"ANALYZE t":                         "",
		"ALTER TYPE mood ADD VALUE 'meh'":   "", // runs in a transaction since PostgreSQL 12
	}
	for sql, want := range tests {
		stmts, err := ParseSQL("m.sql", sql, KindMigration)
		if err != nil {
			t.Fatal(err)
		}
		if got := NoTransactionStatement(stmts[0]); got != want {
			t.Errorf("NoTransactionStatement(%s) = %q, want %q", sql, got, want)
		}
	}
}

func TestReadOnly(t *testing.T) {
	tests := map[string]bool{
		"SELECT a FROM t WHERE b = 1":                           true,
		"SELECT count(*) FROM t":                                true,
		"SELECT nextval('s')":                                   false,
		"SELECT pg_catalog.setval('s', 1)":                      false,
		"SELECT * FROM t FOR UPDATE":                            false,
		"SELECT * FROM (SELECT * FROM t FOR SHARE) x":           false,
		"WITH d AS (DELETE FROM t RETURNING a) SELECT * FROM d": false,
		"SELECT * INTO copy FROM t":                             false,
		"UPDATE t SET a = 1":                                    false,
		"EXPLAIN ANALYZE SELECT 1":                              false,
	}
	for sql, want := range tests {
		stmts, err := ParseSQL("q.sql", sql, KindQuery)
		if err != nil {
			t.Fatal(err)
		}
		if got := stmts[0].ReadOnly(); got != want {
			t.Errorf("ReadOnly(%s) = %v, want %v", sql, got, want)
		}
	}
}
