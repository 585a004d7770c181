package seed

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/explain/provider"
)

// One throwaway cluster for the package; each test gets its own database.
var server *provider.Database

func TestMain(m *testing.M) {
	db, err := provider.StartLocal(context.Background(), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed tests need PostgreSQL server binaries:", err)
		os.Exit(2)
	}
	server = db
	code := m.Run()
	db.Close()
	os.Exit(code)
}

var databases atomic.Int64

// freshDB creates a database with schema applied and returns its DSN and
// a connection to it.
func freshDB(t *testing.T, schema string) (string, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, server.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("seed_test_%d", databases.Add(1))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	dsn := server.DSN + " dbname=" + name
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	if _, err := conn.Exec(ctx, schema); err != nil {
		t.Fatal(err)
	}
	return dsn, conn
}

const shopSchema = `
CREATE TYPE tier AS ENUM ('free', 'pro', 'enterprise');
CREATE TABLE customers (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    tier tier NOT NULL,
    nickname varchar(12),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    note text,
    total numeric(12,2) NOT NULL
);
CREATE INDEX ON orders (customer_id);
CREATE TABLE refunds (id serial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id));`

func queryFloat(t *testing.T, conn *pgx.Conn, sql string) float64 {
	t.Helper()
	var v float64
	if err := conn.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func TestLoadObeysTheProfile(t *testing.T) {
	ctx := context.Background()
	dsn, conn := freshDB(t, shopSchema)
	profile := Profile{
		"customers": {Rows: 20_000, Columns: map[string]*ColumnProfile{"nickname": {NullFraction: 0.3, Distinct: 50}}},
		"orders": {Rows: 100_000, Columns: map[string]*ColumnProfile{
			"status": {Values: []string{"paid", "pending", "refunded"}, Weights: []float64{90, 9, 1}},
		}},
	}
	loaded, err := Load(ctx, dsn, profile, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Loaded{{Table: "customers", Rows: 20_000, Source: SourceProfile}, {Table: "orders", Rows: 100_000, Source: SourceProfile},
		{Table: "refunds", Source: SourceUnsized}}
	if len(loaded) != len(want) {
		t.Fatalf("loaded %+v, want %+v", loaded, want)
	}
	for i, l := range loaded {
		if l.Table != want[i].Table || l.Rows != want[i].Rows || l.Source != want[i].Source || l.Kept != 0 {
			t.Errorf("loaded[%d] = %+v, want %+v", i, l, want[i])
		}
	}
	exact := map[string]float64{
		"SELECT count(*) FROM customers": 20_000,
		"SELECT count(*) FROM orders":    100_000,
		"SELECT count(*) FROM refunds":   0,
		// Foreign keys hold: every order's customer exists.
		"SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)": 0,
		// Unique columns are unique.
		"SELECT count(DISTINCT email) FROM customers": 20_000,
		// Keys and indexes dropped for the load are back.
		"SELECT count(*) FROM pg_indexes WHERE tablename IN ('customers', 'orders')": 4,
		"SELECT count(*) FROM pg_constraint WHERE contype = 'f'":                     2,
		// Rows are analyzed.
		"SELECT reltuples FROM pg_class WHERE relname = 'orders'": 100_000,
	}
	for sql, want := range exact {
		if got := queryFloat(t, conn, sql); got != want {
			t.Errorf("%s = %g, want %g", sql, got, want)
		}
	}
	near := []struct {
		sql  string
		want float64
	}{
		{"SELECT avg((status = 'paid')::int) FROM orders", 0.90},
		{"SELECT avg((status = 'pending')::int) FROM orders", 0.09},
		{"SELECT avg((status = 'refunded')::int) FROM orders", 0.01},
		{"SELECT avg((nickname IS NULL)::int) FROM customers", 0.30},
		{"SELECT null_frac FROM pg_stats WHERE tablename = 'customers' AND attname = 'nickname'", 0.30},
		{"SELECT count(DISTINCT nickname) FROM customers", 50},
		{"SELECT avg((tier = 'pro')::int) FROM customers", 1.0 / 3},
	}
	for _, n := range near {
		if got := queryFloat(t, conn, n.sql); math.Abs(got-n.want) > 0.05*n.want+0.002 {
			t.Errorf("%s = %g, want %g ± 5%%", n.sql, got, n.want)
		}
	}
	// Sequences were moved past the generated keys.
	var id int64
	if err := conn.QueryRow(ctx, "INSERT INTO customers (email, tier) VALUES ('new@x', 'free') RETURNING id").Scan(&id); err != nil || id != 20_001 {
		t.Errorf("next customer id %d (%v), want 20001", id, err)
	}
	if err := conn.QueryRow(ctx, "INSERT INTO orders (customer_id, status, total) VALUES (1, 'paid', 1) RETURNING id").Scan(&id); err != nil || id != 100_001 {
		t.Errorf("next order id %d (%v), want 100001", id, err)
	}
}

func TestLoadIsReproducible(t *testing.T) {
	ctx := context.Background()
	profile := Profile{"customers": {Rows: 1000}, "orders": {Rows: 5000}}
	var sums []float64
	for range 2 {
		dsn, conn := freshDB(t, shopSchema)
		if _, err := Load(ctx, dsn, profile, nil); err != nil {
			t.Fatal(err)
		}
		sums = append(sums, queryFloat(t, conn, "SELECT sum(customer_id * total) FROM orders"))
	}
	if sums[0] != sums[1] {
		t.Errorf("two loads of one profile differ: %v", sums)
	}
}

func TestEverySupportedTypeRoundTrips(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TYPE mood AS ENUM ('ok', 'meh');
		CREATE TABLE everything (
			a smallint NOT NULL, b integer NOT NULL, c bigint NOT NULL, d numeric NOT NULL,
			e real NOT NULL, f double precision NOT NULL, g text NOT NULL, h varchar(5) NOT NULL,
			i char(3) NOT NULL, j boolean NOT NULL, k timestamptz NOT NULL, l timestamp NOT NULL,
			m date NOT NULL, n uuid NOT NULL UNIQUE, o jsonb NOT NULL, p json NOT NULL, q mood NOT NULL,
			r inet NOT NULL, s bytea NOT NULL, t point, u int[] NOT NULL, v text[] NOT NULL, w interval NOT NULL)`)
	if _, err := Load(context.Background(), dsn, Profile{"everything": {Rows: 1000}}, nil); err != nil {
		t.Fatal(err)
	}
	checks := map[string]float64{
		"SELECT count(*) FROM everything":                                                                                               1000,
		"SELECT count(DISTINCT n) FROM everything":                                                                                      1000,
		"SELECT count(*) FROM everything WHERE length(h) <= 5 AND length(i) = 3":                                                        1000,
		"SELECT count(*) FROM everything WHERE o ? 'n'":                                                                                 1000,
		"SELECT count(*) FROM everything WHERE m <= current_date":                                                                       1000,
		"SELECT count(*) FROM everything WHERE family(r) = 4 AND length(s) = 8":                                                         1000,
		"SELECT count(*) FROM everything WHERE t IS NULL":                                                                               1000, // a type not generated: left NULL
		"SELECT count(*) FROM everything WHERE cardinality(u) BETWEEN 1 AND 3 AND cardinality(v) BETWEEN 1 AND 3 AND w >= interval '0'": 1000,
	}
	for sql, want := range checks {
		if got := queryFloat(t, conn, sql); got != want {
			t.Errorf("%s = %g, want %g", sql, got, want)
		}
	}
}

func TestBadProfilesNameTheKey(t *testing.T) {
	dsn, _ := freshDB(t, shopSchema+`; CREATE TABLE hosts (area box NOT NULL)`)
	tests := []struct {
		profile Profile
		want    string
	}{
		{Profile{"custmers": {Rows: 1}}, `scale.custmers: no table "custmers"`},
		{Profile{"customers": {Rows: -5}}, "scale.customers.rows: -5 is negative"},
		{Profile{"customers": {Rows: 1, Columns: map[string]*ColumnProfile{"mail": {}}}}, `scale.customers.columns.mail: no column "mail"`},
		{Profile{"customers": {Rows: 1}, "orders": {Rows: 1, Columns: map[string]*ColumnProfile{"status": {Values: []string{"a", "b"}, Weights: []float64{1}}}}},
			"scale.orders.columns.status.weights: 1 weights for 2 values"},
		{Profile{"customers": {Rows: 1, Columns: map[string]*ColumnProfile{"email": {NullFraction: 0.1}}}}, "scale.customers.columns.email.null_fraction: customers.email is NOT NULL"},
		{Profile{"customers": {Rows: 1, Columns: map[string]*ColumnProfile{"tier": {Values: []string{"gold"}}}}}, `scale.customers.columns.tier.values[0]: "gold" is not a label of enum tier`},
		{Profile{"orders": {Rows: 10}}, "scale.orders.columns.customer_id: orders.customer_id references customers, which gets no rows: give scale.customers.rows"},
		{Profile{"hosts": {Rows: 10}}, `scale.hosts.columns.area.values: cannot generate values of type box for NOT NULL column hosts.area: give the column "values"`},
	}
	for _, tt := range tests {
		_, err := Load(context.Background(), dsn, tt.profile, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("profile %v: error %v, want %q", tt.profile, err, tt.want)
		}
	}
}

func TestSchemaAndProfileKeysShapeTheData(t *testing.T) {
	dsn, conn := freshDB(t, `
		CREATE TABLE customers (id bigserial PRIMARY KEY);
		CREATE TABLE payments (
			id bigserial PRIMARY KEY,
			customer_id bigint NOT NULL REFERENCES customers,
			status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
			amount int NOT NULL CHECK (amount > 0 AND amount <= 500),
			fee numeric CHECK (fee BETWEEN 1 AND 3),
			currency char(3) NOT NULL DEFAULT 'EUR',
			attempt int NOT NULL,
			created_at timestamptz NOT NULL,
			country text NOT NULL,
			note text NOT NULL,
			score int NOT NULL)`)
	profile := Profile{
		"customers": {Rows: 10_000},
		"payments": {Rows: 100_000, Columns: map[string]*ColumnProfile{
			"customer_id": {Distribution: "zipf", Skew: 1},
			"attempt":     {Range: []string{"1", "5"}},
			"created_at":  {Range: []string{"2024-01-01", "2024-12-31"}, Distribution: "sequential"},
			"country":     {MCV: []MCV{{"DE", 0.5}, {"FR", 0.2}}, Distinct: 30},
			"note":        {Length: 40},
			"score":       {Histogram: []string{"0", "10", "1000"}},
		}},
	}
	if _, err := Load(context.Background(), dsn, profile, nil); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		sql      string
		lo, high float64
	}{
		// CHECK (status IN …) gives the values, uniformly.
		{"SELECT count(DISTINCT status) FROM payments", 3, 3},
		{"SELECT avg((status = 'failed')::int) FROM payments", 0.31, 0.36},
		// CHECK bounds and BETWEEN are respected.
		{"SELECT min(amount) FROM payments", 1, 2},
		{"SELECT max(amount) FROM payments", 495, 500},
		{"SELECT min(fee) FROM payments", 1, 1.1},
		{"SELECT max(fee) FROM payments", 2.9, 3},
		// A constant DEFAULT is what an unset column holds.
		{"SELECT count(*) FROM payments WHERE currency <> 'EUR'", 0, 0},
		// zipf: the 1% most-used customers own over half the payments.
		{`SELECT sum(n) / 100000.0 FROM (SELECT count(*) n FROM payments GROUP BY customer_id ORDER BY 1 DESC LIMIT 100) top`, 0.5, 0.75},
		{"SELECT min(attempt) FROM payments", 1, 1},
		{"SELECT max(attempt) FROM payments", 5, 5},
		// sequential: timestamps rise with the row, as in production.
		{"SELECT correlation FROM pg_stats WHERE tablename = 'payments' AND attname = 'created_at'", 0.99, 1},
		{"SELECT extract(year FROM min(created_at)) FROM payments", 2024, 2024},
		// Most-common values keep their frequencies; the rest is spread.
		{"SELECT avg((country = 'DE')::int) FROM payments", 0.48, 0.52},
		{"SELECT avg((country = 'FR')::int) FROM payments", 0.19, 0.21},
		{"SELECT count(DISTINCT country) FROM payments", 25, 32},
		{"SELECT avg(length(note)) FROM payments", 36, 44},
		// Equal-frequency histogram: half the rows in each bucket.
		{"SELECT avg((score < 10)::int) FROM payments", 0.47, 0.53},
		{"SELECT max(score) FROM payments", 900, 1000},
	}
	for _, c := range checks {
		if got := queryFloat(t, conn, c.sql); got < c.lo || got > c.high {
			t.Errorf("%s = %g, want %g to %g", c.sql, got, c.lo, c.high)
		}
	}
}

// stats reads pg_stats per column: null_frac, n_distinct and the
// frequency of the most common value.
func stats(t *testing.T, conn *pgx.Conn, table string) map[string][3]float64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
		SELECT attname::text, null_frac::float8, n_distinct::float8, coalesce(most_common_freqs[1], 0)::float8
		FROM pg_stats WHERE tablename = $1`, table)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][3]float64{}
	for rows.Next() {
		var col string
		var s [3]float64
		if err := rows.Scan(&col, &s[0], &s[1], &s[2]); err != nil {
			t.Fatal(err)
		}
		out[col] = s
	}
	return out
}

