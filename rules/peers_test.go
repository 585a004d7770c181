package rules

// The hazards squawk, eugene and strong_migrations document, each
// reproduced on one schema (docs/migration-peers.md maps them): every
// hazard must be caught at warning or error by the rule the table names,
// and none of the peers' safe forms may get an error from any rule.

import (
	"fmt"
	"strings"
	"testing"
)

// peerBase is the deployed history every case is applied on.
const peerBase = `
CREATE TABLE countries (code text PRIMARY KEY);
CREATE TABLE accounts (
    id      bigint PRIMARY KEY,
    email   text,
    plan    text,
    name    text NOT NULL,
    balance bigint,
    age     integer,
    code    varchar(5),
    network cidr,
    seen_at timestamp(0),
    country text,
    status  text
);
CREATE INDEX accounts_country_idx ON accounts (country);
CREATE INDEX accounts_status_idx ON accounts (status);
CREATE TYPE ticket_state AS ENUM ('open', 'pending', 'closed');
CREATE TABLE tickets (
    id         bigint PRIMARY KEY,
    account_id bigint,
    state      ticket_state NOT NULL
);
CREATE INDEX tickets_account_id_idx ON tickets (account_id);
CREATE DOMAIN handle AS text;
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
`

// peerCase is one documented hazard: the migrations that make it (each
// string one golang-migrate file, or a goose file when it starts with
// "-- +goose"), the rule that must catch it, and the peer's safe form.
type peerCase struct {
	peer, id string
	hazard   []string
	rule     string
	safe     []string
}

