package provider

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// OwnerRole owns the scratch databases and everything the reviewed SQL
// creates in them. It cannot log in and has no special rights; each run
// logs in as its own member of it.
const OwnerRole = "qreview_owner"

// Limits are the session settings every connection of the run gets.
type Limits struct {
	StatementTimeout time.Duration
	LockTimeout      time.Duration
}

// Confine makes the reviewed SQL run without privileges: the database
// becomes OwnerRole's, a login role for this run (a member of OwnerRole,
// acting as it) is created with the limits as its settings, and d.DSN is
// pointed at it. d.AdminDSN keeps the privileged connection, for what
// only a superuser may do (CREATE EXTENSION of an untrusted extension).
//
// Reviewed SQL is untrusted: as a superuser, COPY … TO PROGRAM or
// DROP DATABASE would act on the server itself.
func (d *Database) Confine(ctx context.Context, limits Limits) error {
	d.AdminDSN = d.DSN
	admin, err := pgx.Connect(ctx, d.DSN)
	if err != nil {
		return fmt.Errorf("%s database: %w", d.Provider, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	var super bool
	var dbname string
	if err := admin.QueryRow(ctx, "SELECT rolsuper, current_database() FROM pg_roles WHERE rolname = current_user").Scan(&super, &dbname); err != nil {
		return fmt.Errorf("%s database: %w", d.Provider, err)
	}
	if !super {
		// Not a superuser: the DSN's own role is already without rights
		// over the server; only the limits remain to set.
		d.DSN = withParams(d.DSN, limitParams(limits))
		return nil
	}
	runner := "qreview_run_" + RunID()
	password := RunID() + RunID()
	for _, stmt := range []string{
		// CREATE ROLE has no IF NOT EXISTS; concurrent runs may race here.
		`DO $$ BEGIN CREATE ROLE ` + OwnerRole + ` NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
		`CREATE ROLE ` + runner + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS IN ROLE ` + OwnerRole +
			` PASSWORD ` + quoteLiteral(password),
		`ALTER ROLE ` + runner + ` SET role = ` + OwnerRole,
		`ALTER ROLE ` + runner + ` SET statement_timeout = ` + quoteLiteral(fmt.Sprint(limits.StatementTimeout.Milliseconds())),
		`ALTER ROLE ` + runner + ` SET lock_timeout = ` + quoteLiteral(fmt.Sprint(limits.LockTimeout.Milliseconds())),
		`ALTER DATABASE ` + pgx.Identifier{dbname}.Sanitize() + ` OWNER TO ` + OwnerRole,
		`ALTER SCHEMA public OWNER TO ` + OwnerRole,
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s database: set up the unprivileged role the review runs as: %w", d.Provider, err)
		}
	}
	// The run role owns nothing (it acts as OwnerRole), so it can be
	// dropped before the provider's own cleanup, while the server is up.
	previous, adminDSN := d.close, d.AdminDSN
	d.close = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, adminDSN); err == nil {
			conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", runner)
			conn.Exec(ctx, "DROP ROLE IF EXISTS "+runner)
			conn.Close(ctx)
		}
		if previous != nil {
			previous()
		}
	}
	d.DSN = withUser(d.DSN, runner, password)
	return nil
}

func limitParams(l Limits) map[string]string {
	return map[string]string{
		"statement_timeout": fmt.Sprint(l.StatementTimeout.Milliseconds()),
		"lock_timeout":      fmt.Sprint(l.LockTimeout.Milliseconds()),
	}
}

// withUser points a URL or keyword/value DSN at another user.
func withUser(dsn, user, password string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.User = url.UserPassword(user, password)
		return u.String()
	}
	return dsn + " user=" + user + " password=" + quoteKV(password)
}

// withParams adds session settings (sent at connection start) to a DSN.
func withParams(dsn string, params map[string]string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for k, v := range params {
		dsn += " " + k + "=" + quoteKV(v)
	}
	return dsn
}

func quoteKV(v string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", `\'`) + "'"
}
