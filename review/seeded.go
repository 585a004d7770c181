package review

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/provider"
	"github.com/qreview/qreview/explain/seed"
)

// seeded is a started scratch database with the base schema applied and
// the data loaded, shared by review and load.
type seeded struct {
	db            *provider.Database
	conn          *pgx.Conn // as the review's unprivileged role
	serverVersion string    // "15.18"
	loaded        []seed.Loaded
	errs          map[*analyzer.Statement]error // base migrations the server rejected
}

// startSeeded starts the database the flags and config ask for, confines
// it, connects and applies and seeds the base migrations. Close it on every
// path once it is returned.
func startSeeded(ctx context.Context, d Database, cfg *config.Config, ch change, logw io.Writer) (*seeded, error) {
	base := ch.base
	load := seed.Options{AssumedRows: cfg.ScaleDefaultRows, Vary: indexedByChange(ch.migrations)}
	log := logTo(logw)
	kind := d.Kind
	if kind == "" {
		kind = cfg.Database.Provider
	}
	started := time.Now()
	var cache *provider.Cache
	if !d.NoCache {
		cache = &provider.Cache{Key: seed.CacheKeyFor(schemaSQL(base), cfg.Scale, load), Dir: d.CacheDir}
	}
	db, err := provider.Start(ctx, provider.Options{Kind: kind, DSN: d.DSN, Image: cmp.Or(d.Image, cfg.Database.ContainerImage()),
		Settings: cfg.Database.Settings, Cache: cache, Log: logw})
	if err != nil {
		return nil, err
	}
	s := &seeded{db: db, errs: map[*analyzer.Statement]error{}}
	if err := s.start(ctx, cfg, base, load, logw, started, log); err != nil {
		if cerr := s.Close(ctx); cerr != nil {
			return nil, fmt.Errorf("%w; and %w", err, cerr)
		}
		return nil, err
	}
	return s, nil
}

func (s *seeded) start(ctx context.Context, cfg *config.Config, base []*analyzer.Migration, load seed.Options, logw io.Writer,
	started time.Time, log func(string, ...any)) error {
	db := s.db
	if err := db.Confine(ctx, provider.Limits{StatementTimeout: cfg.StatementTimeout, LockTimeout: cfg.LockTimeout}); err != nil {
		return err
	}
	installHypopg(ctx, db)
	conn, err := explain.Connect(ctx, db.DSN)
	if err != nil {
		return fmt.Errorf("%s database, as the review's unprivileged role: %w", db.Provider, err)
	}
	s.conn = conn
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&s.serverVersion); err != nil {
		return fmt.Errorf("%s database: %w", db.Provider, err)
	}
	s.serverVersion = strings.Fields(s.serverVersion)[0] // "15.18 (Debian …)" → "15.18"
	log("%s PostgreSQL %s ready in %s (%s)", db.Provider, s.serverVersion, since(started), db.Detail)

	s.loaded, err = prepare(ctx, conn, db, base, load, cfg, s.errs, logw)
	return err
}

// Close closes the connection and removes (or keeps, as configured) the
// database; it still runs when ctx was cancelled. What it could not remove
// is a *provider.CleanupError that says how to remove it.
func (s *seeded) Close(ctx context.Context) error {
	if s.conn != nil {
		s.conn.Close(context.WithoutCancel(ctx))
	}
	return s.db.Close()
}