var peerCases = []peerCase{
	// squawk
	{"squawk", "adding-field-with-default", []string{"ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();"}, "add-column-volatile-default",
		[]string{"ALTER TABLE accounts ADD COLUMN foo integer DEFAULT 10 NOT NULL;", "ALTER TABLE accounts ADD COLUMN bar integer;\nALTER TABLE accounts ALTER COLUMN bar SET DEFAULT 10;"}},
	{"squawk", "adding-foreign-key-constraint", []string{"ALTER TABLE tickets ADD CONSTRAINT tickets_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);"}, "constraint-without-not-valid",
		[]string{"ALTER TABLE tickets ADD CONSTRAINT tickets_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;", "ALTER TABLE tickets VALIDATE CONSTRAINT tickets_account_fk;"}},
	{"squawk", "adding-foreign-key-constraint (ADD COLUMN … REFERENCES)", []string{"ALTER TABLE accounts ADD COLUMN home_country text REFERENCES countries (code);"}, "constraint-without-not-valid",
		[]string{"ALTER TABLE accounts ADD COLUMN home_country text;", "ALTER TABLE accounts ADD CONSTRAINT accounts_home_country_fk FOREIGN KEY (home_country) REFERENCES countries (code) NOT VALID;", "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_home_country_fk;"}},
	{"squawk", "adding-not-nullable-field", []string{"ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;"}, "set-not-null",
		[]string{"ALTER TABLE accounts ADD CONSTRAINT plan_not_null CHECK (plan IS NOT NULL) NOT VALID;", "ALTER TABLE accounts VALIDATE CONSTRAINT plan_not_null;", "ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;"}},
	{"squawk", "adding-primary-key-constraint", []string{"ALTER TABLE countries DROP CONSTRAINT countries_pkey;", "ALTER TABLE countries ADD PRIMARY KEY (code);"}, "add-unique-constraint",
		[]string{"CREATE UNIQUE INDEX CONCURRENTLY accounts_name_key ON accounts (name);", "ALTER TABLE accounts ADD CONSTRAINT accounts_name_unique UNIQUE USING INDEX accounts_name_key;"}},
	{"squawk", "adding-required-field", []string{"ALTER TABLE accounts ADD COLUMN public boolean NOT NULL;"}, "add-column-not-null-without-default",
		[]string{"ALTER TABLE accounts ADD COLUMN public boolean;", "ALTER TABLE accounts ADD COLUMN shown boolean NOT NULL DEFAULT false;"}},
	{"squawk", "adding-serial-primary-key-field", []string{"ALTER TABLE countries ADD COLUMN seq bigserial UNIQUE;"}, "add-unique-constraint",
		[]string{"CREATE UNIQUE INDEX CONCURRENTLY tickets_id_state_key ON tickets (id, state);"}},
	{"squawk", "ban-alter-domain-with-add-constraint", []string{"ALTER DOMAIN handle ADD CONSTRAINT handle_short CHECK (length(VALUE) < 40);"}, "domain-constraint",
		[]string{"ALTER TABLE accounts ADD CONSTRAINT email_short CHECK (length(email) < 200) NOT VALID;"}},
	{"squawk", "ban-char-field", []string{"CREATE TABLE app_user (id bigint PRIMARY KEY, name char(100) NOT NULL);"}, "prefer-text-over-char",
		[]string{"CREATE TABLE app_user (id bigint PRIMARY KEY, name text NOT NULL);"}},
	{"squawk", "ban-concurrent-index-creation-in-transaction", []string{"BEGIN;\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\nCOMMIT;"}, "concurrently-in-transaction",
		[]string{"CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);"}},
	{"squawk", "ban-create-domain-with-constraint", []string{"CREATE DOMAIN email_address AS text CHECK (VALUE LIKE '%@%');"}, "domain-constraint",
		[]string{"CREATE DOMAIN email_address AS text;"}},
	{"squawk", "ban-drop-column", []string{"ALTER TABLE accounts DROP COLUMN age;"}, "rename-or-drop", nil},
	{"squawk", "ban-drop-database", []string{"DROP DATABASE analytics;"}, "drop-database", nil},
	{"squawk", "ban-drop-not-null", []string{"ALTER TABLE accounts ALTER COLUMN name DROP NOT NULL;"}, "drop-not-null", nil},
	{"squawk", "ban-drop-table", []string{"DROP TABLE tickets;"}, "rename-or-drop", nil},
	{"squawk", "ban-truncate-cascade", []string{"TRUNCATE countries CASCADE;"}, "truncate-table",
		[]string{"DELETE FROM tickets WHERE id < 1000;"}},
	{"squawk", "ban-uncommitted-transaction", []string{"BEGIN;\nALTER TABLE accounts ADD COLUMN tier text;"}, "uncommitted-transaction",
		[]string{"BEGIN;\nALTER TABLE accounts ADD COLUMN tier text;\nCOMMIT;"}},
	{"squawk", "changing-column-type", []string{"ALTER TABLE accounts ALTER COLUMN age TYPE bigint;"}, "alter-column-type",
		[]string{"ALTER TABLE accounts ALTER COLUMN code TYPE varchar(10);", "ALTER TABLE accounts ALTER COLUMN code TYPE text;"}},
	{"squawk", "constraint-missing-not-valid", []string{"ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0);"}, "constraint-without-not-valid",
		[]string{"ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;", "ALTER TABLE accounts VALIDATE CONSTRAINT positive_balance;"}},
	{"squawk", "constraint-missing-not-valid (VALIDATE in the same transaction)", []string{"ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;\nALTER TABLE accounts VALIDATE CONSTRAINT positive_balance;"}, "lock-held-across-statements", nil},
	{"squawk", "disallowed-unique-constraint", []string{"ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);"}, "add-unique-constraint",
		[]string{"CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);", "ALTER TABLE accounts ADD CONSTRAINT accounts_email_unique UNIQUE USING INDEX accounts_email_key;"}},
	{"squawk", "identifier-too-long", []string{"CREATE INDEX CONCURRENTLY accounts_customer_billing_address_country_code_and_postal_code_idx ON accounts (country);"}, "identifier-too-long",
		[]string{"CREATE INDEX CONCURRENTLY accounts_country_email_idx ON accounts (country, email);"}},
	{"squawk", "prefer-bigint-over-int", []string{"CREATE TABLE posts (id int PRIMARY KEY);"}, "prefer-bigint",
		[]string{"CREATE TABLE posts (id bigint PRIMARY KEY);"}},
	{"squawk", "prefer-bigint-over-smallint", []string{"CREATE TABLE posts (id smallserial PRIMARY KEY);"}, "prefer-bigint",
		[]string{"CREATE TABLE posts (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);"}},
	{"squawk", "prefer-identity", []string{"CREATE TABLE users (id bigserial PRIMARY KEY);"}, "prefer-identity",
		[]string{"CREATE TABLE users (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);"}},
	{"squawk", "prefer-repack", []string{"VACUUM FULL accounts;"}, "vacuum-full-cluster-reindex",
		[]string{"VACUUM (ANALYZE) accounts;"}},
	{"squawk", "prefer-robust-stmts", []string{"-- +goose NO TRANSACTION\n-- +goose Up\nALTER TABLE accounts ADD COLUMN billing_email text;\nCREATE INDEX CONCURRENTLY accounts_billing_email_idx ON accounts (billing_email);"}, "prefer-robust-statements",
		[]string{"-- +goose NO TRANSACTION\n-- +goose Up\nALTER TABLE accounts ADD COLUMN IF NOT EXISTS billing_email text;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_billing_email_idx ON accounts (billing_email);"}},
	{"squawk", "prefer-timestamptz", []string{"ALTER TABLE accounts ADD COLUMN created_ts timestamp;"}, "prefer-timestamptz",
		[]string{"ALTER TABLE accounts ADD COLUMN created_ts timestamptz;"}},
	{"squawk", "renaming-column", []string{"ALTER TABLE accounts RENAME COLUMN name TO full_name;"}, "rename-or-drop", nil},
	{"squawk", "renaming-table", []string{"ALTER TABLE accounts RENAME TO users;"}, "rename-or-drop", nil},
	{"squawk", "require-concurrent-index-creation", []string{"CREATE INDEX accounts_plan_idx ON accounts (plan);"}, "create-index-non-concurrently",
		[]string{"CREATE INDEX CONCURRENTLY accounts_plan_idx ON accounts (plan);"}},
	{"squawk", "require-concurrent-index-deletion", []string{"DROP INDEX accounts_status_idx;"}, "drop-index-non-concurrently",
		[]string{"DROP INDEX CONCURRENTLY IF EXISTS accounts_status_idx;"}},
	{"squawk", "require-concurrent-partition-detach", []string{"ALTER TABLE events DETACH PARTITION events_2023;"}, "detach-partition-non-concurrently",
		[]string{"ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;"}},
	{"squawk", "require-concurrent-reindex", []string{"REINDEX TABLE accounts;"}, "vacuum-full-cluster-reindex",
		[]string{"REINDEX TABLE CONCURRENTLY accounts;"}},
	{"squawk", "require-enum-value-ordering", []string{"ALTER TYPE ticket_state ADD VALUE 'escalated';"}, "enum-type",
		[]string{"ALTER TYPE ticket_state ADD VALUE 'escalated' BEFORE 'closed';"}},
	{"squawk", "require-lock-timeout", []string{"ALTER TABLE accounts ADD COLUMN c boolean;"}, "missing-lock-timeout",
		[]string{"SET lock_timeout = '1s';\nALTER TABLE accounts ADD COLUMN c boolean;"}},
	{"squawk", "require-statement-timeout", []string{"SET lock_timeout = '1s';\nCREATE INDEX accounts_plan_idx ON accounts (plan);"}, "missing-statement-timeout",
		[]string{"SET lock_timeout = '1s';\nSET statement_timeout = '5s';\nALTER TABLE accounts ADD COLUMN c boolean;"}},
	{"squawk", "transaction-nesting", []string{"-- +goose Up\nBEGIN;\nALTER TABLE accounts ADD COLUMN tier text;\nCOMMIT;"}, "transaction-nesting",
		[]string{"-- +goose Up\nALTER TABLE accounts ADD COLUMN tier text;"}},

	// eugene
	{"eugene", "E1", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD CONSTRAINT name_not_empty CHECK (name <> '');"}, "constraint-without-not-valid",
		[]string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD CONSTRAINT name_not_empty CHECK (name <> '') NOT VALID;", "SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts VALIDATE CONSTRAINT name_not_empty;"}},
	{"eugene", "E2", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ALTER COLUMN email SET NOT NULL;"}, "set-not-null",
		[]string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD CONSTRAINT email_not_null CHECK (email IS NOT NULL) NOT VALID;", "ALTER TABLE accounts VALIDATE CONSTRAINT email_not_null;", "SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ALTER COLUMN email SET NOT NULL;"}},
	{"eugene", "E3", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN settings json;"}, "prefer-jsonb",
		[]string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN settings jsonb;"}},
	{"eugene", "E4", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN nick text;\nSELECT count(*) FROM accounts;"}, "lock-held-across-statements",
		[]string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN nick text;", "SELECT count(*) FROM accounts;"}},
	{"eugene", "E5", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ALTER COLUMN balance TYPE numeric;"}, "alter-column-type",
		[]string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN new_balance numeric;"}},
	{"eugene", "E6", []string{"CREATE INDEX accounts_email_idx ON accounts (email);"}, "create-index-non-concurrently",
		[]string{"CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);"}},
	{"eugene", "E7", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD CONSTRAINT unique_name UNIQUE (name);"}, "add-unique-constraint",
		[]string{"CREATE UNIQUE INDEX CONCURRENTLY unique_name_idx ON accounts (name);", "SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD CONSTRAINT unique_name UNIQUE USING INDEX unique_name_idx;"}},
	{"eugene", "E8", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD CONSTRAINT accounts_name_excl EXCLUDE (name WITH =);"}, "add-unique-constraint", nil},
	{"eugene", "E9", []string{"ALTER TABLE accounts ADD COLUMN nick text;"}, "missing-lock-timeout",
		[]string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN nick text;"}},
	{"eugene", "E10", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ALTER COLUMN age TYPE bigint;"}, "alter-column-type", nil},
	{"eugene", "E11", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN seq bigserial;"}, "add-column-volatile-default", nil},
	{"eugene", "E11 (generated stored)", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN double_balance bigint GENERATED ALWAYS AS (balance * 2) STORED;"}, "add-column-volatile-default", nil},
	{"eugene", "E15", []string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE tickets ADD COLUMN country text REFERENCES countries (code);"}, "foreign-key-without-index",
		[]string{"SET LOCAL lock_timeout = '2s';\nALTER TABLE tickets ADD COLUMN country text;", "CREATE INDEX CONCURRENTLY tickets_country_idx ON tickets (country);", "SET LOCAL lock_timeout = '2s';\nALTER TABLE tickets ADD CONSTRAINT tickets_country_fk FOREIGN KEY (country) REFERENCES countries (code) NOT VALID;"}},
	{"eugene", "W12", []string{"SET lock_timeout = '2s';\nALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;\nALTER TABLE accounts ALTER COLUMN email SET NOT NULL;"}, "set-not-null", nil},
	{"eugene", "W13", []string{"CREATE TYPE document_type AS ENUM ('invoice', 'receipt', 'other');"}, "enum-type",
		[]string{"CREATE TABLE document_type (type_name text PRIMARY KEY);\nINSERT INTO document_type VALUES ('invoice'), ('receipt'), ('other');"}},
	{"eugene", "W14", []string{"CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);", "SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts DROP CONSTRAINT accounts_pkey, ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_email_key;"}, "set-not-null",
		[]string{"CREATE UNIQUE INDEX CONCURRENTLY accounts_name_key ON accounts (name);", "SET LOCAL lock_timeout = '2s';\nALTER TABLE accounts DROP CONSTRAINT accounts_pkey, ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_name_key;"}},

	// strong_migrations
	{"strong_migrations", "removing a column", []string{"ALTER TABLE accounts DROP COLUMN age;"}, "rename-or-drop", nil},
	{"strong_migrations", "changing the type of a column", []string{"ALTER TABLE accounts ALTER COLUMN age TYPE bigint;"}, "alter-column-type",
		[]string{"ALTER TABLE accounts ALTER COLUMN network TYPE inet;", "ALTER TABLE accounts ALTER COLUMN seen_at TYPE timestamp(6);", "ALTER TABLE accounts ALTER COLUMN code TYPE varchar(10);", "ALTER TABLE accounts ALTER COLUMN code TYPE text;"}},
	{"strong_migrations", "renaming a column", []string{"ALTER TABLE accounts RENAME COLUMN plan TO tier;"}, "rename-or-drop", nil},
	{"strong_migrations", "renaming a table", []string{"ALTER TABLE accounts RENAME TO customers;"}, "rename-or-drop", nil},
	{"strong_migrations", "creating a table with the force option", []string{"DROP TABLE IF EXISTS tickets CASCADE;\nCREATE TABLE tickets (id bigint PRIMARY KEY);"}, "rename-or-drop",
		[]string{"CREATE TABLE notices (id bigint PRIMARY KEY);"}},
	{"strong_migrations", "adding an auto-incrementing column", []string{"ALTER TABLE accounts ADD COLUMN seq bigserial;"}, "add-column-volatile-default", nil},
	{"strong_migrations", "adding a stored generated column", []string{"ALTER TABLE accounts ADD COLUMN balance2 bigint GENERATED ALWAYS AS (balance * 2) STORED;"}, "add-column-volatile-default", nil},
	{"strong_migrations", "adding a foreign key", []string{"ALTER TABLE tickets ADD CONSTRAINT fk_accounts FOREIGN KEY (account_id) REFERENCES accounts (id);"}, "constraint-without-not-valid",
		[]string{"ALTER TABLE tickets ADD CONSTRAINT fk_accounts FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;", "ALTER TABLE tickets VALIDATE CONSTRAINT fk_accounts;"}},
	{"strong_migrations", "adding a check constraint", []string{"ALTER TABLE accounts ADD CONSTRAINT price_check CHECK (balance > 0);"}, "constraint-without-not-valid",
		[]string{"ALTER TABLE accounts ADD CONSTRAINT price_check CHECK (balance > 0) NOT VALID;", "ALTER TABLE accounts VALIDATE CONSTRAINT price_check;"}},
	{"strong_migrations", "backfilling data", []string{"SET lock_timeout = '2s';\nSET statement_timeout = '5min';\nALTER TABLE accounts ADD COLUMN region text;\nUPDATE accounts SET region = 'eu' WHERE id < 10000;"}, "lock-held-across-statements",
		[]string{"SET lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN region text;", "-- +goose NO TRANSACTION\n-- +goose Up\nSET statement_timeout = '5min';\nUPDATE accounts SET region = 'eu' WHERE id < 10000 AND region IS NULL;\nUPDATE accounts SET region = 'eu' WHERE id >= 10000 AND id < 20000 AND region IS NULL;"}},
	{"strong_migrations", "backfilling data (one statement)", []string{"UPDATE accounts SET status = 'active';"}, "dml-without-where", nil},
	{"strong_migrations", "adding an index non-concurrently", []string{"CREATE INDEX accounts_plan_idx ON accounts (plan);"}, "create-index-non-concurrently",
		[]string{"CREATE INDEX CONCURRENTLY accounts_plan_idx ON accounts (plan);"}},
	{"strong_migrations", "adding a reference", []string{"ALTER TABLE accounts ADD COLUMN referrer_id bigint REFERENCES accounts (id);"}, "constraint-without-not-valid",
		[]string{"ALTER TABLE accounts ADD COLUMN referrer_id bigint;", "CREATE INDEX CONCURRENTLY accounts_referrer_id_idx ON accounts (referrer_id);", "ALTER TABLE accounts ADD CONSTRAINT accounts_referrer_fk FOREIGN KEY (referrer_id) REFERENCES accounts (id) NOT VALID;", "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_referrer_fk;"}},
	{"strong_migrations", "adding a unique constraint", []string{"ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);"}, "add-unique-constraint",
		[]string{"CREATE UNIQUE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);", "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_idx;"}},
	{"strong_migrations", "adding an exclusion constraint", []string{"ALTER TABLE accounts ADD CONSTRAINT accounts_email_excl EXCLUDE (email WITH =);"}, "add-unique-constraint", nil},
	{"strong_migrations", "adding a json column", []string{"ALTER TABLE accounts ADD COLUMN properties json;"}, "prefer-jsonb",
		[]string{"ALTER TABLE accounts ADD COLUMN properties jsonb;"}},
	{"strong_migrations", "adding a column with a volatile default value", []string{"ALTER TABLE accounts ADD COLUMN uid uuid DEFAULT gen_random_uuid();"}, "add-column-volatile-default",
		[]string{"ALTER TABLE accounts ADD COLUMN uid uuid;\nALTER TABLE accounts ALTER COLUMN uid SET DEFAULT gen_random_uuid();"}},
	{"strong_migrations", "setting NOT NULL on an existing column", []string{"ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;"}, "set-not-null",
		[]string{"ALTER TABLE accounts ADD CONSTRAINT accounts_plan_null CHECK (plan IS NOT NULL) NOT VALID;", "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_plan_null;\nALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;\nALTER TABLE accounts DROP CONSTRAINT accounts_plan_null;"}},
	{"strong_migrations", "renaming an enum value", []string{"ALTER TYPE ticket_state RENAME VALUE 'closed' TO 'done';"}, "enum-type",
		[]string{"ALTER TYPE ticket_state ADD VALUE 'done' AFTER 'closed';"}},
	{"strong_migrations", "renaming a schema", []string{"ALTER SCHEMA billing RENAME TO invoicing;"}, "rename-or-drop",
		[]string{"CREATE SCHEMA invoicing;"}},
	{"strong_migrations", "removing an index non-concurrently", []string{"DROP INDEX accounts_status_idx;"}, "drop-index-non-concurrently",
		[]string{"DROP INDEX CONCURRENTLY accounts_status_idx;"}},
}

// peerFindings applies the base and then the migrations, and returns the
// findings on the migrations' statements.
func peerFindings(t *testing.T, migrations []string) []Finding {
	t.Helper()
	files := map[string]string{"001_base.up.sql": peerBase}
	for i, sql := range migrations {
		name := fmt.Sprintf("%03d_change.up.sql", i+2)
		if strings.HasPrefix(sql, "-- +goose") {
			name = fmt.Sprintf("%03d_change.sql", i+2)
		}
		files[name] = sql + "\n"
	}
	src := loadMigrations(t, files)
	set, err := Configure(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []Finding
	for _, st := range src.Statements() {
		if !strings.HasSuffix(st.File, "001_base.up.sql") {
			out = append(out, set.Check(&Input{Statement: st, Source: src, InChange: true})...)
		}
	}
	return out
}

func TestPeerHazards(t *testing.T) {
	caught, safeErrors := 0, 0
	for _, c := range peerCases {
		found := false
		for _, f := range peerFindings(t, c.hazard) {
			if f.Rule.ID == c.rule && f.Severity.Rank() >= Warning.Rank() {
				found = true
			}
		}
		if found {
			caught++
		} else {
			t.Errorf("%s %s: no %s warning or error on the hazard", c.peer, c.id, c.rule)
		}
		if c.safe == nil {
			continue
		}
		for _, f := range peerFindings(t, c.safe) {
			if f.Severity == Error {
				safeErrors++
				t.Errorf("%s %s: the safe form gets an error: %s at line %d: %s", c.peer, c.id, f.Rule.ID, f.Statement.Line, f.Message)
			}
		}
	}
	t.Logf("%d of %d peer hazards caught; %d errors on safe forms", caught, len(peerCases), safeErrors)
}
