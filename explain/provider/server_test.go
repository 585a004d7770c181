package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The DSN tests share one throwaway local cluster: a real PostgreSQL that
// plays the user's server, with the user's roles and application database.
var (
	shared     *Database
	sharedErr  error
	sharedOnce sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

// userServer returns the shared cluster's superuser DSN (database
// postgres), starting the cluster on first use.
func userServer(t *testing.T) string {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = StartLocal(context.Background(), nil) })
	if sharedErr != nil {
		t.Fatalf("the DSN tests need PostgreSQL server binaries: %v", sharedErr)
	}
	return shared.DSN
}

// dsnAs is superuser's DSN pointed at another role and database.
func dsnAs(superuser, role, database string) string {
	return strings.Replace(superuser, "user=postgres dbname=postgres", "user="+role+" dbname="+database, 1)
}

// run runs statements on dsn, failing the test on error.
func run(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// one returns the single value a query gives on dsn.
func one[T any](t *testing.T, dsn, query string, args ...any) T {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

// appRole makes a role that owns its application database appdb_<role>,
// with the given attributes, and drops both at the end of the test.
func appRole(t *testing.T, super, role, attrs string) (dsn, appdb string) {
	t.Helper()
	appdb = "appdb_" + role
	run(t, super, "CREATE ROLE "+role+" LOGIN "+attrs, "CREATE DATABASE "+appdb+" OWNER "+role)
	run(t, dsnAs(super, role, appdb), "CREATE TABLE orders (id int PRIMARY KEY)", "INSERT INTO orders VALUES (1)")
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), super)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+appdb+" WITH (FORCE)")
		conn.Exec(context.Background(), "DROP OWNED BY "+role)
		conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	return dsnAs(super, role, appdb), appdb
}

// qreviewLeftovers lists the databases and roles qreview made that exist
// on the server, templates and the shared owner role aside.
func qreviewLeftovers(t *testing.T, super string) string {
	t.Helper()
	return one[string](t, super, `SELECT coalesce(string_agg(n, ' ' ORDER BY n), '') FROM (
		SELECT datname FROM pg_database WHERE datname LIKE 'qreview%' AND datname NOT LIKE 'qreview\_tpl\_%'
		UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'qreview\_run\_%') AS t(n)`)
}
