package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qreview/qreview/report"
)

// regressionRepo makes a git repository whose first commit holds an
// invoices schema with two indexes and queries that use them, seeded with
// 200,000 invoices; it returns the repository and that commit.
func regressionRepo(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		".qreview.yaml": `scale:
  invoices:
    rows: 200000
    columns:
      status: {values: [paid, open], weights: [99, 1]}
      customer_id: {distinct: 50000}
`,
		"migrations/000001_invoices.up.sql": `CREATE TABLE invoices (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    status text NOT NULL,
    amount integer NOT NULL,
    note text
);

CREATE INDEX invoices_customer_idx ON invoices (customer_id);
`,
		"queries/invoices.sql": `-- name: CustomerInvoices :many
SELECT id, amount FROM invoices WHERE customer_id = $1;

-- name: InvoicesOfAmount :many
SELECT id FROM invoices WHERE amount = $1;

-- name: InvoiceNote :one
SELECT note FROM invoices WHERE id = $1;
`,
	}
	for name, content := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "init", "-q")
	git(t, dir, "add", "-A")
	git(t, dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
	return dir, strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestChangesAreJudgedByWhatTheyDoToEveryQuery: each case adds one change
// to the base and reviews it with --base; the queries file is untouched
// (but in case 5).
func TestChangesAreJudgedByWhatTheyDoToEveryQuery(t *testing.T) {
	tests := []struct {
		name, file, sql string
		want            []string // "severity rule query-line: message fragment"
		noComparison    bool
	}{{
		name: "1 an index replaced by a partial one: the untouched query now scans",
		file: "migrations/000002_partial.up.sql",
		sql:  "DROP INDEX invoices_customer_idx;\n\nCREATE INDEX invoices_customer_paid_idx ON invoices (customer_id) WHERE status = 'paid';\n",
		want: []string{"error plan-regression 2: plan got worse after MIGRATION:1: Seq Scan on invoices where Bitmap Heap Scan on invoices using invoices_customer_idx was used; " +
			"index invoices_customer_idx, which the query used, is gone; cost 20 → 4,167"},
	}, {
		name: "2 an index swapped for an equivalent one: nothing to say",
		file: "migrations/000002_swap.up.sql",
		sql:  "DROP INDEX invoices_customer_idx;\n\nCREATE INDEX invoices_customer_id_idx ON invoices (customer_id);\n",
	}, {
		name: "3 a new index an existing query starts using: an improvement",
		file: "migrations/000002_amount.up.sql",
		sql:  "CREATE INDEX CONCURRENTLY invoices_amount_idx ON invoices (amount);\n",
		want: []string{"notice plan-regression 5: plan improved after MIGRATION:1: Seq Scan on invoices → Bitmap Heap Scan on invoices using invoices_amount_idx; cost 4,167 → 12"},
	}, {
		name: "4 a column dropped that a query reads: broken, citing both",
		file: "migrations/000002_drop_note.up.sql",
		sql:  "ALTER TABLE invoices DROP COLUMN note;\n",
		want: []string{`error plan-regression 8: no longer plans after the change (MIGRATION:1): column "note" does not exist`},
	}, {
		name:         "5 no migration in the change: no second planning pass",
		file:         "queries/invoices.sql",
		sql:          "-- name: CustomerInvoices :many\nSELECT id, amount FROM invoices WHERE customer_id = $1;\n",
		noComparison: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, base := regressionRepo(t)
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.sql), 0o644); err != nil {
				t.Fatal(err)
			}
			r := qreview(t, nil, "review", dir, "--base", base, "--format", "json", "--db", "local")
			if r.code == exitBroken {
				t.Fatalf("exit 2:\n%s", r.stderr)
			}
			res := decode(t, r.stdout)
			var got []string
			for _, f := range res.Findings {
				if f.Rule == "plan-regression" {
					got = append(got, regressionLine(f, dir, tt.file))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("plan-regression findings:\n got %q\nwant %q\nstderr:\n%s", got, tt.want, r.stderr)
			}
			compared := strings.Contains(r.stderr, "compared the plans before the change")
			if compared == tt.noComparison {
				t.Errorf("before/after comparison ran: %v, want %v\n%s", compared, !tt.noComparison, r.stderr)
			}
			// Every finding carries the plan before; all but a broken query's
			// carry the plan after too.
			for _, f := range res.Findings {
				broken := strings.Contains(f.Message, "no longer plans")
				if f.Rule == "plan-regression" && (f.Evidence["before"] == nil || (!broken && f.Evidence["after"] == nil)) {
					t.Errorf("finding lacks its before/after plans: %+v", f.Evidence)
				}
			}
		})
	}
}

// regressionLine writes a finding as "severity rule line: message" with
// the change's migration file shortened to MIGRATION.
func regressionLine(f report.Finding, dir, migration string) string {
	msg := strings.ReplaceAll(f.Message, filepath.Join(dir, migration), "MIGRATION")
	return f.Severity + " " + f.Rule + " " + strconv.Itoa(f.Line) + ": " + msg
}
