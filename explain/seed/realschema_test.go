package seed

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Patterns met in real applications' schemas (issue 16), in fixtures of
// our own.

func checkExact(t *testing.T, dsn string, checks map[string]float64) {
	t.Helper()
	conn := connectTest(t, dsn)
	for sql, want := range checks {
		if got := queryFloat(t, conn, sql); got != want {
			t.Errorf("%s = %g, want %g", sql, got, want)
		}
	}
}

func connectTest(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

const keysSchema = `
CREATE TYPE plan AS ENUM ('free', 'pro');
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
CREATE TABLE lists (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE subscriptions (
    list_id int NOT NULL REFERENCES lists,
    user_id bigint NOT NULL REFERENCES users,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (list_id, user_id));
CREATE TABLE memberships (user_id bigint NOT NULL REFERENCES users, plan plan NOT NULL, active bool NOT NULL,
    UNIQUE (user_id, plan, active));
CREATE TABLE handles (org int NOT NULL, handle varchar(40) NOT NULL, deleted_at timestamptz);
CREATE UNIQUE INDEX ON handles (org, handle) WHERE deleted_at IS NULL;
CREATE TABLE slots (day date NOT NULL, hour int NOT NULL CHECK (hour BETWEEN 0 AND 23), PRIMARY KEY (day, hour));`

func TestCompositeAndSkewedKeys(t *testing.T) {
	dsn, conn := freshDB(t, keysSchema)
	profile := Profile{
		"users": {Rows: 20_000},
		"lists": {Rows: 200},
		"subscriptions": {Rows: 150_000, Columns: map[string]*ColumnProfile{
			"list_id": {Distribution: "zipf"}, // a few lists hold most subscriptions
		}},
		"memberships": {Rows: 60_000}, // of 20,000 × 2 × 2 combinations
		"handles":     {Rows: 10_000},
		"slots":       {Rows: 5_000},
	}
	if _, err := Load(context.Background(), dsn, profile, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM subscriptions":                                                                            150_000,
		"SELECT count(*) FROM (SELECT DISTINCT list_id, user_id FROM subscriptions) d":                                  150_000,
		"SELECT count(*) FROM memberships":                                                                              60_000,
		"SELECT count(*) FROM (SELECT DISTINCT user_id, plan, active FROM memberships) d":                               60_000,
		"SELECT count(DISTINCT lower(email)) FROM users":                                                                20_000,
		"SELECT count(*) FROM slots":                                                                                    5_000,
		"SELECT count(*) FROM pg_constraint WHERE contype IN ('p', 'u', 'f') AND connamespace = 'public'::regnamespace": 8,
		"SELECT count(*) FROM pg_indexes WHERE indexname = 'users_email_lower'":                                         1,
		"SELECT count(*) FROM subscriptions s LEFT JOIN users u ON u.id = s.user_id WHERE u.id IS NULL":                 0,
	})
	// Skewed: no list holds more subscriptions than there are users, and
	// the ten biggest lists hold well over their even share (5%).
	if top := queryFloat(t, conn, "SELECT max(n) FROM (SELECT count(*) n FROM subscriptions GROUP BY list_id) c"); top > 20_000 || top < 10_000 {
		t.Errorf("biggest list has %g subscriptions, want 10,000 to 20,000", top)
	}
	if share := queryFloat(t, conn, `SELECT sum(n) / 150000.0 FROM (SELECT count(*) n FROM subscriptions GROUP BY list_id ORDER BY 1 DESC LIMIT 10) c`); share < 0.4 {
		t.Errorf("the ten biggest lists hold %g of the subscriptions, want over 0.4", share)
	}
}

