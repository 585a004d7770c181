package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// templatePrefix names the template databases that keep seeded databases
// on a DSN's server.
const templatePrefix = "qreview_tpl_"

// templateNote is stored as the template database's comment.
type templateNote struct {
	Fingerprint string `json:"fingerprint"` // of the seeded state, checked on every copy
	Used        int64  `json:"used"`        // unix seconds of the last use, for pruning
	Meta        string `json:"meta"`        // the caller's note (Database.Meta)
}

// readTemplateNote returns the template's note; nil when there is no such
// template, and an empty note (which matches no fingerprint) when its
// comment is not one (a template an older qreview kept).
func readTemplateNote(ctx context.Context, conn *pgx.Conn, template string) *templateNote {
	var comment *string
	err := conn.QueryRow(ctx, "SELECT pg_catalog.shobj_description(oid, 'pg_database') FROM pg_catalog.pg_database WHERE datname = $1", template).Scan(&comment)
	if err != nil {
		return nil
	}
	note := &templateNote{}
	if comment != nil && json.Unmarshal([]byte(*comment), note) != nil {
		return &templateNote{}
	}
	return note
}

func writeTemplateNote(ctx context.Context, conn *pgx.Conn, template string, note *templateNote) error {
	b, _ := json.Marshal(note)
	_, err := conn.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{template}.Sanitize()+" IS "+quoteLiteral(string(b)))
	return err
}

// Template is a seeded database kept on a DSN's server.
type Template struct {
	Name  string
	Bytes int64
	Used  time.Time // the last run that copied or kept it
}

// Templates lists the templates on conn's server, last used first.
func Templates(ctx context.Context, conn *pgx.Conn) ([]Template, error) {
	rows, err := conn.Query(ctx, `SELECT datname, pg_catalog.pg_database_size(oid), pg_catalog.shobj_description(oid, 'pg_database')
		FROM pg_catalog.pg_database WHERE datname LIKE 'qreview\_tpl\_%'`)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	var out []Template
	for rows.Next() {
		var t Template
		var comment *string
		if err := rows.Scan(&t.Name, &t.Bytes, &comment); err != nil {
			return nil, fmt.Errorf("list templates: %w", err)
		}
		var note templateNote
		if comment != nil {
			json.Unmarshal([]byte(*comment), &note)
		}
		t.Used = time.Unix(note.Used, 0)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Used.After(out[j].Used) })
	return out, nil
}

// ListTemplates lists the templates on the server dsn points to, last
// used first (for qreview cache ls --dsn).
func ListTemplates(ctx context.Context, dsn string) ([]Template, error) {
	conn, err := adminConnect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("--dsn: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return Templates(ctx, conn)
}

// PruneTemplates drops all but the keep most recently used templates, as
// Prune does for local entries. A template another session is connected
// to (a run copying it, someone looking) is skipped and listed in inUse;
// so is one the role may not drop. It goes on past a failure and returns
// the first.
func PruneTemplates(ctx context.Context, conn *pgx.Conn, keep int) (removed, inUse []string, err error) {
	templates, err := Templates(ctx, conn)
	if err != nil {
		return nil, nil, err
	}
	for i := keep; i < len(templates); i++ {
		name := templates[i].Name
		if busy, why := databaseBusy(ctx, conn, name); busy {
			inUse = append(inUse, name+": "+why)
			continue
		}
		if _, derr := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()); derr != nil {
			inUse = append(inUse, name+": "+ServerErrorText(derr))
			continue
		}
		removed = append(removed, name)
	}
	return removed, inUse, nil
}

// databaseBusy says whether other sessions are connected to a database.
func databaseBusy(ctx context.Context, conn *pgx.Conn, name string) (bool, string) {
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()", name).Scan(&n); err != nil {
		return true, err.Error()
	}
	if n > 0 {
		return true, fmt.Sprintf("%d session(s) connected", n)
	}
	return false, ""
}

// DSNCleaned is what CleanDSN did: each entry names one database or role.
type DSNCleaned struct {
	Removed []string // "database qreview_tpl_…", "role qreview_run_…"
	Kept    []string // with why, e.g. "role qreview_run_…: its run is still going"
}

// CleanDSN removes what qreview made on the server dsn points to: every
// template, the scratch databases and run roles of runs that are no
// longer going (no session on the database, none of the role), and
// OwnerRole once nothing depends on it. What is in use is kept and said.
// It never touches another database.
func CleanDSN(ctx context.Context, dsn string) (DSNCleaned, error) {
	var out DSNCleaned
	conn, err := adminConnect(ctx, dsn)
	if err != nil {
		return out, fmt.Errorf("--dsn: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	removed, inUse, err := PruneTemplates(ctx, conn, 0)
	for _, n := range removed {
		out.Removed = append(out.Removed, "database "+n)
	}
	for _, n := range inUse {
		out.Kept = append(out.Kept, "database "+n)
	}
	if err != nil {
		return out, err
	}
	scratch, err := names(ctx, conn, `SELECT datname FROM pg_catalog.pg_database WHERE datname ~ '^qreview_[0-9a-f]{12}$' ORDER BY 1`)
	if err != nil {
		return out, err
	}
	for _, name := range scratch {
		if busy, why := runGoing(ctx, conn, name, runRolePrefix+name[len("qreview_"):]); busy {
			out.Kept = append(out.Kept, "database "+name+": "+why)
			continue
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
			out.Kept = append(out.Kept, "database "+name+": "+ServerErrorText(err))
			continue
		}
		out.Removed = append(out.Removed, "database "+name)
	}
	roles, err := names(ctx, conn, `SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'qreview\_run\_%' ORDER BY 1`)
	if err != nil {
		return out, err
	}
	for _, role := range roles {
		if busy, why := runGoing(ctx, conn, "qreview_"+role[len(runRolePrefix):], role); busy {
			out.Kept = append(out.Kept, "role "+role+": "+why)
			continue
		}
		if _, err := conn.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize()); err != nil {
			out.Kept = append(out.Kept, "role "+role+": "+ServerErrorText(err))
			continue
		}
		out.Removed = append(out.Removed, "role "+role)
	}
	var owner bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $1)", OwnerRole).Scan(&owner); err != nil {
		return out, err
	}
	if owner {
		// It owns what runs still going made; the server refuses then.
		if _, err := conn.Exec(ctx, "DROP ROLE "+OwnerRole); err != nil {
			out.Kept = append(out.Kept, "role "+OwnerRole+": "+ServerErrorText(err))
		} else {
			out.Removed = append(out.Removed, "role "+OwnerRole)
		}
	}
	return out, nil
}

// runGoing says whether a run still uses its scratch database or role.
func runGoing(ctx context.Context, conn *pgx.Conn, database, role string) (bool, string) {
	var n int
	err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_catalog.pg_stat_activity
		WHERE (datname = $1 OR usename = $2) AND pid <> pg_catalog.pg_backend_pid()`, database, role).Scan(&n)
	if err != nil {
		return true, err.Error()
	}
	if n > 0 {
		return true, "its run is still going"
	}
	return false, ""
}

func names(ctx context.Context, conn *pgx.Conn, query string) ([]string, error) {
	rows, err := conn.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
