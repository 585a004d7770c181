package provider

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
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

// Confine makes the reviewed SQL run without privileges, on every
// provider and whatever role the provider connects as: a login role made
// for this run (a member of OwnerRole, acting as it, with the limits as
// its settings) is created and d.DSN is pointed at it. It owns nothing:
// OwnerRole owns the scratch database's public schema and what the
// reviewed SQL creates; the database itself stays the provider role's, so
// the run role cannot drop, rename or alter any database. PUBLIC's
// CONNECT and TEMPORARY on the scratch database are revoked (other
// runs' roles and other users stay out); CONNECT is granted to the run
// role alone. No other database is touched. d.AdminDSN keeps the privileged
// connection, for what only it may do (CREATE EXTENSION).
//
// A provider role that is neither a superuser nor has CREATEROLE is
// refused with the grant it needs; the reviewed SQL never runs as it.
// Close drops the run role on every path.
func (d *Database) Confine(ctx context.Context, limits Limits) error {
	if d.role != nil {
		return nil
	}
	d.AdminDSN = d.admin
	admin, err := adminConnect(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("%s database: %w", d.Provider, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	who, err := whoAmI(ctx, admin)
	if err != nil {
		return fmt.Errorf("%s database: %w", d.Provider, err)
	}
	if err := who.canConfine(); err != nil {
		return fmt.Errorf("%s database (%s): %w", d.Provider, d.Detail, err)
	}
	if d.run == "" {
		d.run = RunID()
	}
	runner := runRolePrefix + d.run
	password := RunID() + RunID()
	me := pgx.Identifier{who.name}.Sanitize()
	db := pgx.Identifier{who.database}.Sanitize()
	var steps []string
	steps = append(steps,
		// CREATE ROLE has no IF NOT EXISTS; concurrent runs may race here.
		`DO $$ BEGIN CREATE ROLE `+OwnerRole+` NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
		`CREATE ROLE `+runner+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS IN ROLE `+OwnerRole+
			` PASSWORD `+quoteLiteral(password))
	if !who.super {
		steps = append(steps,
			// To hand the public schema to OwnerRole, and to end the run
			// role's sessions at Close, the provider role needs their rights.
			// Concurrent runs may race to grant it.
			`DO $$ BEGIN IF NOT pg_catalog.pg_has_role(current_user, '`+OwnerRole+`', 'USAGE') THEN GRANT `+OwnerRole+` TO `+me+
				`; END IF; EXCEPTION WHEN unique_violation THEN NULL; END $$`,
			`GRANT `+runner+` TO `+me)
	}
	steps = append(steps,
		`ALTER ROLE `+runner+` SET role = `+OwnerRole,
		`ALTER ROLE `+runner+` SET statement_timeout = `+quoteLiteral(fmt.Sprint(limits.StatementTimeout.Milliseconds())),
		`ALTER ROLE `+runner+` SET lock_timeout = `+quoteLiteral(fmt.Sprint(limits.LockTimeout.Milliseconds())),
		// Earlier versions gave the database to OwnerRole, whose members
		// could then drop or alter it (and kept templates) from elsewhere.
		`ALTER DATABASE `+db+` OWNER TO `+me,
		`REVOKE ALL ON DATABASE `+db+` FROM PUBLIC`,
		// CONNECT to this run's role alone; CREATE and TEMPORARY to the
		// role it acts as (they are of no use without CONNECT).
		`GRANT CONNECT ON DATABASE `+db+` TO `+runner,
		// The run role acts as the owner role, and queries such as
		// pg_database_size(current_database()) check the acting role's
		// CONNECT: without it they fail as they would not in production.
		`GRANT CONNECT ON DATABASE `+db+` TO `+OwnerRole,
		`GRANT TEMPORARY, CREATE ON DATABASE `+db+` TO `+OwnerRole,
		`DO $$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'public') THEN ALTER SCHEMA public OWNER TO `+OwnerRole+`; END IF; END $$`,
	)
	// From here on, Close drops the role whatever happens next.
	d.role = &runRole{name: runner, adminDSN: d.admin, where: d.Provider + " database " + d.Detail, database: who.database}
	for _, stmt := range steps {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s database (%s): set up the unprivileged role the review runs as, as %s: %s%s",
				d.Provider, d.Detail, who.name, ServerErrorText(err), who.grantHint())
		}
	}
	run := withUser(d.admin, runner, password)
	check, err := pgx.Connect(ctx, run)
	if err != nil {
		return fmt.Errorf("%s database (%s): cannot connect as the review's run role %s: %w; "+
			"the server's pg_hba.conf must let password logins of roles named qreview_run_* reach database %s",
			d.Provider, d.Detail, runner, err, who.database)
	}
	check.Close(context.WithoutCancel(ctx))
	d.DSN = run
	return nil
}

