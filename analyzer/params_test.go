package analyzer

import (
	"fmt"
	"strings"
	"testing"
)

func parseOne(t *testing.T, sql string) *Statement {
	t.Helper()
	stmts, err := ParseSQL("q.sql", sql, KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	return stmts[0]
}

// TestParamUses: what each $n is compared with or assigned to, and the
// table its column belongs to.
func TestParamUses(t *testing.T) {
	tests := []struct {
		sql  string
		want string // per parameter: kind table.column
	}{
		{"SELECT * FROM payments WHERE id = $1", "equal payments.id"},
		{"SELECT * FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.customer_id = $1 AND p.status IN ($2, $3)",
			"equal orders.customer_id; equal payments.status; equal payments.status"},
		{"SELECT * FROM t WHERE $1 < created_at AND created_at <= $2", "greater t.created_at; less t.created_at"},
		{"SELECT * FROM t WHERE created_at BETWEEN $1 AND $2", "greater t.created_at; less t.created_at"},
		{"SELECT * FROM t WHERE name LIKE $1 OR email ILIKE $2", "like t.name; like t.email"},
		{"SELECT * FROM t WHERE id = ANY($1::bigint[])", "any t.id"},
		{"SELECT * FROM t ORDER BY id LIMIT $1 OFFSET $2", "limit; offset"},
		{"INSERT INTO t (a, b) VALUES ($1, $2)", "value t.a; value t.b"},
		{"UPDATE t SET status = $2 WHERE id = $1", "equal t.id; value t.status"},
		{"SELECT * FROM t WHERE ($2 OR id = ANY($1))", "any t.id; flag"},
		{"SELECT * FROM t WHERE ($1 = 0 OR status = $1)", "equal t.status"},
		{"SELECT f($1)", "other"},
	}
	for _, tt := range tests {
		var got []string
		for _, u := range parseOne(t, tt.sql).ParamUses() {
			s := string(u.Kind)
			if u.Column != "" {
				s += fmt.Sprintf(" %s.%s", strings.Join(u.Tables, "|"), u.Column)
			}
			got = append(got, s)
		}
		if strings.Join(got, "; ") != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.sql, strings.Join(got, "; "), tt.want)
		}
	}
}

// TestOptionalFilters: the patterns whose generic plan cannot use an index.
func TestOptionalFilters(t *testing.T) {
	tests := []struct{ sql, want string }{
		{"SELECT * FROM t WHERE CASE WHEN $1 > 0 THEN id = $1 ELSE uuid = $2 END", "CASE WHEN $1 > 0 THEN id = $1 ELSE uuid = $2 END"},
		{"SELECT * FROM t WHERE ($1 = 0 OR status = $1) AND x = 1", "($1 = 0 OR status = $1)"},
		{"SELECT * FROM t WHERE ($2 OR id = ANY($1))", "($2 OR id = ANY($1))"},
		{"SELECT * FROM t WHERE ($1::text IS NULL OR name = $1)", "($1::text IS NULL OR name = $1)"},
		// Near-misses: each branch filters rows.
		{"SELECT * FROM t WHERE status = $1 OR owner = $1", ""},
		{"SELECT * FROM t WHERE CASE WHEN kind = 'a' THEN id = $1 ELSE false END", ""},
		{"SELECT * FROM t WHERE id = $1", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(parseOne(t, tt.sql).OptionalFilters(), "; "); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.sql, got, tt.want)
		}
	}
}

// TestPinnedParams reads "-- qreview:params" and says what is wrong with
// one it cannot use.
func TestPinnedParams(t *testing.T) {
	st := parseOne(t, "-- qreview:params $1=42 $2='it''s' $3=NULL\nSELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3")
	got, err := st.PinnedParams()
	if err != nil || len(got) != 3 || *got[1] != "42" || *got[2] != "it's" || got[3] != nil {
		t.Errorf("pinned %v (%v); want 42, it's and NULL", got, err)
	}
	for _, bad := range []string{"-- qreview:params $4=1\nSELECT $1", "-- qreview:params one=1\nSELECT $1", "-- qreview:params @nope=1\nSELECT @id"} {
		if _, err := parseOne(t, bad).PinnedParams(); err == nil || !strings.Contains(err.Error(), "q.sql:1: qreview:params") {
			t.Errorf("%q: %v; want an error at q.sql:1", bad, err)
		}
	}
}

// TestPinnedNamedParams: a query's named parameters are pinned by name,
// and a name it does not have is an error listing the ones it has.
func TestPinnedNamedParams(t *testing.T) {
	st := parseOne(t, "-- name: Q :many\n-- qreview:params @status='open' $3=10 @ID=7\nSELECT * FROM t WHERE id = sqlc.arg(id) AND status = @status LIMIT $3")
	got, err := st.PinnedParams()
	if err != nil || len(got) != 3 || *got[1] != "7" || *got[2] != "open" || *got[3] != "10" {
		t.Errorf("pinned %v (%v); want $1=7 $2=open $3=10", got, err)
	}
	_, err = parseOne(t, "-- qreview:params @state=1\nSELECT * FROM t WHERE id = @id AND a = $2").PinnedParams()
	if want := "q.sql:1: qreview:params: the statement has no parameter named state (it uses $1 (@id), $2)"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}
