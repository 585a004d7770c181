package config

import (
	"strings"
	"testing"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/rules"
)

const calibrated = `
calibration:
  ms-per-cost: 0.0123
  source: production's pg_stat_statements on db:5432/app at 2026-11-29 20:00 UTC
  statements: 12
  queries:
    - {fingerprint: 0123456789abcdef, mean-ms: 4.5, calls: 90000, calls-per-second: 25, cost: 420}
services:
  api: {pool: {size: 20}, traffic: {GetPayment: 300}}
  worker: {pool: {size: 5}}
`

func TestCalibrationGivesTheSpeed(t *testing.T) {
	cfg, err := Load(write(t, t.TempDir(), calibrated))
	if err != nil {
		t.Fatal(err)
	}
	want := explain.Speed{MsPerCost: 0.0123, Source: "production's pg_stat_statements on db:5432/app at 2026-11-29 20:00 UTC"}
	if got := cfg.Speed(); got != want || !got.Calibrated() {
		t.Errorf("speed %+v, want %+v", got, want)
	}
	if got := cfg.Speed().Describe(); got != "at 0.0123 ms per cost unit from production's pg_stat_statements on db:5432/app at 2026-11-29 20:00 UTC" {
		t.Errorf("describe: %q", got)
	}
	cfg, err = Load("")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Speed(); got != explain.DefaultSpeed() || got.Calibrated() ||
		got.Describe() != "at the default 0.01 ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)" {
		t.Errorf("without calibration: %+v, %q", got, got.Describe())
	}
}

func TestBadCalibrationNamesTheKey(t *testing.T) {
	tests := map[string]string{
		"calibration: {ms-per-cost: 0, source: x}\n":                                                                                "calibration.ms-per-cost: 0: give production's milliseconds per unit of plan cost",
		"calibration: {ms-per-cost: -0.5, source: x}\n":                                                                             "calibration.ms-per-cost: -0.5",
		"calibration: {ms-per-cost: 0.01}\n":                                                                                        "calibration.source: say where ms-per-cost was measured",
		"calibration: {ms-per-cost: 0.01, source: x, queries: [{fingerprint: nothex, mean-ms: 1}]}\n":                               `calibration.queries[0].fingerprint: "nothex" is not a pg_query fingerprint`,
		"calibration: {ms-per-cost: 0.01, source: x, queries: [{fingerprint: 0123456789abcdef, calls-per-second: -1}]}\n":           "calibration.queries[0].calls-per-second: -1",
		"calibration: {ms-per-cost: 0.01, source: x, speed: 3}\n":                                                                   `unknown key "speed"`,
		"calibration: {ms-per-cost: fast, source: x}\n":                                                                             "cannot unmarshal !!str `fast`",
		"calibration: {ms-per-cost: 0.01, source: x, queries: [{fingerprint: 0123456789abcdef, mean-ms: 1}, {fingerprint: ABC}]}\n": `calibration.queries[1].fingerprint: "ABC"`,
	}
	for content, want := range tests {
		if _, err := Load(write(t, t.TempDir(), content)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: error %v, want %q", content, err, want)
		}
	}
}

// TestProductionTraffic: a query no services.traffic entry names takes
// production's calls per second, matched by fingerprint, against every
// service's pool; a named query keeps the configured rate.
func TestProductionTraffic(t *testing.T) {
	cfg, err := Load(write(t, t.TempDir(), calibrated))
	if err != nil {
		t.Fatal(err)
	}
	unnamed := &analyzer.Statement{Name: "ListPending", Fingerprint: "0123456789abcdef"}
	want := []rules.Traffic{
		{Service: "api", CallsPerSecond: 25, PoolSize: 20, Source: "production's pg_stat_statements"},
		{Service: "worker", CallsPerSecond: 25, PoolSize: 5, Source: "production's pg_stat_statements"},
	}
	if got := cfg.ProductionTraffic(unnamed); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("unnamed query: %+v", got)
	}
	named := &analyzer.Statement{Name: "GetPayment", Fingerprint: "0123456789abcdef"}
	if got := cfg.ProductionTraffic(named); got != nil {
		t.Errorf("a query services.api.traffic names: %+v", got)
	}
	other := &analyzer.Statement{Name: "Other", Fingerprint: "fedcba9876543210"}
	if got := cfg.ProductionTraffic(other); got != nil {
		t.Errorf("a query production has no statistics for: %+v", got)
	}
}
