package explain

import (
	"fmt"
	"strconv"
)

// DefaultMsPerCost is the speed a review assumes when the profile carries
// no calibration: 0.01 ms per unit of planner cost. PostgreSQL's cost unit
// is one sequential page read (seq_page_cost = 1, 8 kB) plus a hundredth
// of that per row (cpu_tuple_cost); 10 µs per page is a server reading
// cached or SSD-backed pages at about 800 MB/s. A full scan of a
// 1,000,000-row table (cost 22,500, no parallel workers) took 135 to
// 160 ms on the 2-core review runner here, 0.006 to 0.007 ms per cost
// unit: the default is a little slower than an idle runner with the table
// in memory, as production under its own load is.
const DefaultMsPerCost = 0.01

// Speed turns planner cost into estimated milliseconds: MsPerCost, and
// where that figure comes from, for every finding that uses it. The zero
// value is the default speed.
type Speed struct {
	MsPerCost float64
	Source    string // "production's pg_stat_statements on db.example:5432/app at 2026-11-29 20:00 UTC"; "" for the default
}

// DefaultSpeed is the documented fixed default: reviews without a
// calibrated profile use it, never a timing taken on the runner.
func DefaultSpeed() Speed { return Speed{MsPerCost: DefaultMsPerCost} }

// OrDefault is s, or the default speed when s has none.
func (s Speed) OrDefault() Speed {
	if s.MsPerCost <= 0 {
		return DefaultSpeed()
	}
	return s
}

// Calibrated: the speed was fitted on production's statistics.
func (s Speed) Calibrated() bool { return s.MsPerCost > 0 && s.Source != "" }

// Estimate is the milliseconds a plan of the given cost is expected to
// take at this speed (the default when s has none).
func (s Speed) Estimate(cost float64) float64 { return cost * s.OrDefault().MsPerCost }

// Describe says which speed an estimate used, for a finding's message:
// "at 0.012 ms per cost unit from production's pg_stat_statements on …"
// or "at the default 0.01 ms per cost unit: export a profile with
// pg_stat_statements to calibrate".
func (s Speed) Describe() string {
	s = s.OrDefault()
	if !s.Calibrated() && s.MsPerCost != DefaultMsPerCost {
		return fmt.Sprintf("at %s ms per cost unit (source not given)", FormatMsPerCost(s.MsPerCost))
	}
	if !s.Calibrated() {
		return fmt.Sprintf("at the default %s ms per cost unit: export a profile with pg_stat_statements to calibrate (qreview profile export)", FormatMsPerCost(s.MsPerCost))
	}
	return fmt.Sprintf("at %s ms per cost unit from %s", FormatMsPerCost(s.MsPerCost), s.Source)
}

// SourceName is a short name of the speed's origin for evidence:
// "pg_stat_statements", "default", or "unnamed" for a speed set without
// a source.
func (s Speed) SourceName() string {
	s = s.OrDefault()
	switch {
	case s.Calibrated():
		return "pg_stat_statements"
	case s.MsPerCost == DefaultMsPerCost:
		return "default"
	}
	return "unnamed"
}

// FormatMsPerCost writes a speed with three significant digits: 0.0123.
func FormatMsPerCost(v float64) string {
	return strconv.FormatFloat(v, 'g', 3, 64)
}
