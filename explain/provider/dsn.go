package provider

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// StartDSN creates a scratch database on the server dsn points to and
// hands back a DSN for it. The database dsn names is never written to;
// if the role cannot create databases, qreview refuses instead.
func StartDSN(ctx context.Context, dsn string) (*Database, error) {
	cfg, err := pgx.ParseConfig(dsn)
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
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("database at %s (--dsn): cannot create the scratch database qreview works in: %s; "+
			"qreview never writes to an existing database: grant CREATEDB to %s, or use --db local", where, ServerErrorText(err), cfg.User)
	}
	drop := func() {
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
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
	}
	return &Database{DSN: withDatabase(dsn, name), Provider: DSN, Detail: where, close: drop}, nil
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