func TestKeySpaceTooSmallNamesTheProfileKeys(t *testing.T) {
	dsn, conn := freshDB(t, keysSchema)
	tests := []struct {
		profile Profile
		want    []string
	}{
		{Profile{"users": {Rows: 1000}, "lists": {Rows: 10}, "subscriptions": {Rows: 20_000}},
			[]string{"scale.subscriptions.rows: 20000 rows do not fit unique key subscriptions_pkey (list_id, user_id)",
				"at most 10000", "scale.lists.rows", "scale.users.rows"}},
		{Profile{"users": {Rows: 1000}, "memberships": {Rows: 5000}},
			[]string{"scale.memberships.rows", "plan is enum plan (2 values)", "active is boolean", "scale.memberships.columns.plan.values"}},
		{Profile{"slots": {Rows: 1_000_000}},
			[]string{"scale.slots.rows", "hour is an integer in [0, 23]"}},
	}
	for _, tt := range tests {
		_, err := Load(context.Background(), dsn, tt.profile, nil)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("profile %v: error %v, want it to say %q", tt.profile, err, w)
			}
		}
	}
	// Before the load: nothing was loaded.
	if n := queryFloat(t, conn, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM subscriptions)"); n != 0 {
		t.Errorf("%g rows loaded by failed seeds", n)
	}
}

// catalogSnapshot is every definition a load must leave as it was.
const catalogSnapshot = `
SELECT string_agg(x, E'\n' ORDER BY x) FROM (
  SELECT 'index ' || indexrelid::regclass || ' ' || pg_get_indexdef(indexrelid) || ' clustered=' || indisclustered
         || ' replident=' || indisreplident || ' comment=' || coalesce(obj_description(indexrelid, 'pg_class'), '') AS x
  FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
  UNION ALL
  SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' comment=' || coalesce(obj_description(oid, 'pg_constraint'), '')
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'view ' || c.oid::regclass || ' ' || pg_get_viewdef(c.oid) FROM pg_class c WHERE relkind IN ('v', 'm') AND relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'rule ' || rulename || ' ' || definition FROM pg_rules WHERE schemaname = 'public'
  UNION ALL
  SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT 'table ' || oid::regclass || ' replident=' || relreplident::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r') s`

