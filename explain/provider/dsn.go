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
// run is a template database qreview_tpl_<entry> on the server, owned by
// the DSN's role and closed to everyone else; the run works in a copy of
// it, verified against the fingerprint stored with it. A freshly seeded
// database that the caller keeps, still equal to what was seeded, is
// renamed to the template instead of being dropped.
//
// A role that cannot make the review's run role (see Confine) is refused
// here, before anything is created.
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
	who, err := whoAmI(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("database at %s (--dsn): %w", where, err)
	}
	if err := who.canConfine(); err != nil {
		return nil, fmt.Errorf("database at %s (--dsn): %w", where, err)
	}
	run := RunID()
	name := "qreview_" + run
	var template string
	var note *templateNote
	if opts.Cache != nil {
		var version string
		if err := admin.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
			return nil, fmt.Errorf("database at %s (--dsn): %w", where, err)
		}
		template = templatePrefix + entryName(opts.Cache.Key, version)[:16]
		note = readTemplateNote(ctx, admin, template)
	}
	db := &Database{Provider: DSN, Detail: where, run: run, cached: opts.Cache != nil, log: opts.Log}
	db.admin = withDatabase(opts.DSN, name)
	db.DSN = db.admin
	create := func(from string) error {
		stmt := "CREATE DATABASE " + name
		if from != "" {
			stmt += " TEMPLATE " + from
		}
		if _, err := admin.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("database at %s (--dsn): cannot create the scratch database qreview works in: %s; "+
				"qreview never writes to an existing database: grant CREATEDB to %s, or use --db local", where, ServerErrorText(err), cfg.User)
		}
		return nil
	}
	if note != nil {
		if err := create(template); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			fmt.Fprintf(logOrDiscard(opts.Log), "qreview: cache: cannot copy template %s on %s (%v); seeding afresh\n", template, where, err)
			note = nil
		}
	}
	if note != nil {
		fp, ferr := Fingerprint(ctx, db.admin)
		if ferr == nil && fp == note.Fingerprint {
			db.Warm, db.Meta, db.fingerprint = true, []byte(note.Meta), fp
			note.Used = time.Now().Unix()
			writeTemplateNote(ctx, admin, template, note)
		} else {
			// The copy goes even when the run was cancelled meanwhile.
			dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			derr := dropDatabase(dropCtx, admin, name)
			cancel()
			if ctx.Err() != nil || derr != nil {
				if derr != nil {
					return nil, fmt.Errorf("database at %s (--dsn): drop the unverified copy: %w; remove it with DROP DATABASE %s", where, derr, name)
				}
				return nil, ctx.Err()
			}
			fmt.Fprintf(logOrDiscard(opts.Log), "qreview: cache: template %s on %s no longer equals what was seeded%s; dropped it, seeding afresh\n",
				template, where, because(ferr))
			dropDatabase(ctx, admin, template)
			note = nil
		}
	}
	if note == nil {
		if err := create(""); err != nil {
			return nil, err
		}
	}
	db.close = func(intact bool) []LeftBehind {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		left := []LeftBehind{{What: "database " + name + " on " + where,
			Remove: fmt.Sprintf("DROP DATABASE %s (as %s), or qreview cache clean --dsn", name, cfg.User)}}
		conn, err := adminConnect(ctx, opts.DSN)
		if err != nil {
			left[0].Err = err
			return left
		}
		defer conn.Close(ctx)
		keep := db.kept != nil && template != "" && !db.Warm && intact
		if keep && keepTemplate(ctx, conn, name, template, db) {
			fmt.Fprintf(logOrDiscard(opts.Log), "qreview: cache: kept the seeded database as %s on %s (--no-cache skips, qreview cache clean --dsn drops it)\n", template, where)
			if _, _, err := PruneTemplates(ctx, conn, keepEntries); err != nil {
				fmt.Fprintf(logOrDiscard(opts.Log), "qreview: cache: prune templates on %s: %v\n", where, err)
			}
			return nil
		}
		if err := dropDatabase(ctx, conn, name); err != nil {
			left[0].Err = err
			return left
		}
		return nil
	}
	return db, nil
}

// dropDatabase ends the sessions on a database qreview made and drops it.
// Sessions left by a cancelled run would block DROP DATABASE;
// pg_terminate_backend works on every version, WITH (FORCE) needs 13.
func dropDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	conn.Exec(ctx, "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()", name)
	_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize())
	return err
}

// keepTemplate renames the scratch database to the template with its
// note. The run role is gone by now (its grants with it), and PUBLIC was
// revoked by Confine: only the DSN's role, its owner, can use it.
func keepTemplate(ctx context.Context, conn *pgx.Conn, name, template string, db *Database) bool {
	conn.Exec(ctx, "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()", name)
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" RENAME TO "+template); err != nil {
		return false // a concurrent run kept the same entry first
	}
	note := &templateNote{Fingerprint: db.fingerprint, Used: time.Now().Unix(), Meta: string(db.kept)}
	if err := writeTemplateNote(ctx, conn, template, note); err != nil {
		dropDatabase(ctx, conn, template) // a template without its note could not be verified
		return false
	}
	return true
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
