package seed

import (
	"context"
	"strings"
	"testing"
)

// Failure classes met seeding real applications' schemas (issue 16, the
// corpus), reproduced in fixtures of our own.

func TestTwoColumnChecksAreMet(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TYPE job_state AS ENUM ('open', 'running', 'done', 'cancelled');
		-- As pg_get_constraintdef writes it: <> / =.
		CREATE TABLE job (id bigserial PRIMARY KEY, state job_state NOT NULL, finished_at timestamptz,
		    CHECK ((finished_at IS NULL AND state <> 'done') OR (finished_at IS NOT NULL AND state = 'done')));
		CREATE INDEX job_state ON job (state);
		-- NOT IN / IN lists: <> ALL / = ANY.
		CREATE TABLE river_job (id bigserial PRIMARY KEY, state job_state NOT NULL, finalized_at timestamptz,
		    CONSTRAINT finalized_or_finalized_at_null CHECK (
		        (finalized_at IS NULL AND state NOT IN ('done', 'cancelled')) OR
		        (finalized_at IS NOT NULL AND state IN ('done', 'cancelled'))));
		-- A NOT NULL follower: only the states it allows are generated.
		CREATE TABLE closed (id bigserial PRIMARY KEY, state job_state NOT NULL, closed_at timestamptz NOT NULL,
		    CHECK ((closed_at IS NULL) = (state IN ('open', 'running'))));
		-- A boolean leader, and two columns tested only for NULL.
		CREATE TABLE docs (id bigserial PRIMARY KEY, archived bool NOT NULL, archived_at timestamptz,
		    deleted_at timestamptz, deleted_by text,
		    CHECK (NOT archived OR archived_at IS NOT NULL),
		    CHECK ((deleted_at IS NULL) = (deleted_by IS NULL)));
		-- Text leaders: made-up values (never 'done'), and the profile's.
		CREATE TABLE tasks (id bigserial PRIMARY KEY, status text NOT NULL, done_at timestamptz,
		    CHECK ((status = 'done') = (done_at IS NOT NULL)));
		CREATE TABLE tickets (id bigserial PRIMARY KEY, status text NOT NULL, closed_at timestamptz,
		    CHECK ((status = 'closed') = (closed_at IS NOT NULL)));`)
	profile := Profile{
		"job": {Rows: 20_000},
		"river_job": {Rows: 20_000, Columns: map[string]*ColumnProfile{
			"state": {Values: []string{"open", "done", "cancelled"}, Weights: []float64{10, 80, 10}}}},
		"closed": {Rows: 5000},
		"docs":   {Rows: 10_000, Columns: map[string]*ColumnProfile{"deleted_at": {NullFraction: 0.7}}},
		"tasks":  {Rows: 5000},
		"tickets": {Rows: 5000, Columns: map[string]*ColumnProfile{
			"status": {Values: []string{"open", "closed"}, Weights: []float64{20, 80}}}},
	}
	if _, err := Load(context.Background(), dsn, profile, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM job": 20_000,
		"SELECT count(*) FROM job WHERE (finished_at IS NOT NULL) <> (state = 'done')":           0,
		"SELECT count(DISTINCT state) FROM job":                                                  4,
		"SELECT count(*) FROM river_job":                                                         20_000,
		"SELECT count(*) FROM closed":                                                            5000,
		"SELECT count(*) FROM closed WHERE state IN ('open', 'running')":                         0,
		"SELECT count(*) FROM docs WHERE archived AND archived_at IS NULL":                       0,
		"SELECT count(*) FROM docs WHERE (deleted_at IS NULL) <> (deleted_by IS NULL)":           0,
		"SELECT count(DISTINCT state) FROM closed":                                               2,
		"SELECT count(*) FROM tasks WHERE done_at IS NULL":                                       5000,
		"SELECT count(*) FROM tickets WHERE (status = 'closed') <> (closed_at IS NOT NULL)":      0,
		"SELECT count(DISTINCT status) FROM tickets":                                             2,
		"SELECT count(*) FROM river_job WHERE state = 'open' AND finalized_at IS NOT NULL":       0,
		"SELECT count(*) FROM river_job WHERE state <> 'open' AND finalized_at IS NULL":          0,
		"SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid = 'docs'::regclass": 2,
	})
	// The profile's weights still hold: the follower follows, the leader
	// keeps its shape.
	if share := queryFloat(t, conn, "SELECT avg((finalized_at IS NOT NULL)::int) FROM river_job"); share < 0.87 || share > 0.93 {
		t.Errorf("finalized share %g, want 0.90", share)
	}
	if share := queryFloat(t, conn, "SELECT avg((deleted_by IS NULL)::int) FROM docs"); share < 0.67 || share > 0.73 {
		t.Errorf("deleted_by NULL share %g, want 0.70", share)
	}
}

func TestTwoColumnCheckThatCannotBeMetNamesBothColumns(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TYPE job_state AS ENUM ('open', 'done');
		CREATE TABLE job (id bigserial PRIMARY KEY, state job_state NOT NULL, finished_at timestamptz NOT NULL,
		    CHECK ((finished_at IS NULL AND state <> 'done') OR (finished_at IS NOT NULL AND state = 'done')));
		CREATE TABLE shifts (id bigserial PRIMARY KEY, starts int NOT NULL, ends int NOT NULL, CONSTRAINT ordered CHECK (ends > starts));`)
	tests := []struct {
		profile Profile
		want    []string
	}{
		// The profile asks for a state the NOT NULL finished_at cannot meet.
		{Profile{"job": {Rows: 1000, Columns: map[string]*ColumnProfile{"state": {Values: []string{"open", "done"}}}}},
			[]string{"job.state, job.finished_at: CHECK job_check ties them", "when job.state is 'open'",
				"leave 'open' out of scale.job.columns.state.values"}},
		// A shape not read: still named before the load, with both columns.
		{Profile{"shifts": {Rows: 1000}},
			[]string{"shifts.starts, shifts.ends", "CHECK ordered ties these columns", "scale.shifts.columns.starts, scale.shifts.columns.ends"}},
	}
	for _, tt := range tests {
		_, err := Load(context.Background(), dsn, tt.profile, nil)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("profile %v: error %v, want it to say %q", tt.profile, err, w)
			}
		}
	}
	if n := queryFloat(t, conn, "SELECT (SELECT count(*) FROM job) + (SELECT count(*) FROM shifts)"); n != 0 {
		t.Errorf("%g rows loaded by failed seeds", n)
	}
	// Without the profile's values, the state the CHECK allows is the one generated.
	if _, err := Load(context.Background(), dsn, Profile{"job": {Rows: 1000}}, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{"SELECT count(*) FROM job WHERE state = 'done'": 1000})
}