func snapshot(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(context.Background(), catalogSnapshot).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDependentObjectsKeptAndRestoredExactly(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TABLE teams (id bigserial PRIMARY KEY, name text NOT NULL);
		CREATE TABLE members (id bigserial PRIMARY KEY, team_id bigint NOT NULL REFERENCES teams, email text NOT NULL,
		    CONSTRAINT members_email_key UNIQUE (email));
		COMMENT ON CONSTRAINT members_email_key ON members IS 'one account per address';
		CREATE INDEX members_team ON members (team_id);
		COMMENT ON INDEX members_team IS 'listing a team';
		ALTER TABLE members CLUSTER ON members_team;
		ALTER TABLE members REPLICA IDENTITY USING INDEX members_email_key;
		-- GROUP BY the primary key: the view depends on teams_pkey.
		CREATE VIEW team_sizes AS SELECT t.id, t.name, count(m.id) AS members FROM teams t LEFT JOIN members m ON m.team_id = t.id GROUP BY t.id;
		CREATE MATERIALIZED VIEW team_counts AS SELECT team_id, count(*) AS n FROM members GROUP BY team_id;
		CREATE RULE members_no_delete AS ON DELETE TO members DO INSTEAD NOTHING;`)
	before := snapshot(t, conn)
	if _, err := Load(context.Background(), dsn, Profile{"teams": {Rows: 1000}, "members": {Rows: 20_000}}, nil); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, conn); after != before {
		t.Errorf("catalog changed by the load:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT sum(members) FROM team_sizes":  20_000,
		"SELECT sum(n) FROM team_counts":       20_000, // refreshed
		"SELECT count(*) FROM members":         20_000,
		"SELECT count(DISTINCT id) FROM teams": 1000,
	})
}

func TestRowsFromMigrationsAreKept(t *testing.T) {
	schema := `
		CREATE TABLE organizations (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE);
		CREATE TABLE groups (id bigserial PRIMARY KEY, org_id bigint NOT NULL REFERENCES organizations, name text NOT NULL);
		CREATE TABLE users (id bigserial PRIMARY KEY, org_id bigint NOT NULL REFERENCES organizations,
		    group_id bigint REFERENCES groups, login text NOT NULL UNIQUE);
		INSERT INTO organizations (name) VALUES ('default');
		INSERT INTO groups (org_id, name) VALUES (1, 'everyone');
		INSERT INTO users (org_id, group_id, login) VALUES (1, 1, 'system');`
	t.Run("profile sizes include them", func(t *testing.T) {
		dsn, conn := freshDB(t, schema)
		loaded, err := Load(context.Background(), dsn, Profile{"organizations": {Rows: 1000}, "users": {Rows: 10_000}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, dsn, map[string]float64{
			"SELECT count(*) FROM organizations":                                   1000,
			"SELECT count(*) FROM users":                                           10_000,
			"SELECT count(*) FROM organizations WHERE id = 1 AND name = 'default'": 1,
			"SELECT count(*) FROM groups WHERE id = 1 AND name = 'everyone'":       1,
			"SELECT count(*) FROM users WHERE id = 1 AND login = 'system'":         1,
			"SELECT max(id) FROM users":                                            10_000,
		})
		var id int64
		if err := conn.QueryRow(context.Background(), "INSERT INTO users (org_id, login) VALUES (1, 'new') RETURNING id").Scan(&id); err != nil || id != 10_001 {
			t.Errorf("next user id %d (%v), want 10001", id, err)
		}
		want := map[string]Loaded{
			"organizations": {Rows: 999, Kept: 1, Source: SourceProfile},
			"groups":        {Rows: 0, Kept: 1, Source: SourceUnsized},
			"users":         {Rows: 9999, Kept: 1, Source: SourceProfile},
		}
		for _, l := range loaded {
			w := want[l.Table]
			if l.Rows != w.Rows || l.Kept != w.Kept || l.Source != w.Source {
				t.Errorf("%s: %+v, want %+v", l.Table, l, w)
			}
		}
	})
	t.Run("a parent left out lends its rows", func(t *testing.T) {
		dsn, _ := freshDB(t, schema)
		if _, err := Load(context.Background(), dsn, Profile{"users": {Rows: 5000}}, nil); err != nil {
			t.Fatal(err)
		}
		checkExact(t, dsn, map[string]float64{
			"SELECT count(*) FROM users":                  5000,
			"SELECT count(*) FROM users WHERE org_id = 1": 5000,
			"SELECT count(*) FROM organizations":          1,
		})
	})
}

func TestArraysOfEveryElementType(t *testing.T) {
	dsn, _ := freshDB(t, `
		CREATE TYPE role AS ENUM ('reader', 'writer', 'admin');
		CREATE DOMAIN tag AS varchar(20);
		CREATE TABLE accounts (
			id bigserial PRIMARY KEY,
			roles role[] NOT NULL,
			extra_roles role[] NOT NULL DEFAULT '{}',
			granted role[] NOT NULL,
			ids uuid[] NOT NULL, seen timestamptz[] NOT NULL, scores numeric[] NOT NULL, flags boolean[] NOT NULL,
			tags tag[] NOT NULL, names varchar(10)[] NOT NULL, days date[], nums bigint[] NOT NULL)`)
	profile := Profile{"accounts": {Rows: 10_000, Columns: map[string]*ColumnProfile{
		"granted": {Values: []string{"{reader}", "{reader,writer}", `{"admin"}`}, Weights: []float64{70, 20, 10}},
	}}}
	if _, err := Load(context.Background(), dsn, profile, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM accounts WHERE cardinality(roles) BETWEEN 1 AND 3":                                 10_000,
		"SELECT count(*) FROM accounts WHERE extra_roles = '{}'":                                                 10_000, // the default
		"SELECT count(*) FROM accounts WHERE granted && '{admin}'":                                               queryFloat(t, connectTest(t, dsn), "SELECT count(*) FROM accounts WHERE granted = '{admin}'"),
		"SELECT count(DISTINCT granted) FROM accounts":                                                           3,
		"SELECT count(*) FROM accounts WHERE cardinality(ids) > 0 AND cardinality(seen) > 0":                     10_000,
		"SELECT count(*) FROM accounts WHERE cardinality(scores) > 0 AND cardinality(flags) > 0":                 10_000,
		"SELECT count(*) FROM accounts WHERE cardinality(tags) > 0 AND cardinality(names) > 0":                   10_000,
		"SELECT count(*) FROM accounts WHERE cardinality(nums) > 0 AND 'admin' = ANY(roles::text[]) IS NOT NULL": 10_000,
	})
	if share := queryFloat(t, connectTest(t, dsn), "SELECT avg((granted = '{reader}')::int) FROM accounts"); share < 0.66 || share > 0.74 {
		t.Errorf("share of {reader} = %g, want 0.70", share)
	}
}

func TestTriggersNotFiredAndRestored(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TABLE audit (at timestamptz DEFAULT now(), what text);
		CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL);
		CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'trigger fired'; END $$;
		CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit (what) VALUES (TG_OP); RETURN NEW; END $$;
		CREATE TRIGGER notes_refuse BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION refuse();
		CREATE TRIGGER notes_audit AFTER INSERT ON notes FOR EACH ROW EXECUTE FUNCTION audit();
		CREATE TRIGGER notes_replica AFTER INSERT ON notes FOR EACH ROW EXECUTE FUNCTION audit();
		ALTER TABLE notes ENABLE REPLICA TRIGGER notes_replica;
		CREATE TRIGGER notes_off AFTER INSERT ON notes FOR EACH ROW EXECUTE FUNCTION audit();
		ALTER TABLE notes DISABLE TRIGGER notes_off;
		CREATE RULE notes_divert AS ON INSERT TO notes DO INSTEAD INSERT INTO audit (what) VALUES ('rule');
		CREATE TABLE logs (id bigint NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
		CREATE TABLE logs_a PARTITION OF logs FOR VALUES IN ('a');
		CREATE TABLE logs_b PARTITION OF logs FOR VALUES IN ('b');
		CREATE TRIGGER logs_refuse BEFORE INSERT ON logs FOR EACH ROW EXECUTE FUNCTION refuse();`)
	before := snapshot(t, conn)
	if _, err := Load(context.Background(), dsn, Profile{"notes": {Rows: 20_000}, "logs": {Rows: 5000}}, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM notes": 20_000,
		"SELECT count(*) FROM logs":  5000,
		"SELECT count(*) FROM audit": 0,
	})
	if after := snapshot(t, conn); after != before {
		t.Errorf("triggers not restored:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestGeneratedDomainsPartitionsExclusionsExtensions(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE EXTENSION citext; CREATE EXTENSION hstore; CREATE EXTENSION ltree;
		CREATE DOMAIN percent AS int NOT NULL CHECK (VALUE BETWEEN 0 AND 100);
		CREATE DOMAIN code AS text CHECK (char_length(VALUE) <= 6);
		CREATE TABLE items (
			id bigserial PRIMARY KEY,
			email citext NOT NULL UNIQUE,
			attrs hstore NOT NULL,
			path ltree NOT NULL,
			discount percent,
			sku code NOT NULL,
			price numeric(10,2) NOT NULL CHECK (price > 0),
			qty int NOT NULL CHECK (qty >= 1 AND qty <= 50),
			total numeric GENERATED ALWAYS AS (price * qty) STORED,
			label varchar(30) NOT NULL CHECK (length(label) <= 8));
		CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL, kind text NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
		CREATE TABLE events_2024_01 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
		CREATE TABLE events_2024_02 PARTITION OF events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');
		CREATE TABLE events_2024_06 PARTITION OF events FOR VALUES FROM ('2024-06-01') TO ('2024-07-01');
		CREATE TABLE regions (id int NOT NULL, country text NOT NULL) PARTITION BY LIST (country);
		CREATE TABLE regions_eu PARTITION OF regions FOR VALUES IN ('DE', 'FR');
		CREATE TABLE regions_us PARTITION OF regions FOR VALUES IN ('US');
		CREATE EXTENSION btree_gist;
		CREATE TABLE bookings (room int NOT NULL, during tstzrange NOT NULL, EXCLUDE USING gist (room WITH =, during WITH &&));`)
	before := snapshot(t, conn)
	profile := Profile{"items": {Rows: 20_000}, "events": {Rows: 30_000}, "regions": {Rows: 3000}, "bookings": {Rows: 5000}}
	if _, err := Load(context.Background(), dsn, profile, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM items":                                                                              20_000,
		"SELECT count(DISTINCT lower(email::text)) FROM items":                                                    20_000,
		"SELECT count(*) FROM items WHERE total = price * qty":                                                    20_000,
		"SELECT count(*) FROM items WHERE attrs ? 'k' AND nlevel(path) = 3":                                       20_000,
		"SELECT count(*) FROM items WHERE discount BETWEEN 0 AND 100 AND length(sku) <= 6 AND length(label) <= 8": 20_000,
		"SELECT count(*) FROM events":                                                                             30_000,
		"SELECT count(*) FROM events_2024_06":                                                                     queryFloat(t, conn, "SELECT count(*) FROM events WHERE at >= '2024-06-01'"),
		"SELECT count(*) FROM regions":                                                                            3000,
		"SELECT count(*) FROM regions_us":                                                                         queryFloat(t, conn, "SELECT count(*) FROM regions WHERE country = 'US'"),
		"SELECT count(*) FROM bookings":                                                                           5000,
		"SELECT count(*) FROM (SELECT DISTINCT tableoid FROM events) p":                                           3,
	})
	if after := snapshot(t, conn); after != before {
		t.Errorf("catalog changed by the load:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestWhatCannotBeGeneratedIsReportedBeforeTheLoad(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE DOMAIN email AS text CHECK (VALUE ~ '^[^@]+@[^@]+$');
		CREATE TABLE people (id bigserial PRIMARY KEY, email email NOT NULL);
		CREATE TABLE codes (id bigserial PRIMARY KEY, code text NOT NULL CHECK (code ~ '^[A-Z]{3}$'));
		CREATE TABLE shifts (id bigserial PRIMARY KEY, starts int NOT NULL, ends int NOT NULL, CHECK (ends > starts));
		CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL) PARTITION BY RANGE (id);
		CREATE TABLE events_low PARTITION OF events FOR VALUES FROM (1) TO (100);`)
	tests := []struct {
		profile Profile
		want    string
	}{
		{Profile{"people": {Rows: 1000}}, "people.email: the generated values break the schema"},
		{Profile{"people": {Rows: 1000}}, "scale.people.columns.email.values"},
		{Profile{"codes": {Rows: 1000}}, "scale.codes.columns.code.values"},
		{Profile{"shifts": {Rows: 1000}}, "shifts.starts, shifts.ends"},
		{Profile{"events": {Rows: 1000}}, "scale.events.rows: 1000 rows do not fit unique key events_pkey (id) of events: id is an integer in [1, 99]"},
	}
	for _, tt := range tests {
		_, err := Load(context.Background(), dsn, tt.profile, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("profile %v: error %v, want %q", tt.profile, err, tt.want)
		}
	}
	if n := queryFloat(t, conn, "SELECT (SELECT count(*) FROM people) + (SELECT count(*) FROM codes) + (SELECT count(*) FROM shifts)"); n != 0 {
		t.Errorf("%g rows loaded by failed seeds", n)
	}
	// Given values, the same tables load.
	fixed := Profile{
		"people": {Rows: 1000, Columns: map[string]*ColumnProfile{"email": {Values: []string{"a@x.org", "b@y.org"}}}},
		"codes":  {Rows: 1000, Columns: map[string]*ColumnProfile{"code": {Values: []string{"ABC", "XYZ"}}}},
	}
	if _, err := Load(context.Background(), dsn, fixed, nil); err != nil {
		t.Errorf("with values: %v", err)
	}
}

