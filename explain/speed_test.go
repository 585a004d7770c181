package explain

import "testing"

func TestSpeedSaysWhereItComesFrom(t *testing.T) {
	tests := []struct {
		speed    Speed
		estimate float64 // for cost 1,000
		says     string
	}{
		{Speed{}, 10, "at the default 0.01 ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)"},
		{Speed{MsPerCost: 0.00211, Source: "production's pg_stat_statements on db:5432/app at 2026-11-29 20:40 UTC"}, 2.11,
			"at 0.00211 ms per cost unit from production's pg_stat_statements on db:5432/app at 2026-11-29 20:40 UTC"},
		{Speed{MsPerCost: 0.5}, 500, "at 0.5 ms per cost unit (source not given)"},
		{Speed{MsPerCost: -1, Source: "x"}, 10, "at the default 0.01 ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)"},
	}
	for _, tt := range tests {
		if got := tt.speed.Estimate(1000); got != tt.estimate {
			t.Errorf("%+v: estimate %g, want %g", tt.speed, got, tt.estimate)
		}
		if got := tt.speed.Describe(); got != tt.says {
			t.Errorf("%+v: %q, want %q", tt.speed, got, tt.says)
		}
	}
}
