package provider

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// cacheDir is a cache dir the server's user can enter (t.TempDir's
// parent is private to root).
func cacheDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qreview-cache-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// startSeeded starts and confines a database; a cold one is seeded (a
// table of 1,000 rows, analyzed) and kept with meta.
func startSeeded(t *testing.T, opts Options) *Database {
	t.Helper()
	ctx := context.Background()
	db, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Confine(ctx, testLimits); err != nil {
		t.Fatal(err)
	}
	if !db.Warm {
		run(t, db.DSN, "CREATE TABLE items (id bigserial PRIMARY KEY, v int)",
			"INSERT INTO items (v) SELECT i % 10 FROM generate_series(1, 1000) i", "ANALYZE items")
		if err := db.KeepSeeded(ctx, []byte(`{"rows":1000}`)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func closeOK(t *testing.T, db *Database) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func entries(t *testing.T, dir string) int {
	t.Helper()
	e, err := CacheEntries(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(e)
}

// A kept cluster is reused only while it equals what was seeded: a run
// that changed it (rolled-back rows still grow the table) loses it, a
// tampered entry is seeded afresh, and a cold database that changed after
// it was seeded is not kept.
func TestLocalCacheKeepsOnlyWhatEqualsTheSeeding(t *testing.T) {
	dir := cacheDir(t)
	var log bytes.Buffer
	opts := Options{Kind: Local, Cache: &Cache{Key: "local-k", Dir: dir}, Log: &log}

	closeOK(t, startSeeded(t, opts))
	if n := entries(t, dir); n != 1 {
		t.Fatalf("%d entries after a cold run, want 1\n%s", n, log.String())
	}

	db := startSeeded(t, opts)
	if !db.Warm || string(db.Meta) != `{"rows":1000}` {
		t.Fatalf("second run: warm %v meta %s, want the kept cluster\n%s", db.Warm, db.Meta, log.String())
	}
	if n := one[int](t, db.DSN, "SELECT count(*) FROM items"); n != 1000 {
		t.Errorf("warm: %d rows, want 1000", n)
	}
	closeOK(t, db)
	if n := entries(t, dir); n != 1 {
		t.Fatalf("a run that only read lost the entry\n%s", log.String())
	}

	db = startSeeded(t, opts)
	run(t, db.DSN, "BEGIN", "INSERT INTO items (v) SELECT 1 FROM generate_series(1, 5000)", "ROLLBACK")
	closeOK(t, db)
	if n := entries(t, dir); n != 0 || !strings.Contains(log.String(), "the review changed it") {
		t.Fatalf("a run that grew a table: %d entries, want the entry removed\n%s", n, log.String())
	}

	closeOK(t, startSeeded(t, opts))
	entry, _ := CacheEntries(dir)
	os.WriteFile(filepath.Join(entry[0].Path, fingerprintFile), []byte("not this one"), 0o644)
	log.Reset()
	db = startSeeded(t, opts)
	if db.Warm || !strings.Contains(log.String(), "no longer equals what was seeded") {
		t.Fatalf("a tampered entry was used (warm %v)\n%s", db.Warm, log.String())
	}
	run(t, db.DSN, "INSERT INTO items (v) VALUES (1)") // after KeepSeeded
	log.Reset()
	closeOK(t, db)
	if n := entries(t, dir); n != 0 || !strings.Contains(log.String(), "not keeping it") {
		t.Fatalf("a database changed after seeding was kept (%d entries)\n%s", n, log.String())
	}
}

// clean and prune take the entries' locks: an entry a review holds stays
// and is reported; once free it goes.
func TestCleanCacheSkipsEntriesInUse(t *testing.T) {
	dir := cacheDir(t)
	opts := Options{Kind: Local, Cache: &Cache{Key: "clean-k", Dir: dir}}
	closeOK(t, startSeeded(t, opts))
	db := startSeeded(t, opts)
	if !db.Warm {
		t.Fatal("not warm")
	}
	removed, inUse, err := CleanCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 0 || len(inUse) != 1 || entries(t, dir) != 1 {
		t.Fatalf("clean while a review holds the entry: removed %v, in use %v", removed, inUse)
	}
	if n := one[int](t, db.DSN, "SELECT count(*) FROM items"); n != 1000 {
		t.Errorf("the held entry has %d rows", n)
	}
	closeOK(t, db)
	removed, inUse, err = CleanCache(dir)
	if err != nil || len(removed) != 1 || len(inUse) != 0 || entries(t, dir) != 0 {
		t.Fatalf("clean of a free entry: removed %v, in use %v, err %v", removed, inUse, err)
	}
}

// On a DSN the kept database is a template only the DSN's role can use,
// verified on every copy, pruned like local entries; cache clean --dsn
// removes the templates and the roles qreview made.
func TestDSNTemplates(t *testing.T) {
	super := userServer(t)
	ctx := context.Background()
	dsn, _ := appRole(t, super, "app_cache", "CREATEDB CREATEROLE")
	var log bytes.Buffer
	opts := Options{Kind: DSN, DSN: dsn, Cache: &Cache{Key: "dsn-k"}, Log: &log}

	closeOK(t, startSeeded(t, opts))
	tpl := one[string](t, super, "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname LIKE 'qreview\\_tpl\\_%'")
	if !strings.HasPrefix(tpl, templatePrefix) || strings.Contains(tpl, " ") {
		t.Fatalf("templates after a cold run: %q\n%s", tpl, log.String())
	}
	run(t, super, "CREATE ROLE outsider LOGIN")
	defer run(t, super, "DROP ROLE outsider")
	if owner := one[string](t, super, "SELECT datdba::regrole::text FROM pg_database WHERE datname = $1", tpl); owner != "app_cache" {
		t.Errorf("template owned by %s, want the DSN's role", owner)
	}
	if one[bool](t, super, "SELECT has_database_privilege('outsider', $1, 'CONNECT')", tpl) {
		t.Error("any role may connect to the template")
	}

	db := startSeeded(t, opts)
	if !db.Warm || one[int](t, db.DSN, "SELECT count(*) FROM items") != 1000 {
		t.Fatalf("warm run: warm %v\n%s", db.Warm, log.String())
	}
	closeOK(t, db)

	run(t, dsnAs(super, "postgres", tpl), "INSERT INTO items (v) VALUES (1)")
	log.Reset()
	db = startSeeded(t, opts)
	if db.Warm || !strings.Contains(log.String(), "no longer equals what was seeded") {
		t.Fatalf("a changed template was used (warm %v)\n%s", db.Warm, log.String())
	}
	closeOK(t, db)

	// A second key: two templates, prune keeps the last used.
	closeOK(t, startSeeded(t, Options{Kind: DSN, DSN: dsn, Cache: &Cache{Key: "dsn-k2"}}))
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	templates, err := Templates(ctx, conn)
	if err != nil || len(templates) != 2 {
		t.Fatalf("templates: %v %v", templates, err)
	}
	removed, inUse, err := PruneTemplates(ctx, conn, 1)
	if err != nil || len(removed) != 1 || removed[0] != templates[1].Name || len(inUse) != 0 {
		t.Fatalf("prune to 1 of %v: removed %v, in use %v, err %v", templates, removed, inUse, err)
	}

	// A killed run's role and scratch database.
	run(t, dsn, "CREATE DATABASE qreview_0123456789ab", "CREATE ROLE qreview_run_0123456789ab")
	cleaned, err := CleanDSN(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(cleaned.Removed, ", ")
	for _, want := range []string{"database " + templates[0].Name, "database qreview_0123456789ab", "role qreview_run_0123456789ab", "role " + OwnerRole} {
		if !strings.Contains(got, want) {
			t.Errorf("cache clean --dsn removed %s; want %s too (kept: %v)", got, want, cleaned.Kept)
		}
	}
	if left := one[int](t, super, "SELECT count(*) FROM pg_database WHERE datname LIKE 'qreview%'") +
		one[int](t, super, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'qreview%'"); left != 0 {
		t.Errorf("%d qreview databases and roles left after clean", left)
	}
}