func TestExportedProfileReproducesTheStatistics(t *testing.T) {
	ctx := context.Background()
	schema := shopSchema + `; ALTER TABLE orders ADD COLUMN channel text, ADD COLUMN placed_at timestamptz NOT NULL DEFAULT now()`
	original := Profile{
		"customers": {Rows: 20_000, Columns: map[string]*ColumnProfile{"nickname": {NullFraction: 0.25, Distinct: 400}}},
		"orders": {Rows: 60_000, Columns: map[string]*ColumnProfile{
			"customer_id": {Distribution: "zipf"},
			"status":      {Values: []string{"paid", "pending", "refunded"}, Weights: []float64{80, 15, 5}},
			"channel":     {MCV: []MCV{{"web", 0.6}, {"app", 0.3}}, Distinct: 12, NullFraction: 0.05},
			"total":       {Range: []string{"1", "900"}, Distinct: 5000},
			"placed_at":   {Range: []string{"2023-01-01", "2024-01-01"}},
		}},
	}
	dsnA, connA := freshDB(t, schema)
	if _, err := Load(ctx, dsnA, original, nil); err != nil {
		t.Fatal(err)
	}
	scans := func() float64 {
		// Backends flush their counters when they end, a moment after the
		// client closed them: wait until the count is still.
		last := -1.0
		for {
			connA.Exec(ctx, "SELECT pg_stat_force_next_flush()")
			n := queryFloat(t, connA, "SELECT sum(seq_scan + coalesce(idx_scan, 0)) FROM pg_stat_user_tables")
			if n == last {
				return n
			}
			last = n
			time.Sleep(300 * time.Millisecond)
		}
	}
	before := scans()
	exported, err := Export(ctx, connA, false)
	if err != nil {
		t.Fatal(err)
	}
	if after := scans(); after != before {
		t.Errorf("export scanned tables: %g scans before, %g after", before, after)
	}
	if exported["orders"].Rows != 60_000 || exported["customers"].Rows != 20_000 || exported["refunds"] != nil {
		t.Errorf("exported row counts: %+v", exported)
	}
	dsnB, connB := freshDB(t, schema)
	if _, err := Load(ctx, dsnB, exported, nil); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	for _, table := range []string{"customers", "orders"} {
		a, b := stats(t, connA, table), stats(t, connB, table)
		for col, sa := range a {
			sb := b[col]
			if math.Abs(sa[0]-sb[0]) > 0.02 {
				t.Errorf("%s.%s null_frac %g → %g", table, col, sa[0], sb[0])
			}
			// n_distinct is ANALYZE's estimate from a sample, on both sides; a
			// skewed column's long tail is exported as MCVs plus an even rest,
			// which the estimator reads up to ~6% lower (measured).
			if !within(sa[1], sb[1], 0.10) {
				t.Errorf("%s.%s n_distinct %g → %g", table, col, sa[1], sb[1])
			}
			if sa[2] > 0.01 && !within(sa[2], sb[2], 0.05) { // below 1% the top frequency is noise
				t.Errorf("%s.%s most common frequency %g → %g", table, col, sa[2], sb[2])
			}
		}
	}
}

