package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestHostileSQLBecomesFindings reviews testdata/hostile: SQL that would
// run shell commands, read files, take superuser rights, drop databases or
// sleep for days. Each must end as a finding (or a timeout finding), the
// review must finish, and nothing may happen to the server.
func TestHostileSQLBecomesFindings(t *testing.T) {
	os.Remove("/tmp/qreview-hostile-pwned")
	start := time.Now()
	r := qreview(t, nil, "review", "testdata/hostile", "--format", "json", "--db", "local")
	took := time.Since(start)
	if r.code != exitFail {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat("/tmp/qreview-hostile-pwned"); err == nil {
		t.Error("COPY … TO PROGRAM ran a shell command on the server")
	}
	res := decode(t, r.stdout)
	got := map[string]string{}
	for _, f := range res.Findings {
		if f.Rule == "sql-error" {
			for _, s := range res.Statements {
				if s.ID == f.Statement {
					got[strings.Fields(s.SQL)[0]+" "+strings.Fields(s.SQL)[1]] = f.Message
				}
			}
		}
	}
	wants := map[string]string{
		"COPY (SELECT":                       "must be superuser or have privileges of the pg_execute_server_program role",
		"SELECT pg_read_file('/etc/passwd')": "permission denied for function pg_read_file",
		"ALTER ROLE":                         "must be superuser to alter superuser roles",
		"DROP DATABASE":                      "must be owner of database template1",
		"SELECT pg_sleep(1000000)":           "stopped after 3s",
		"SELECT owner":                       "stopped after 3s", // the folded slow_constant() while planning
	}
	for stmt, want := range wants {
		key := strings.Join(strings.Fields(stmt)[:2], " ")
		if !strings.Contains(got[key], want) {
			t.Errorf("%s: finding %q, want one saying %q", stmt, got[key], want)
		}
	}
	// Two statements time out at 3 s each; the rest is quick.
	t.Logf("review of the hostile corpus took %s", took.Round(time.Millisecond))
}