func TestNoProfileAssumesASize(t *testing.T) {
	schema := `
		CREATE TYPE state AS ENUM ('on', 'off');
		CREATE TABLE states (state state PRIMARY KEY);
		CREATE TABLE settings (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE);
		INSERT INTO settings (name) VALUES ('theme'), ('locale');
		CREATE TABLE devices (id bigserial PRIMARY KEY, state state NOT NULL REFERENCES states, setting_id bigint REFERENCES settings);`
	dsn, _ := freshDB(t, schema)
	loaded, err := LoadWith(context.Background(), dsn, nil, Options{AssumedRows: 3000})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Loaded{
		"devices":  {Rows: 3000, Source: SourceAssumed},
		"settings": {Rows: 2998, Kept: 2, Source: SourceAssumed},
		"states":   {Rows: 2, Source: SourceAssumed}, // all its key can hold
	}
	if len(loaded) != len(want) {
		t.Fatalf("loaded %+v", loaded)
	}
	for _, l := range loaded {
		if w := want[l.Table]; l.Rows != w.Rows || l.Kept != w.Kept || l.Source != w.Source {
			t.Errorf("%s: %+v, want %+v", l.Table, l, w)
		}
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM devices":                             3000,
		"SELECT count(*) FROM settings":                            3000,
		"SELECT count(*) FROM settings WHERE name = 'theme'":       1,
		"SELECT reltuples FROM pg_class WHERE relname = 'devices'": 3000,
	})
	// The cache's note round-trips where sizes came from.
	data, _ := json.Marshal(loaded)
	var back []Loaded
	if err := json.Unmarshal(data, &back); err != nil || back[1].Source != SourceAssumed || back[1].Kept != 2 {
		t.Errorf("round trip %s → %+v (%v)", data, back, err)
	}
	// The default when Options leave it out.
	dsn2, _ := freshDB(t, `CREATE TABLE t (id bigserial PRIMARY KEY)`)
	if loaded, err := Load(context.Background(), dsn2, Profile{}, nil); err != nil || loaded[0].Rows != DefaultAssumedRows || loaded[0].Source != SourceAssumed {
		t.Errorf("empty profile: %+v, %v; want %d assumed rows", loaded, err, DefaultAssumedRows)
	}
}

