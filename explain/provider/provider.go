// Package provider gives qreview a scratch PostgreSQL to work in: a
// throwaway local cluster, a container, or a database it creates on a
// server the user names. Every provider hands back a DSN and a Close that
// removes everything it made.
package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Kinds are the values of --db.
const (
	Auto      = "auto"
	Local     = "local"
	DSN       = "dsn"
	Container = "container"
)

// Options says which database to get.
type Options struct {
	Kind     string            // auto | local | dsn | container
	DSN      string            // for dsn, and for auto when set
	Image    string            // for container: the image, e.g. postgres:17
	Settings map[string]string // server settings (work_mem, shared_buffers, …) for the servers qreview starts
	Cache    *Cache            // reuse and keep seeded databases; nil: always fresh
	Log      io.Writer         // one-line notes, e.g. why auto fell back

	skipWarm bool // a kept entry failed its check and could not be removed: seed afresh
}

// Database is a scratch database that qreview may write to.
type Database struct {
	DSN      string // where the review works; after Confine, as the unprivileged run role
	AdminDSN string // the same database as the provider's privileged role, set by Confine
	Provider string // local | dsn | container
	Detail   string // where it runs, for messages: a bin dir, a host, an image
	Image    string // the container image, for container
	Warm     bool   // a seeded database kept by an earlier run, verified: skip schema and data
	Meta     []byte // what the caller stored with Keep when this database was kept

	admin       string    // the privileged DSN, before and after Confine
	run         string    // this run's ID: names its scratch database, run role, container
	cached      bool      // a cache was asked for: Keep may keep this database
	kept        []byte    // the caller's note, set by Keep
	fingerprint string    // of the seeded state: taken at Keep (cold) or stored with the entry (warm)
	role        *runRole  // the run role Confine made
	log         io.Writer // one-line notes
	close       func(intact bool) []LeftBehind
	once        sync.Once
	closeErr    error
}

// KeepSeeded asks Close to keep this freshly seeded database in the
// cache, with meta (the caller's note of what was seeded) for the run
// that finds it. Call it right after seeding: it fingerprints the
// database now, and Close keeps it only if it still matches then. It does
// nothing without a cache or on a warm database.
func (d *Database) KeepSeeded(ctx context.Context, meta []byte) error {
	if !d.cached || d.Warm {
		return nil
	}
	fp, err := Fingerprint(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("%s database: fingerprint the seeded state to keep it: %w", d.Provider, err)
	}
	d.kept, d.fingerprint = append([]byte{}, meta...), fp
	return nil
}

// Keep is KeepSeeded without a context, for callers not yet moved to it;
// a failure only means the database is not kept, and is noted on the log.
//
// Deprecated: use KeepSeeded.
func (d *Database) Keep(meta []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.KeepSeeded(ctx, meta); err != nil {
		fmt.Fprintf(logOrDiscard(d.log), "qreview: cache: not kept: %v\n", err)
	}
}

// Close ends the run's sessions, drops its run role, and removes the
// database and whatever was started for it, or keeps it in the cache when
// it still equals what was seeded. What it could not remove is returned
// as a *CleanupError that says how to remove each thing. It is safe to
// call more than once (later calls return the first result) and after
// the caller's context is cancelled.
func (d *Database) Close() error {
	if d == nil || d.close == nil {
		return nil
	}
	d.once.Do(func() { d.closeErr = d.shutdown() })
	return d.closeErr
}

func (d *Database) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var left []LeftBehind
	if d.role != nil {
		left = append(left, d.role.drop(ctx)...)
	}
	left = append(left, d.close(d.intact(ctx))...)
	if len(left) == 0 {
		return nil
	}
	return &CleanupError{Provider: d.Provider, Left: left}
}

// intact says whether the database still equals what was seeded, when
// that decides something: a cold database to be kept, or a warm local
// cluster (the server runs on the kept entry itself). Other warm entries
// were copied, not used, and stay as they are.
func (d *Database) intact(ctx context.Context) bool {
	check := (!d.Warm && d.kept != nil) || (d.Warm && d.Provider == Local)
	if !check {
		return false
	}
	fp, err := Fingerprint(ctx, d.admin)
	switch {
	case err != nil:
		fmt.Fprintf(logOrDiscard(d.log), "qreview: cache: cannot tell whether the seeded database is unchanged (%v); not keeping it\n", err)
		return false
	case fp != d.fingerprint:
		if !d.Warm { // a warm local entry's removal is said by the provider
			fmt.Fprintf(logOrDiscard(d.log), "qreview: cache: the database changed after it was seeded; not keeping it\n")
		}
		return false
	}
	return true
}

// Start gets the database opts asks for.
func Start(ctx context.Context, opts Options) (*Database, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	switch opts.Kind {
	case Local:
		return startLocal(ctx, opts)
	case DSN:
		if opts.DSN == "" {
			return nil, fmt.Errorf("--db dsn needs a DSN: pass --dsn or set QREVIEW_DSN")
		}
		return startDSN(ctx, opts)
	case Container:
		return StartContainer(ctx, opts)
	case Auto, "":
		return startAuto(ctx, opts)
	}
	return nil, fmt.Errorf("unknown database provider %q: use auto, local, dsn or container", opts.Kind)
}

// RunID names what one run creates (databases, temp dirs, containers) so
// that concurrent runs never collide and leftovers can be found.
func RunID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// throwaway are the server settings for a database that is thrown away:
// no durability, no background work that would change plans mid-run.
var throwaway = map[string]string{
	"fsync":              "off",
	"synchronous_commit": "off",
	"full_page_writes":   "off",
	"max_wal_size":       "4GB",
	"checkpoint_timeout": "1h",
	"autovacuum":         "off",
	"wal_level":          "minimal", // a table truncated in the loading transaction is not WAL-logged
	"max_wal_senders":    "0",       // required by wal_level = minimal
	"max_connections":    "50",
	"shared_buffers":     "256MB",
}

// ServerSettings merges the user's settings over the throwaway defaults
// and returns them as sorted "name=value" pairs for postgres -c.
func ServerSettings(user map[string]string) []string {
	merged := map[string]string{}
	for k, v := range throwaway {
		merged[k] = v
	}
	for k, v := range user {
		merged[k] = v
	}
	out := make([]string, 0, len(merged))
	for k, v := range merged {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
