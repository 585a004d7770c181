package config

import (
	"fmt"
	"math"
	"regexp"
	"sort"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/seed"
	"github.com/qreview/qreview/rules"
)

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// checkCalibration validates the calibration: key that qreview profile
// export writes, naming the key at fault.
func checkCalibration(c *seed.Calibration) error {
	if c == nil {
		return nil
	}
	if !(c.MsPerCost > 0) || math.IsInf(c.MsPerCost, 0) {
		return fmt.Errorf("calibration.ms-per-cost: %g: give production's milliseconds per unit of plan cost, more than 0 (qreview profile export writes it), or remove calibration: to use the default %g", c.MsPerCost, explain.DefaultMsPerCost)
	}
	if c.Source == "" {
		return fmt.Errorf("calibration.source: say where ms-per-cost was measured (qreview profile export writes it); findings quote it")
	}
	for i, q := range c.Queries {
		key := fmt.Sprintf("calibration.queries[%d]", i)
		switch {
		case !fingerprintPattern.MatchString(q.Fingerprint):
			return fmt.Errorf("%s.fingerprint: %q is not a pg_query fingerprint (16 lowercase hex digits)", key, q.Fingerprint)
		case q.MeanMS < 0 || math.IsNaN(q.MeanMS):
			return fmt.Errorf("%s.mean-ms: %g is negative", key, q.MeanMS)
		case q.CallsPerSecond < 0 || math.IsNaN(q.CallsPerSecond) || math.IsInf(q.CallsPerSecond, 0):
			return fmt.Errorf("%s.calls-per-second: %g: give 0 or more", key, q.CallsPerSecond)
		case q.Calls < 0:
			return fmt.Errorf("%s.calls: %d is negative", key, q.Calls)
		}
	}
	return nil
}

// Speed is the speed reviews turn plan cost into milliseconds with:
// production's, from the calibration: key, else the documented default.
// It never depends on the machine the review runs on.
func (c *Config) Speed() explain.Speed {
	if c.Calibration == nil {
		return explain.DefaultSpeed()
	}
	return explain.Speed{MsPerCost: c.Calibration.MsPerCost, Source: c.Calibration.Source}
}

// ProductionSource names the exported call rates in findings.
const ProductionSource = "production's pg_stat_statements"

// ProductionTraffic is pool-saturation's traffic for a query that no
// services.NAME.traffic entry names: its calls per second exported from
// production's pg_stat_statements (matched by pg_query fingerprint),
// judged against the pool of each configured service. That rate is every
// instance's together, so for one instance's pool it is a ceiling: name
// the query under services.NAME.traffic with its per-instance rate to be
// exact. Nil when the config names the query, no service has a pool, or
// production's statistics do not have it.
func (c *Config) ProductionTraffic(st *analyzer.Statement) []rules.Traffic {
	if c.Calibration == nil || st == nil || st.Fingerprint == "" {
		return nil
	}
	for _, s := range c.Services {
		if _, named := s.Traffic.Calls[st.Name]; named && st.Name != "" {
			return nil
		}
	}
	rate := 0.0
	for _, q := range c.Calibration.Queries {
		if q.Fingerprint == st.Fingerprint {
			rate = q.CallsPerSecond
		}
	}
	if rate <= 0 {
		return nil
	}
	names := make([]string, 0, len(c.Services))
	for name, s := range c.Services {
		if s.Pool.Size > 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []rules.Traffic
	for _, name := range names {
		out = append(out, rules.Traffic{Service: name, CallsPerSecond: rate, PoolSize: c.Services[name].Pool.Size, Source: ProductionSource})
	}
	return out
}