func TestParentsWithoutRowsAreListedTogether(t *testing.T) {
	dsn, _ := freshDB(t, `
		CREATE TABLE scanner_registration (uuid uuid PRIMARY KEY);
		CREATE TABLE scan_report (uuid uuid PRIMARY KEY);
		CREATE TABLE tenants (id bigint PRIMARY KEY);
		CREATE TABLE notes (id bigint PRIMARY KEY);
		CREATE TABLE accounts (tenant_id bigint NOT NULL REFERENCES tenants, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
		CREATE TABLE vulnerability_record (id bigserial PRIMARY KEY,
		    registration_uuid uuid NOT NULL REFERENCES scanner_registration,
		    report_uuid uuid NOT NULL REFERENCES scan_report,
		    note_id bigint REFERENCES notes);
		CREATE TABLE report_vulnerability_record (id bigserial PRIMARY KEY, report_uuid uuid NOT NULL REFERENCES scan_report,
		    tenant_id bigint NOT NULL, account_id bigint NOT NULL, FOREIGN KEY (tenant_id, account_id) REFERENCES accounts);`)
	_, err := Load(context.Background(), dsn, Profile{"vulnerability_record": {Rows: 1000}, "report_vulnerability_record": {Rows: 1000}}, nil)
	for _, w := range []string{
		"scale: 3 tables get no rows",
		"scan_report (referenced by report_vulnerability_record.report_uuid, vulnerability_record.report_uuid)",
		"scanner_registration (referenced by vulnerability_record.registration_uuid)",
		"accounts (referenced by report_vulnerability_record (tenant_id, account_id))",
		"give scale.accounts.rows, scale.scan_report.rows, scale.scanner_registration.rows",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v, want it to say %q", err, w)
		}
	}
	if err != nil && strings.Contains(err.Error(), "notes") {
		t.Errorf("error %v names notes, which a nullable foreign key references", err)
	}
}

