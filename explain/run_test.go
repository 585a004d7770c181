package explain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain/provider"
)

var server *provider.Database

func TestMain(m *testing.M) {
	db, err := provider.StartLocal(context.Background(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "explain tests need PostgreSQL server binaries:", err)
		os.Exit(2)
	}
	server = db
	code := m.Run()
	db.Close()
	os.Exit(code)
}

func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), server.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func statement(t *testing.T, id, sql string) *analyzer.Statement {
	t.Helper()
	stmts, err := analyzer.ParseSQL("q.sql", sql, analyzer.KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	stmts[0].ID = id
	return stmts[0]
}

func TestExplainGenericPlanTwiceAndErrors(t *testing.T) {
	ctx := context.Background()
	conn := connect(t)
	if _, err := conn.Exec(ctx, `
		CREATE TABLE accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance numeric);
		INSERT INTO accounts SELECT i, 'o' || i % 100, i FROM generate_series(1, 20000) i;
		ANALYZE accounts`); err != nil {
		t.Fatal(err)
	}
	st := statement(t, "S1", "SELECT balance FROM accounts WHERE id = $1 AND owner = $2")
	for range 2 { // the prepared statement is deallocated after each use
		plan, err := Explain(ctx, conn, st)
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Generic || plan.Root.Label() != "Index Scan using accounts_pkey on accounts" {
			t.Errorf("generic %v, root %q; want the generic plan's index scan", plan.Generic, plan.Root.Label())
		}
	}
	_, err := Explain(ctx, conn, statement(t, "S2", "SELECT nope FROM accounts WHERE id = $1"))
	var sqlErr *SQLError
	if !errors.As(err, &sqlErr) || sqlErr.Message != `column "nope" does not exist` || sqlErr.Code != "42703" {
		t.Errorf("got %v, want the server's undefined-column error", err)
	}
	// The connection is usable after the failure and nothing was left prepared.
	var prepared int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'qreview_%'").Scan(&prepared); err != nil || prepared != 0 {
		t.Errorf("%d prepared statements left (%v)", prepared, err)
	}
	// EXPLAIN of DML changes nothing: it runs in a rolled-back transaction.
	if _, err := Explain(ctx, conn, statement(t, "S3", "DELETE FROM accounts")); err != nil {
		t.Fatal(err)
	}
	var n int
	conn.QueryRow(ctx, "SELECT count(*) FROM accounts").Scan(&n)
	if n != 20000 {
		t.Errorf("%d accounts after EXPLAIN DELETE, want 20000", n)
	}
}

func TestTablesReadsSizesAndIndexes(t *testing.T) {
	ctx := context.Background()
	conn := connect(t)
	if _, err := conn.Exec(ctx, `
		CREATE TABLE invoices (id bigint PRIMARY KEY, customer text, status text, due date);
		CREATE INDEX invoices_customer_status ON invoices (customer, status);
		CREATE INDEX invoices_open ON invoices (due) WHERE status = 'open';
		CREATE UNIQUE INDEX invoices_lower_customer ON invoices (lower(customer), id);
		INSERT INTO invoices SELECT i, 'c' || i, 'open', current_date FROM generate_series(1, 5000) i;
		ANALYZE invoices`); err != nil {
		t.Fatal(err)
	}
	tables, err := Tables(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	inv := tables["invoices"]
	if inv.Rows != 5000 || inv.Pages == 0 {
		t.Errorf("invoices: %g rows, %d pages", inv.Rows, inv.Pages)
	}
	got := map[string]Index{}
	for _, ix := range inv.Indexes {
		ix.Def = ""
		got[ix.Name] = ix
	}
	want := map[string]Index{
		"invoices_pkey":            {Name: "invoices_pkey", Columns: []string{"id"}, Unique: true},
		"invoices_customer_status": {Name: "invoices_customer_status", Columns: []string{"customer", "status"}},
		"invoices_open":            {Name: "invoices_open", Columns: []string{"due"}, Partial: true},
		"invoices_lower_customer":  {Name: "invoices_lower_customer", Columns: []string{"", "id"}, Unique: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("indexes\n got %+v\nwant %+v", got, want)
	}
}
