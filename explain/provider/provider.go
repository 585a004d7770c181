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
}

// Database is a scratch database that qreview may write to.
type Database struct {
	DSN      string // where the review works; after Confine, as the unprivileged run role
	AdminDSN string // the same database as the provider's privileged role, set by Confine
	Provider string // local | dsn | container
	Detail   string // where it runs, for messages: a bin dir, a host, an image
	Image    string // the container image, for container
	Warm     bool   // a seeded database kept by an earlier run: skip schema and data
	Meta     []byte // what the caller stored with Keep when this database was kept
	kept     []byte
	close    func()
	once     sync.Once
}

// Keep asks Close to keep this freshly seeded database in the cache,
// with meta (the caller's note of what was seeded) for the run that finds
// it. It does nothing without a cache or on a warm database.
func (d *Database) Keep(meta []byte) {
	d.kept = append([]byte{}, meta...)
}

// Close removes the database and whatever was started for it. It is safe
// to call more than once and after the caller's context is cancelled.
func (d *Database) Close() {
	if d == nil || d.close == nil {
		return
	}
	d.once.Do(d.close)
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
