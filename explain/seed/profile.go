// Package seed fills a scratch database with generated rows shaped by a
// scale profile, so that the planner sees production-sized tables.
package seed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// Profile gives row counts and column shapes per table (config "scale:").
type Profile map[string]*TableProfile

// TableProfile describes one table. Columns not named are derived from
// the schema.
type TableProfile struct {
	Rows    int64                     `yaml:"rows" json:"rows"`
	Columns map[string]*ColumnProfile `yaml:"columns,omitempty" json:"columns,omitempty"`
}

// ColumnProfile shapes one column's values. Every key is optional.
type ColumnProfile struct {
	Values       []string  `yaml:"values,omitempty" json:"values,omitempty"`               // the values to draw from
	Weights      []float64 `yaml:"weights,omitempty" json:"weights,omitempty"`             // relative frequency of each value
	Distinct     int64     `yaml:"distinct,omitempty" json:"distinct,omitempty"`           // how many different values
	NullFraction float64   `yaml:"null_fraction,omitempty" json:"null_fraction,omitempty"` // share of NULLs, 0 to 1
	Range        []string  `yaml:"range,omitempty" json:"range,omitempty"`                 // [min, max]: numbers or timestamps
	Distribution string    `yaml:"distribution,omitempty" json:"distribution,omitempty"`   // uniform (default), zipf or sequential
	Skew         float64   `yaml:"skew,omitempty" json:"skew,omitempty"`                   // zipf exponent, default 1: a few values take most rows
	Length       int       `yaml:"length,omitempty" json:"length,omitempty"`               // average text length
	MCV          []MCV     `yaml:"mcv,omitempty" json:"mcv,omitempty"`                     // most-common values and their frequencies
	Histogram    []string  `yaml:"histogram,omitempty" json:"histogram,omitempty"`         // equal-frequency bucket bounds, as pg_stats has them
}

// MCV is a most-common value and the share of rows that hold it.
type MCV struct {
	Value string  `yaml:"value" json:"value"`
	Freq  float64 `yaml:"freq" json:"freq"`
}

// Hash identifies the profile: equal profiles hash equal whatever the
// order they were written in (JSON objects are written with sorted keys).
func (p Profile) Hash() string {
	data, _ := json.Marshal(p)
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Validate checks the profile against the schema and names the offending
// key, e.g. "scale.payments.columns.state: no such column in payments".
func (p Profile) Validate(tables map[string]*Table) error {
	for _, name := range sortedKeys(p) {
		tp, key := p[name], "scale."+name
		t := tables[name]
		switch {
		case tp == nil:
			return fmt.Errorf("%s: empty table profile: give rows", key)
		case t == nil:
			return fmt.Errorf("%s: no table %q in the schema after migrations", key, name)
		case tp.Rows < 0:
			return fmt.Errorf("%s.rows: %d is negative", key, tp.Rows)
		}
		for _, colName := range sortedKeys(tp.Columns) {
			cp, ckey := tp.Columns[colName], key+".columns."+colName
			col := t.column(colName)
			switch {
			case col == nil:
				return fmt.Errorf("%s: no column %q in table %s", ckey, colName, name)
			case cp == nil:
				continue
			case len(cp.Weights) > 0 && len(cp.Weights) != len(cp.Values):
				return fmt.Errorf("%s.weights: %d weights for %d values", ckey, len(cp.Weights), len(cp.Values))
			case cp.NullFraction < 0 || cp.NullFraction > 1:
				return fmt.Errorf("%s.null_fraction: %g is not between 0 and 1", ckey, cp.NullFraction)
			case cp.NullFraction > 0 && col.NotNull:
				return fmt.Errorf("%s.null_fraction: %s.%s is NOT NULL", ckey, name, colName)
			case cp.Distinct < 0:
				return fmt.Errorf("%s.distinct: %d is negative", ckey, cp.Distinct)
			case len(cp.Range) != 0 && len(cp.Range) != 2:
				return fmt.Errorf("%s.range: give [min, max], not %d values", ckey, len(cp.Range))
			case cp.Distribution != "" && cp.Distribution != "uniform" && cp.Distribution != "zipf" && cp.Distribution != "sequential":
				return fmt.Errorf("%s.distribution: %q: use uniform, zipf or sequential", ckey, cp.Distribution)
			case cp.Skew < 0:
				return fmt.Errorf("%s.skew: %g is negative", ckey, cp.Skew)
			case cp.Length < 0:
				return fmt.Errorf("%s.length: %d is negative", ckey, cp.Length)
			case len(cp.Histogram) == 1:
				return fmt.Errorf("%s.histogram: give at least two bounds", ckey)
			}
			total := 0.0
			for i, m := range cp.MCV {
				if m.Freq < 0 || m.Freq > 1 {
					return fmt.Errorf("%s.mcv[%d].freq: %g is not between 0 and 1", ckey, i, m.Freq)
				}
				total += m.Freq
			}
			if total > 1.0001 {
				return fmt.Errorf("%s.mcv: frequencies add up to %g, more than 1", ckey, total)
			}
			for i, w := range cp.Weights {
				if w < 0 {
					return fmt.Errorf("%s.weights[%d]: %g is negative", ckey, i, w)
				}
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// GeneratorVersion changes whenever the rows generated for a profile
// change, so that kept databases seeded by an older qreview are not reused.
const GeneratorVersion = "seed/3"

// CacheKey identifies a seeded database: the schema it was built from,
// the profile and the generator, with the default assumed size.
func CacheKey(schema []string, p Profile) string {
	return CacheKeyWith(schema, p, 0)
}

// CacheKeyWith is CacheKey for a load with Options.AssumedRows
// assumedRows (0: DefaultAssumedRows), which sizes the tables when the
// profile is empty.
func CacheKeyWith(schema []string, p Profile, assumedRows int64) string {
	return CacheKeyFor(schema, p, Options{AssumedRows: assumedRows})
}

// CacheKeyFor is CacheKey for a load with opts: the options that change
// the rows (AssumedRows, Vary) are part of it.
func CacheKeyFor(schema []string, p Profile, opts Options) string {
	assumedRows := opts.AssumedRows
	if assumedRows <= 0 {
		assumedRows = DefaultAssumedRows
	}
	h := sha256.New()
	h.Write([]byte(GeneratorVersion + "\x00" + p.Hash() + "\x00"))
	if len(p) == 0 {
		fmt.Fprintf(h, "assumed %d\x00", assumedRows)
	}
	if len(opts.Vary) > 0 {
		vary := append([]string(nil), opts.Vary...)
		sort.Strings(vary)
		fmt.Fprintf(h, "vary %q\x00", vary)
	}
	for _, sql := range schema {
		h.Write([]byte(sql + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