func TestIndexedConstantDefaultsVary(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TABLE books (id serial PRIMARY KEY, title text NOT NULL DEFAULT '', year int NOT NULL DEFAULT 2000,
		    lang text NOT NULL DEFAULT 'en', available bool NOT NULL DEFAULT true, shelf text NOT NULL DEFAULT 'new',
		    edition int NOT NULL DEFAULT 1, code text NOT NULL DEFAULT 'AAA' CHECK (code ~ '^[A-Z]{3}$'));
		CREATE INDEX books_code ON books (code);
		CREATE INDEX books_title_idx ON books (title, year);
		CREATE INDEX books_available ON books (available);
		CREATE INDEX books_shelf ON books (lower(shelf));`)
	profile := Profile{"books": {Rows: 50_000, Columns: map[string]*ColumnProfile{
		"shelf": {Values: []string{"new"}}, // the profile pins it
	}}}
	// A query filters on edition (the review says so through Options.Vary).
	if _, err := LoadWith(context.Background(), dsn, profile, Options{Vary: []string{"books.edition"}}); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM books WHERE lang = 'en'":              50_000, // not indexed: the default
		"SELECT count(*) FROM books WHERE shelf = 'new'":            50_000, // pinned by the profile
		"SELECT count(*) FROM books WHERE code = 'AAA'":             50_000, // a CHECK not read: only the default is known to pass
		"SELECT count(*) FROM books WHERE available":                50_000, // a boolean: the default
		"SELECT count(*) FROM pg_indexes WHERE tablename = 'books'": 5,
	})
	if share := queryFloat(t, conn, "SELECT avg((title = '')::int) FROM books"); share > 0.07 || share < 0.03 {
		t.Errorf("share of the default title %g, want about %g", share, defaultShare)
	}
	if share := queryFloat(t, conn, "SELECT avg((year = 2000)::int) FROM books"); share > 0.07 {
		t.Errorf("share of the default year %g, want about %g", share, defaultShare)
	}
	if share := queryFloat(t, conn, "SELECT avg((edition = 1)::int) FROM books"); share > 0.07 {
		t.Errorf("share of the default edition %g, want about %g", share, defaultShare)
	}
	if n := queryFloat(t, conn, "SELECT count(*) FROM (SELECT DISTINCT title, year FROM books) d"); n < 10_000 {
		t.Errorf("%g distinct (title, year), want many", n)
	}
	var plan string
	if err := conn.QueryRow(context.Background(), "EXPLAIN SELECT * FROM books WHERE title = 'title-5' AND year = 7").Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "books_title_idx") {
		t.Errorf("plan %q does not use books_title_idx", plan)
	}
}

func TestSelfReferencesPointAtEarlierRows(t *testing.T) {
	dsn, _ := freshDB(t, `
		CREATE TABLE projects (id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY, name text NOT NULL,
		    parent_id uuid REFERENCES projects (id) ON DELETE CASCADE);
		ALTER TABLE projects ADD CONSTRAINT parent_child_not_equal CHECK (id != parent_id);
		INSERT INTO projects (name) VALUES ('root');
		CREATE INDEX projects_parent ON projects (parent_id);
		CREATE TABLE nodes (id bigserial PRIMARY KEY, parent_id bigint REFERENCES nodes, CHECK (id <> parent_id));
		INSERT INTO nodes DEFAULT VALUES;
		CREATE TABLE versions (id bigserial PRIMARY KEY, previous_id bigint UNIQUE REFERENCES versions, CHECK (id <> previous_id));`)
	if _, err := Load(context.Background(), dsn, Profile{"projects": {Rows: 5000}, "nodes": {Rows: 5000}, "versions": {Rows: 3000}}, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM projects": 5000,
		// Every project reaches a root: no cycles.
		`WITH RECURSIVE up(id, parent_id, depth) AS (SELECT id, parent_id, 0 FROM projects
		  UNION ALL SELECT u.id, p.parent_id, u.depth + 1 FROM up u JOIN projects p ON p.id = u.parent_id WHERE u.depth < 5000)
		 SELECT count(*) FROM up WHERE parent_id IS NULL`: 5000,
		"SELECT count(*) FROM nodes":                                                   5000,
		"SELECT count(*) FROM nodes WHERE parent_id >= id":                             0,
		"SELECT count(*) FROM nodes WHERE parent_id IS NOT NULL":                       4998, // the migration's row and the first new one are roots
		"SELECT count(*) FROM versions":                                                3000,
		"SELECT count(*) FROM versions WHERE previous_id >= id":                        0,
		"SELECT count(DISTINCT previous_id) FROM versions":                             2999,
		"SELECT count(*) FROM projects WHERE parent_id IS NOT NULL AND name <> 'root'": 4998,
	})
}

func TestTemporaryTablesOfMigrationsAreNotSeeded(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TABLE t (id bigint PRIMARY KEY, note text);
		CREATE INDEX t_note ON t (note);`)
	// A migration's session made it, and is still open while the seed runs.
	if _, err := conn.Exec(context.Background(), `CREATE TEMP TABLE tmp_nulls AS SELECT id FROM t WHERE note IS NULL;
		CREATE TEMP TABLE tmp_keyed (id bigint PRIMARY KEY, t_id bigint NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadWith(context.Background(), dsn, nil, Options{AssumedRows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != 1 || loaded[0].Table != "t" || loaded[0].Rows != 2000 {
		t.Errorf("loaded %+v, want only t with 2000 rows", loaded)
	}
	checkExact(t, dsn, map[string]float64{"SELECT count(*) FROM t": 2000})
}

func TestForeignKeyCyclesBreakOnTheNullableSide(t *testing.T) {
	// Hatchet's shape, twice: as its tables are named, and with names
	// that sort the other way (the cycle used to break where the walk
	// first met it).
	for _, names := range [][3]string{{`"Workflow"`, `"WorkflowVersion"`, `"Job"`}, {"b_workflow", "a_version", "z_job"}} {
		wf, version, job := names[0], names[1], names[2]
		dsn, _ := freshDB(t, `
			CREATE TABLE `+wf+` (id uuid PRIMARY KEY);
			CREATE TABLE `+version+` (id uuid PRIMARY KEY, "workflowId" uuid NOT NULL REFERENCES `+wf+`(id), "onFailureJobId" uuid);
			CREATE TABLE `+job+` (id uuid PRIMARY KEY, "workflowVersionId" uuid NOT NULL REFERENCES `+version+`(id) ON UPDATE CASCADE ON DELETE CASCADE);
			ALTER TABLE `+version+` ADD FOREIGN KEY ("onFailureJobId") REFERENCES `+job+`(id) ON UPDATE CASCADE ON DELETE SET NULL;
			CREATE UNIQUE INDEX ON `+version+`("onFailureJobId");`)
		unquote := func(s string) string { return strings.Trim(s, `"`) }
		profile := Profile{unquote(wf): {Rows: 100}, unquote(version): {Rows: 1000}, unquote(job): {Rows: 3000}}
		if _, err := Load(context.Background(), dsn, profile, nil); err != nil {
			t.Fatalf("%v: %v", names, err)
		}
		checkExact(t, dsn, map[string]float64{
			"SELECT count(*) FROM " + version: 1000,
			"SELECT count(*) FROM " + job:     3000,
			"SELECT count(*) FROM " + job + ` j JOIN ` + version + ` v ON v.id = j."workflowVersionId"`: 3000,
			"SELECT count(*) FROM pg_constraint WHERE contype = 'f'":                                    3,
		})
	}
}

