package provider

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// StartDSN creates a scratch database on the server dsn points to and
// hands back a DSN for it. The database dsn names is never written to;
// if the role cannot create databases, qreview refuses instead.
func StartDSN(ctx context.Context, dsn string) (*Database, error) {
	return startDSN(ctx, Options{DSN: dsn})
}

// startDSN is StartDSN with a cache: a seeded database kept by an earlier
// run is a template database qreview_tpl_<entry> on the server; the run
// works in a copy of it. A freshly seeded database that the caller
// Keeps is renamed to the template instead of being dropped.
func startDSN(ctx context.Context, opts Options) (*Database, error) {
	cfg, err := pgx.ParseConfig(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("--dsn: %w", err) // pgx's message never echoes the password
	}
	where := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database at %s (--dsn): cannot connect: %w", where, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	name := "qreview_" + RunID()
	var template string
	var meta []byte
	if opts.Cache != nil {
		var version string
		if err := admin.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
			return nil, fmt.Errorf("database at %s (--dsn): %w", where, err)
		}
		template = "qreview_tpl_" + entryName(opts.Cache.Key, version)[:16]
		var comment *string
		err := admin.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", template).Scan(&comment)
		if err == nil && comment != nil {
			meta = []byte(*comment)
		}
	}
	create := "CREATE DATABASE " + name
	if meta != nil {
		create += " TEMPLATE " + template
	}
	if _, err := admin.Exec(ctx, create); err != nil {
		return nil, fmt.Errorf("database at %s (--dsn): cannot create the scratch database qreview works in: %s; "+
			"qreview never writes to an existing database: grant CREATEDB to %s, or use --db local", where, ServerErrorText(err), cfg.User)
	}
	db := &Database{DSN: withDatabase(opts.DSN, name), Provider: DSN, Detail: where, Warm: meta != nil, Meta: meta}
	db.close = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		// Sessions left by a cancelled run would block DROP DATABASE;
		// pg_terminate_backend works on every version, WITH (FORCE) needs 13.
		conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
		if db.kept != nil && template != "" && !db.Warm {
			if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" RENAME TO "+template); err == nil {
				conn.Exec(ctx, "COMMENT ON DATABASE "+template+" IS "+quoteLiteral(string(db.kept)))
				fmt.Fprintf(logOrDiscard(opts.Log), "qreview: cache: kept the seeded database as %s on %s (--no-cache skips, qreview cache clean --dsn drops it)\n", template, where)
				return
			}
		}
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
	}
	return db, nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func logOrDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// withDatabase points a URL or keyword/value DSN at another database.
func withDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + name
			return u.String()
		}
	}
	return dsn + " dbname=" + name // the last value of a repeated key wins
}

// ServerErrorText is the server's message without pgx's wrapping.
func ServerErrorText(err error) string {
	return strings.TrimPrefix(err.Error(), "ERROR: ")
}
