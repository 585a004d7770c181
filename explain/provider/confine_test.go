package provider

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var testLimits = Limits{StatementTimeout: 30 * time.Second, LockTimeout: 5 * time.Second}

// escapes are what a hostile migration tries; none may work as the run
// role, on any provider. %s is the database to attack.
var escapes = []string{
	"DROP DATABASE %s",
	"ALTER DATABASE %s RENAME TO stolen",
	"ALTER DATABASE %s OWNER TO qreview_owner",
	"ALTER DATABASE %s SET search_path = evil",
	"COPY (SELECT 1) TO PROGRAM 'true'",
	"CREATE ROLE intruder SUPERUSER",
	"ALTER ROLE qreview_owner CREATEDB",
	"RESET ROLE; DROP DATABASE %s",
}

// tryEscapes runs each escape as the run role and fails the test if one
// works.
func tryEscapes(t *testing.T, runDSN, target string) {
	t.Helper()
	ctx := context.Background()
	for _, e := range escapes {
		conn, err := pgx.Connect(ctx, runDSN)
		if err != nil {
			t.Fatal(err)
		}
		sql := strings.ReplaceAll(e, "%s", target)
		if _, err := conn.Exec(ctx, sql); err == nil {
			t.Errorf("the run role could: %s", sql)
		}
		conn.Close(ctx)
	}
}

// The case that shipped: a migration saying DROP DATABASE appdb, on a DSN
// whose role owns appdb. As a superuser and as a CREATEROLE non-superuser
// alike, the reviewed SQL runs as the run role and cannot drop it; the
// review's own work still works; Close leaves nothing.
func TestDSNReviewedSQLCannotTouchTheApplicationDatabase(t *testing.T) {
	super := userServer(t)
	for _, tc := range []struct{ name, attrs string }{
		{"superuser", "SUPERUSER"},
		{"createrole", "CREATEDB CREATEROLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dsn, appdb := appRole(t, super, "app_"+tc.name, tc.attrs)
			db, err := Start(ctx, Options{Kind: DSN, DSN: dsn})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Confine(ctx, testLimits); err != nil {
				t.Fatal(err)
			}
			scratch := one[string](t, db.DSN, "SELECT current_database()")
			who := one[string](t, db.DSN, "SELECT session_user || ' as ' || current_user")
			if !strings.HasPrefix(who, runRolePrefix) || !strings.HasSuffix(who, " as "+OwnerRole) {
				t.Errorf("reviewed SQL runs as %s, want a qreview_run_* role acting as %s", who, OwnerRole)
			}
			// The review's own work: a schema in the scratch database.
			run(t, db.DSN, "CREATE TABLE t (id bigserial PRIMARY KEY, v text)", "CREATE SCHEMA billing",
				"CREATE INDEX ON t (v)", "INSERT INTO t (v) VALUES ('a')")
			tryEscapes(t, db.DSN, appdb)
			tryEscapes(t, db.DSN, "postgres")
			// Connected to appdb itself (PUBLIC may connect there: qreview
			// leaves the user's databases as they are), it can change nothing.
			if conn, err := pgx.Connect(ctx, withDatabase(db.DSN, appdb)); err == nil {
				for _, sql := range []string{"DROP TABLE orders", "DELETE FROM orders", "CREATE TABLE public.x ()", "DROP DATABASE " + appdb} {
					if _, err := conn.Exec(ctx, sql); err == nil {
						t.Errorf("the run role, connected to %s, could: %s", appdb, sql)
					}
				}
				conn.Close(ctx)
			}
			if n := one[int](t, super, "SELECT count(*) FROM pg_database WHERE datname = $1", appdb); n != 1 {
				t.Fatalf("%s is gone", appdb)
			}
			if n := one[int](t, dsn, "SELECT count(*) FROM orders"); n != 1 {
				t.Errorf("%s.orders has %d rows, want 1", appdb, n)
			}
			if owner := one[string](t, super, "SELECT datdba::regrole::text FROM pg_database WHERE datname = $1", scratch); owner != "app_"+tc.name {
				t.Errorf("the scratch database is owned by %s, want the DSN's role: its members must not be able to drop it", owner)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if left := qreviewLeftovers(t, super); left != "" {
				t.Errorf("left after Close: %s", left)
			}
		})
	}
}