func TestCacheKeyForCountsWhatChangesTheRows(t *testing.T) {
	schema := []string{"CREATE TABLE b (title text NOT NULL DEFAULT '')"}
	plain := CacheKeyFor(schema, nil, Options{})
	if plain != CacheKey(schema, nil) {
		t.Errorf("CacheKeyFor with no options differs from CacheKey")
	}
	a := CacheKeyFor(schema, nil, Options{Vary: []string{"b.title", "b.year"}})
	b := CacheKeyFor(schema, nil, Options{Vary: []string{"b.year", "b.title"}})
	if a == plain || a != b {
		t.Errorf("keys: plain %s, vary %s, reordered %s: want the vary set to count, not its order", plain, a, b)
	}
}

// hatchet's WorkflowVersion."order": SMALLSERIAL, later widened to bigint
// with a new sequence as its DEFAULT; the column still owns the old
// smallint sequence, which pg_get_serial_sequence returns.
func TestSequenceResetFollowsTheColumnDefault(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TABLE v (id uuid PRIMARY KEY, "order" SMALLSERIAL NOT NULL);
		CREATE SEQUENCE v_order_big;
		ALTER TABLE v ALTER COLUMN "order" TYPE BIGINT;
		ALTER SEQUENCE v_order_big OWNED BY v."order";
		ALTER TABLE v ALTER COLUMN "order" SET DEFAULT nextval('v_order_big'::regclass);
		-- Sequences narrower than their columns.
		CREATE SEQUENCE narrow AS smallint;
		CREATE TABLE w (id bigint PRIMARY KEY DEFAULT nextval('narrow'));
		CREATE SEQUENCE narrow_too AS smallint;
		CREATE TABLE x (id bigint PRIMARY KEY, n int NOT NULL DEFAULT nextval('narrow_too'));`)
	// Keys the sequence cannot reach: named before the load.
	_, err := Load(context.Background(), dsn, Profile{"w": {Rows: 40_000}}, nil)
	for _, w := range []string{"scale.w.rows: 40000 rows do not fit", "[1, 32767]"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v, want it to say %q", err, w)
		}
	}
	profile := Profile{
		"v": {Rows: 50_000, Columns: map[string]*ColumnProfile{"order": {Range: []string{"1", "40000"}}}},
		"w": {Rows: 30_000},
		// The profile's range goes past the sequence: it is set to its end.
		"x": {Rows: 10_000, Columns: map[string]*ColumnProfile{"n": {Range: []string{"1", "40000"}}}},
	}
	if _, err := Load(context.Background(), dsn, profile, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		// The DEFAULT's sequence is past every seeded value.
		`SELECT (SELECT last_value FROM v_order_big) - (SELECT max("order") FROM v)`: 0,
		// The old one is left as it was.
		`SELECT (SELECT last_value FROM v_order_seq) + (SELECT is_called::int FROM v_order_seq)`: 1,
		`SELECT count(*) FROM w WHERE id > 32767`:                                                0,
		`SELECT (SELECT last_value FROM narrow) - (SELECT max(id) FROM w)`:                       0,
		`SELECT (max(n) > 32767)::int FROM x`:                                                    1, // so the reset had to clamp
		`SELECT last_value FROM narrow_too`:                                                      32767,
	})
	var next int64
	if err := conn.QueryRow(context.Background(), `INSERT INTO v (id) VALUES (gen_random_uuid()) RETURNING "order"`).Scan(&next); err != nil || next <= 32767 {
		t.Errorf("next order %d, %v; want past the seeded values", next, err)
	}
}

// hatchet's Tenant.version: CHECK ("version" != 'V0') on an enum.
func TestOneColumnChecksLeaveOutEnumLabels(t *testing.T) {
	dsn, _ := freshDB(t, `
		CREATE TYPE ver AS ENUM ('V0', 'V1', 'V2');
		CREATE TYPE state AS ENUM ('new', 'open', 'done', 'gone');
		CREATE DOMAIN live_state AS state CHECK (VALUE <> 'gone');
		CREATE TABLE tenant (id uuid PRIMARY KEY, version ver NOT NULL DEFAULT 'V1', CHECK (version != 'V0'),
		    state state NOT NULL CHECK (state NOT IN ('gone', 'new')), kept state CHECK (kept IN ('open', 'done')),
		    live live_state NOT NULL);
		CREATE INDEX tenant_version ON tenant (version);`)
	if _, err := Load(context.Background(), dsn, Profile{"tenant": {Rows: 2000}}, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(*) FROM tenant":                                    2000,
		"SELECT count(DISTINCT version) FROM tenant":                     2,
		"SELECT count(DISTINCT state) FROM tenant":                       2,
		"SELECT count(*) FROM tenant WHERE kept NOT IN ('open', 'done')": 0,
		"SELECT count(DISTINCT kept) FROM tenant":                        2,
		"SELECT count(DISTINCT live) FROM tenant":                        3,
	})
}

// A varchar(2) primary key (country codes), some rows of which the
// migrations insert, and a UNIQUE inet column.
func TestShortTextKeysAndUniqueAddresses(t *testing.T) {
	dsn, _ := freshDB(t, `
		CREATE TABLE s (code varchar(2) PRIMARY KEY, name text NOT NULL);
		INSERT INTO s VALUES ('00', 'first code'), ('US', 'United States');
		CREATE TABLE city (id bigserial PRIMARY KEY, country varchar(2) NOT NULL REFERENCES s (code));
		-- A pattern CHECK not read: letters only.
		CREATE TABLE lang (code char(2) PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'));
		CREATE TABLE ip (id bigserial PRIMARY KEY, ip inet NOT NULL UNIQUE, net cidr UNIQUE);`)
	// More rows than two characters can tell apart: named before the load.
	_, err := Load(context.Background(), dsn, Profile{"s": {Rows: 1297}}, nil)
	for _, w := range []string{"scale.s.rows: 1295 rows do not fit unique key s_pkey (code) of s",
		"code holds at most 2 characters (1294 codes not taken)"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v, want it to say %q", err, w)
		}
	}
	profile := Profile{"s": {Rows: 1296}, "city": {Rows: 5000}, "lang": {Rows: 600}, "ip": {Rows: 100_000}}
	if _, err := Load(context.Background(), dsn, profile, nil); err != nil {
		t.Fatal(err)
	}
	checkExact(t, dsn, map[string]float64{
		"SELECT count(DISTINCT code) FROM s":                   1296,
		"SELECT max(length(code)) FROM s":                      2,
		"SELECT count(*) FROM s WHERE name = 'United States'":  1,
		"SELECT count(*) FROM city":                            5000,
		"SELECT count(DISTINCT code) FROM lang":                600,
		"SELECT count(DISTINCT ip) FROM ip":                    100_000,
		"SELECT count(DISTINCT net) FROM ip":                   100_000,
		"SELECT count(*) FROM ip WHERE NOT ip << '10.0.0.0/8'": 0,
	})
}
