package config

import (
	"strings"
	"testing"

	"github.com/qreview/qreview/analyzer"
)

// TestPinnedParamsByNumberAndName: params: pins a query's parameters by
// number or by the name the query gives them; the inline directive wins.
func TestPinnedParamsByNumberAndName(t *testing.T) {
	cfg, err := Load(write(t, t.TempDir(), "params:\n  ListTickets:\n    state: open\n    \"@owner\": \"7\"\n    $3: \"50\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := analyzer.ParseSQL("q.sql", "-- name: ListTickets :many\n-- qreview:params @owner=8\n"+
		"SELECT * FROM tickets WHERE state = @state AND owner = sqlc.arg(owner) LIMIT $3", analyzer.KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	pinned, by, err := cfg.PinnedParams(stmts[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(pinned) != 3 || *pinned[1] != "open" || *pinned[2] != "8" || *pinned[3] != "50" {
		t.Errorf("pinned %v; want $1=open, $2=8 (inline wins), $3=50", pinned)
	}
	if !strings.Contains(by, "qreview:params directive and") || !strings.Contains(by, "params.ListTickets") {
		t.Errorf("pinned by %q; want both sources named", by)
	}
}

// TestPinnedParamsErrorsNameTheKey: a key that names no parameter of the
// query is an error naming the config key, the query's file:line and the
// parameters it has; a key that is no parameter name at all is refused
// on load.
func TestPinnedParamsErrorsNameTheKey(t *testing.T) {
	cfg, err := Load(write(t, t.TempDir(), "params:\n  GetTicket:\n    ref: abc\n"))
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := analyzer.ParseSQL("q.sql", "-- name: GetTicket :one\nSELECT * FROM tickets WHERE id = @id", analyzer.KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = cfg.PinnedParams(stmts[0])
	if want := "params.GetTicket.ref: q.sql:2: the statement has no parameter named ref (it uses $1 (@id))"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
	if _, err := Load(write(t, t.TempDir(), "params:\n  GetTicket:\n    \"id = 1\": x\n")); err == nil || !strings.Contains(err.Error(), `params.GetTicket: "id = 1"`) {
		t.Errorf("a bad key: %v", err)
	}
}