// A non-superuser that cannot create roles is refused before anything is
// made, with the grant it needs; it is never used to run reviewed SQL.
func TestDSNWithoutCreateRoleIsRefused(t *testing.T) {
	super := userServer(t)
	dsn, _ := appRole(t, super, "app_plain", "CREATEDB")
	db, err := Start(context.Background(), Options{Kind: DSN, DSN: dsn})
	if err == nil {
		db.Close()
		t.Fatal("started on a role that cannot make the run role")
	}
	if !strings.Contains(err.Error(), "ALTER ROLE app_plain CREATEROLE") {
		t.Errorf("the refusal does not name the grant: %v", err)
	}
	if left := qreviewLeftovers(t, super); left != "" {
		t.Errorf("the refusal left %s", left)
	}
	// Confine refuses too, whoever started the database.
	refused := &Database{Provider: DSN, Detail: "test", admin: dsn}
	if err := refused.Confine(context.Background(), testLimits); err == nil || !strings.Contains(err.Error(), "CREATEROLE") {
		t.Errorf("Confine as a role without CREATEROLE: %v", err)
	}
}

// The local provider's server is all qreview's, but the reviewed SQL still
// runs without its superuser's rights.
func TestLocalReviewedSQLRunsUnprivileged(t *testing.T) {
	ctx := context.Background()
	db, err := StartLocal(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Confine(ctx, testLimits); err != nil {
		t.Fatal(err)
	}
	run(t, db.AdminDSN, "CREATE DATABASE other")
	run(t, db.DSN, "CREATE TABLE t (id int)")
	tryEscapes(t, db.DSN, "other")
	tryEscapes(t, db.DSN, "template1")
	if n := one[int](t, db.AdminDSN, "SELECT count(*) FROM pg_database WHERE datname = 'other'"); n != 1 {
		t.Error("the run role dropped a database")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// What Close cannot remove is reported with the command that removes it:
// here a session of another role keeps the scratch database open, and the
// DSN's non-superuser role may not end it.
func TestDSNCleanupFailureIsReported(t *testing.T) {
	super := userServer(t)
	ctx := context.Background()
	dsn, _ := appRole(t, super, "app_watched", "CREATEDB CREATEROLE")
	db, err := Start(ctx, Options{Kind: DSN, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Confine(ctx, testLimits); err != nil {
		t.Fatal(err)
	}
	scratch := one[string](t, db.DSN, "SELECT current_database()")
	watcher, err := pgx.Connect(ctx, dsnAs(super, "postgres", scratch))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Close()
	watcher.Close(ctx)
	var cerr *CleanupError
	if !errors.As(err, &cerr) {
		t.Fatalf("Close with the database held open returned %v, want a CleanupError", err)
	}
	if len(cerr.Left) != 1 || !strings.Contains(cerr.Left[0].What, scratch) || !strings.Contains(cerr.Left[0].Remove, "DROP DATABASE "+scratch) {
		t.Errorf("the report does not say what is left and how to remove it: %v", err)
	}
	if again := db.Close(); again != err {
		t.Errorf("second Close returned %v, want the first result", again)
	}
	// The run role went all the same.
	if n := one[int](t, super, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'qreview\\_run\\_%'"); n != 0 {
		t.Errorf("%d run roles left", n)
	}
	run(t, super, "DROP DATABASE "+scratch)
}

// Ctrl-C: the run's context is cancelled while its role still has a
// session open (a review mid-statement); Close still ends the session and
// removes the run role and the scratch database.
func TestDSNCloseAfterCancelRemovesEverything(t *testing.T) {
	super := userServer(t)
	dsn, _ := appRole(t, super, "app_cancel", "CREATEDB CREATEROLE")
	ctx, cancel := context.WithCancel(context.Background())
	db, err := Start(ctx, Options{Kind: DSN, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Confine(ctx, testLimits); err != nil {
		db.Close()
		t.Fatal(err)
	}
	busy, err := pgx.Connect(ctx, db.DSN)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	defer busy.Close(context.Background())
	cancel()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if left := qreviewLeftovers(t, super); left != "" {
		t.Errorf("left after a cancelled run's Close: %s", left)
	}
}
