package seed

import (
	"context"
	"strings"
	"testing"
)

// TestCalibrationNeedsPgStatStatements: without the extension, or with it
// installed but not preloaded (this package's server has no
// shared_preload_libraries), the export carries no calibration and says
// why; config/calibration_pg_test.go exports one from a server that has it.
func TestCalibrationNeedsPgStatStatements(t *testing.T) {
	ctx := context.Background()
	_, conn := freshDB(t, "CREATE TABLE t (id int PRIMARY KEY)")
	cal, note, err := ExportCalibration(ctx, conn)
	if err != nil || cal != nil || !strings.Contains(note, "pg_stat_statements is not installed in seed_test_") {
		t.Errorf("without the extension: %+v, %q, %v", cal, note, err)
	}
	if _, err := conn.Exec(ctx, "CREATE EXTENSION pg_stat_statements"); err != nil {
		t.Fatal(err)
	}
	cal, note, err = ExportCalibration(ctx, conn)
	if err != nil || cal != nil || !strings.Contains(note, "installed but not loaded (add it to shared_preload_libraries") {
		t.Errorf("not preloaded: %+v, %q, %v", cal, note, err)
	}
}

func TestPlannableStatements(t *testing.T) {
	tests := map[string]bool{
		"SELECT id FROM t WHERE id = $1":               true,
		"WITH x AS (SELECT 1) SELECT * FROM x":         true,
		"UPDATE t SET a = $1 WHERE id = $2":            true,
		"INSERT INTO t VALUES ($1)":                    true,
		"DELETE FROM t WHERE id = $1":                  true,
		"SET search_path = public":                     false,
		"BEGIN":                                        false,
		"CREATE INDEX ON t (a)":                        false,
		"<insufficient privilege>":                     false,
		"SELECT 1; SELECT 2":                           false,
		"EXPLAIN SELECT 1":                             false,
		"SELECT id FROM t WHERE id = $1 AND broken ((": false,
	}
	for query, want := range tests {
		if _, got := plannable(query); got != want {
			t.Errorf("plannable(%q) = %v, want %v", query, got, want)
		}
	}
}

func TestMedianAndSignificantDigits(t *testing.T) {
	if got := median([]float64{5, 1, 100, 2, 3}); got != 3 {
		t.Errorf("odd: %g", got)
	}
	if got := median([]float64{4, 1, 1000, 2}); got != 3 {
		t.Errorf("even: %g", got)
	}
	for v, want := range map[float64]float64{0.0123456: 0.0123, 0.99949: 0.999, 12345: 12300, 0: 0} {
		if got := significant(v, 3); got != want {
			t.Errorf("significant(%g) = %g, want %g", v, got, want)
		}
	}
}