// runRolePrefix names the login roles runs make; OwnerRole is shared.
const runRolePrefix = "qreview_run_"

// provRole is the role a provider connects as.
type provRole struct {
	name, database    string
	super, createRole bool
	version           int // server_version_num
}

func whoAmI(ctx context.Context, conn *pgx.Conn) (provRole, error) {
	var r provRole
	err := conn.QueryRow(ctx, `SELECT current_user, current_database(), rolsuper, rolcreaterole,
		current_setting('server_version_num')::int FROM pg_catalog.pg_roles WHERE rolname = current_user`).
		Scan(&r.name, &r.database, &r.super, &r.createRole, &r.version)
	return r, err
}

// canConfine refuses a role that cannot make the run role; qreview never
// falls back to running the reviewed SQL as the provider's own role.
func (r provRole) canConfine() error {
	if r.super || r.createRole {
		return nil
	}
	return fmt.Errorf("role %s cannot create roles: qreview runs the reviewed SQL (base migrations included) "+
		"as a role it makes for the run, with no right beyond its scratch database, never as %s itself; "+
		"have a superuser run ALTER ROLE %s CREATEROLE, or use --db local or --db container",
		r.name, r.name, ident(r.name))
}

// ident quotes a name for SQL only when it needs it, so that messages
// show the statement as a person would type it.
func ident(name string) string {
	if plainIdent.MatchString(name) {
		return name
	}
	return pgx.Identifier{name}.Sanitize()
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_$]*$`)

// grantHint names what a CREATEROLE role may lack on PostgreSQL 16+,
// where it administers only the roles it created (or was given ADMIN on).
func (r provRole) grantHint() string {
	if r.super || r.version < 160000 {
		return ""
	}
	return fmt.Sprintf("; on PostgreSQL 16 and later a CREATEROLE role may grant only roles it administers: "+
		"if %s was made by another role, have a superuser run GRANT %s TO %s WITH ADMIN OPTION",
		OwnerRole, OwnerRole, ident(r.name))
}

// runRole is the login role one run's reviewed SQL runs as.
type runRole struct {
	name, adminDSN, where, database string
}

// drop ends the role's sessions, revokes what it was granted and drops
// it; what fails is returned with the statements that finish the job.
func (r *runRole) drop(ctx context.Context) []LeftBehind {
	remove := fmt.Sprintf("DROP OWNED BY %s; DROP ROLE %s (in database %s, as a superuser or the role qreview connected as), "+
		"or qreview cache clean --dsn for a DSN", r.name, r.name, r.database)
	left := func(err error) []LeftBehind {
		return []LeftBehind{{What: "role " + r.name + " on the " + r.where, Remove: remove, Err: err}}
	}
	conn, err := adminConnect(ctx, r.adminDSN)
	if err != nil {
		return left(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $1)", r.name).Scan(&exists); err != nil {
		return left(err)
	}
	if !exists { // Confine failed before making it
		return nil
	}
	for _, stmt := range []string{
		`ALTER ROLE ` + r.name + ` NOLOGIN`,
		`SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = '` + r.name + `'`,
		// Its grants (CONNECT on the database, anything the reviewed SQL
		// granted it) would keep DROP ROLE from working.
		`DROP OWNED BY ` + r.name,
		`DROP ROLE ` + r.name,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return left(err)
		}
	}
	return nil
}

// adminConnect connects as the provider's role with a search_path that
// objects the reviewed SQL made (a public.count(), an operator) cannot
// shadow: this session has rights the reviewed SQL must not borrow.
func adminConnect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["search_path"] = "pg_catalog"
	return pgx.ConnectConfig(ctx, cfg)
}

// withUser points a URL or keyword/value DSN at another user.
func withUser(dsn, user, password string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.User = url.UserPassword(user, password)
		return u.String()
	}
	return dsn + " user=" + user + " password=" + quoteKV(password)
}

func quoteKV(v string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", `\'`) + "'"
}