// within: a and b differ by at most frac of the larger (n_distinct may be
// negative: a fraction of the rows).
func within(a, b, frac float64) bool {
	return math.Abs(a-b) <= frac*math.Max(math.Abs(a), math.Abs(b))+1e-9
}

func TestRedactedExportKeepsFrequenciesNotValues(t *testing.T) {
	ctx := context.Background()
	dsn, conn := freshDB(t, shopSchema)
	profile := Profile{"customers": {Rows: 5000}, "orders": {Rows: 20_000, Columns: map[string]*ColumnProfile{
		"status": {Values: []string{"secret-a", "secret-b"}, Weights: []float64{70, 30}},
	}}}
	if _, err := Load(ctx, dsn, profile, nil); err != nil {
		t.Fatal(err)
	}
	plain, err := Export(ctx, conn, false)
	if err != nil {
		t.Fatal(err)
	}
	redacted, err := Export(ctx, conn, true)
	if err != nil {
		t.Fatal(err)
	}
	p, r := plain["orders"].Columns["status"], redacted["orders"].Columns["status"]
	if len(p.MCV) != 2 || len(r.MCV) != 2 {
		t.Fatalf("MCVs: plain %+v, redacted %+v", p.MCV, r.MCV)
	}
	for i := range p.MCV {
		if !strings.HasPrefix(p.MCV[i].Value, "secret") || strings.Contains(r.MCV[i].Value, "secret") || r.MCV[i].Freq != p.MCV[i].Freq {
			t.Errorf("MCV %d: plain %+v, redacted %+v", i, p.MCV[i], r.MCV[i])
		}
	}
	// Enum labels are schema, not data: they stay.
	if tier := redacted["customers"].Columns["tier"]; tier == nil || tier.MCV[0].Value != plain["customers"].Columns["tier"].MCV[0].Value {
		t.Errorf("enum MCVs changed by redaction: %+v", tier)
	}
	// A redacted profile still loads.
	dsn2, _ := freshDB(t, shopSchema)
	if _, err := Load(ctx, dsn2, redacted, nil); err != nil {
		t.Errorf("redacted profile does not load: %v", err)
	}
}
