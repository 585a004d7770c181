package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/provider"
	"github.com/qreview/qreview/explain/seed"
)

// TestExportedProfileReviewsLikeProduction plays production: a database
// with the payments schema and data, whose statistics are exported
// (redacted) into a new project's config; reviewing that project finds
// the outage query again on tables of the same sizes.
func TestExportedProfileReviewsLikeProduction(t *testing.T) {
	ctx := context.Background()
	prod, err := provider.StartLocal(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	src, err := analyzer.Load([]string{filepath.Join(repoRoot, "testdata/payments/migrations")})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, prod.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Production as it is before the change under review (000004).
	for _, m := range src.Migrations[:3] {
		for _, st := range m.Statements {
			if _, err := explain.Apply(ctx, conn, st); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg, err := config.Load(filepath.Join(repoRoot, "testdata/payments/.qreview.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Load(ctx, prod.DSN, cfg.Scale, nil); err != nil {
		t.Fatal(err)
	}

	project := t.TempDir()
	for _, dir := range []string{"migrations", "queries"} {
		os.CopyFS(filepath.Join(project, dir), os.DirFS(filepath.Join(repoRoot, "testdata/payments", dir)))
	}
	export := qreview(t, nil, "profile", "export", "--dsn", prod.DSN, "--redact", "-o", filepath.Join(project, ".qreview.yaml"))
	if export.code != 0 || !strings.Contains(export.stderr, "no table rows were read") {
		t.Fatalf("export: exit %d\n%s", export.code, export.stderr)
	}
	exported, err := config.Load(filepath.Join(project, ".qreview.yaml"))
	if err != nil {
		t.Fatalf("the exported profile does not load as a config: %v", err)
	}
	if status := exported.Scale["payments"].Columns["status"]; status == nil || len(status.MCV) != 3 || status.MCV[0].Freq < 0.9 {
		t.Errorf("payments.status: %+v, want its three values with ~95%% on the first", status)
	}

	r := qreview(t, nil, "review", project, "--format", "json", "--db", "local")
	if r.code != exitFail {
		t.Fatalf("review with the exported profile: exit %d\n%s", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	rows := map[string]int64{}
	for _, tb := range res.Database.Tables {
		rows[tb.Name] = tb.Rows
	}
	for table, tp := range cfg.Scale {
		// reltuples is ANALYZE's estimate: within 1% of the rows loaded.
		if got := float64(rows[table]); got < 0.99*float64(tp.Rows) || got > 1.01*float64(tp.Rows) {
			t.Errorf("%s: %d rows seeded from the export, production has %d", table, rows[table], tp.Rows)
		}
	}
	if errs := errorFindings(res); len(errs) != 1 || errs[0].Rule != "seq-scan-large-table" {
		t.Errorf("findings %+v, want the outage query's seq scan", res.Findings)
	}
}