func TestNoProfileLeavesOutWhatCannotBeGenerated(t *testing.T) {
	dsn, _ := freshDB(t, `
		CREATE TABLE shapes (id bigserial PRIMARY KEY, area box NOT NULL);
		CREATE TABLE codes (id bigserial PRIMARY KEY, code text NOT NULL CHECK (code ~ '^[A-Z]{3}$'));
		CREATE TABLE uses (id bigserial PRIMARY KEY, code_id bigint REFERENCES codes);
		CREATE TABLE plain (id bigserial PRIMARY KEY);`)
	loaded, err := LoadWith(context.Background(), dsn, nil, Options{AssumedRows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		rows   int64
		source string
		note   string
	}{
		"codes":  {0, SourceUnsized, "scale.codes.columns.code.values"},
		"plain":  {2000, SourceAssumed, ""},
		"shapes": {0, SourceUnsized, "scale.shapes.columns.area.values"},
		"uses":   {0, SourceUnsized, "it references codes"},
	}
	for _, l := range loaded {
		w := want[l.Table]
		if l.Rows != w.rows || l.Source != w.source || !strings.Contains(l.Note, w.note) || (w.note == "") != (l.Note == "") {
			t.Errorf("%s: %+v, want %+v", l.Table, l, w)
		}
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM plain": 2000,
		"SELECT count(*) FROM uses":  0,
	})
}

func TestForeignKeysOfSeveralColumns(t *testing.T) {
	dsn, _ := freshDB(t, `
		CREATE TABLE tenants (id bigserial PRIMARY KEY);
		CREATE TABLE users (tenant_id bigint NOT NULL REFERENCES tenants, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
		CREATE TABLE posts (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL REFERENCES tenants, author_id bigint NOT NULL,
		    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id));`)
	if _, err := Load(context.Background(), dsn, Profile{"tenants": {Rows: 100}, "users": {Rows: 5000}, "posts": {Rows: 20_000}}, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM posts": 20_000,
		"SELECT count(*) FROM posts p JOIN users u ON (u.tenant_id, u.id) = (p.tenant_id, p.author_id)":    20_000,
		"SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace": 3,
	})
}
