package seed

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strconv"
	"time"
)

// gen returns row i's value of a column. Generators are pure functions of
// the row number, so a child table can compute any parent row's key
// without the parent's keys being kept in memory.
type gen func(i int64) any

// mix is splitmix64: a well-spread 64-bit value for (seed, i).
func mix(seed uint64, i int64) uint64 {
	z := seed + uint64(i)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func unit(seed uint64, i int64) float64 { return float64(mix(seed, i)>>11) / (1 << 53) }

func seedOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// timeSpan is how far back generated timestamps reach. The end is today
// (UTC midnight), so "recent rows" filters select a realistic share.
const timeSpan = 2 * 365 * 24 * time.Hour

// planner builds the generators of every loaded table.
type planner struct {
	tables  map[string]*Table
	profile Profile
	gens    map[string]map[string]gen // table → column → generator
	end     time.Time
}

func (p *planner) rows(table string) int64 {
	if tp := p.profile[table]; tp != nil {
		return tp.Rows
	}
	return 0
}

// columnGen derives a column's generator from its profile and the schema.
func (p *planner) columnGen(t *Table, c *Column) (gen, error) {
	var cp ColumnProfile
	if tp := p.profile[t.Name]; tp != nil && tp.Columns[c.Name] != nil {
		cp = *tp.Columns[c.Name]
	}
	key := fmt.Sprintf("scale.%s.columns.%s", t.Name, c.Name)
	seed := seedOf(t.Name, c.Name)
	base, err := p.valueGen(t, c, cp, seed, key)
	if err != nil || base == nil {
		return base, err
	}
	if cp.NullFraction > 0 {
		nullSeed, nf := seed^0x6e756c6c, cp.NullFraction
		return func(i int64) any {
			if unit(nullSeed, i) < nf {
				return nil
			}
			return base(i)
		}, nil
	}
	return base, nil
}

func (p *planner) valueGen(t *Table, c *Column, cp ColumnProfile, seed uint64, key string) (gen, error) {
	if len(cp.Values) > 0 {
		values := make([]any, len(cp.Values))
		for i, v := range cp.Values {
			parsed, err := parseValue(c, v)
			if err != nil {
				return nil, fmt.Errorf("%s.values[%d]: %w", key, i, err)
			}
			values[i] = parsed
		}
		return weighted(seed, values, cp.Weights), nil
	}
	if c.Ref != nil {
		return p.refGen(t, c, seed, key)
	}
	if len(c.Enum) > 0 {
		labels := make([]any, len(c.Enum))
		for i, l := range c.Enum {
			labels[i] = l
		}
		return weighted(seed, labels, nil), nil
	}
	distinct := cp.Distinct
	if c.Unique {
		distinct = 0 // every row its own value
	}
	pick := func(i int64) int64 {
		if distinct > 0 {
			return int64(mix(seed, i) % uint64(distinct))
		}
		return i
	}
	switch c.BaseType {
	case "int2", "int4", "int8":
		limit := intLimit[c.BaseType]
		if c.Unique && p.rows(t.Name) > limit {
			return nil, fmt.Errorf("scale.%s.rows: %d rows do not fit unique %s column %s", t.Name, p.rows(t.Name), c.Type, c.Name)
		}
		if distinct == 0 && !c.Unique {
			distinct = min(100_000, limit)
		}
		return func(i int64) any { return pick(i) + 1 }, nil
	case "numeric", "float4", "float8":
		return func(i int64) any { return float64(mix(seed, i)%10_000_000) / 100 }, nil
	case "text", "varchar", "bpchar", "citext", "name":
		if distinct == 0 && !c.Unique {
			distinct = 1000
		}
		return func(i int64) any { return clip(c.Name+"-"+strconv.FormatInt(pick(i)+1, 10), c.MaxLen) }, nil
	case "bool":
		return func(i int64) any { return mix(seed, i)&1 == 1 }, nil
	case "timestamptz", "timestamp", "date":
		start, span := p.end.Add(-timeSpan), uint64(timeSpan/time.Second)
		return func(i int64) any {
			return start.Add(time.Duration(mix(seed, pick(i))%span) * time.Second)
		}, nil
	case "uuid":
		return func(i int64) any {
			var u [16]byte
			binary.BigEndian.PutUint64(u[:8], mix(seed, pick(i)))
			binary.BigEndian.PutUint64(u[8:], mix(^seed, pick(i)))
			u[6] = u[6]&0x0f | 0x40 // version 4
			u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
			return u
		}, nil
	case "json", "jsonb":
		return func(i int64) any { return `{"n": ` + strconv.FormatInt(pick(i), 10) + `}` }, nil
	}
	if !c.NotNull {
		return nil, nil // left NULL: a column the generator cannot fill yet
	}
	return nil, fmt.Errorf("%s: cannot generate values of type %s for NOT NULL column %s.%s: give the column \"values\" in the profile",
		key, c.Type, t.Name, c.Name)
}

// refGen draws a foreign key from the rows the parent table gets, by
// computing the parent's key for a random parent row.
func (p *planner) refGen(t *Table, c *Column, seed uint64, key string) (gen, error) {
	parentRows := p.rows(c.Ref.Table)
	parent := p.gens[c.Ref.Table][c.Ref.Column]
	if parentRows == 0 || parent == nil {
		if !c.NotNull {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: %s.%s references %s, which gets no rows: give scale.%s.rows",
			key, t.Name, c.Name, c.Ref.Table, c.Ref.Table)
	}
	if c.Unique { // one-to-one: row i takes parent row i
		if p.rows(t.Name) > parentRows {
			return nil, fmt.Errorf("scale.%s.rows: %s.%s is a unique reference to %s, which gets only %d rows",
				t.Name, t.Name, c.Name, c.Ref.Table, parentRows)
		}
		return parent, nil
	}
	return func(i int64) any { return parent(int64(mix(seed, i) % uint64(parentRows))) }, nil
}

// weighted picks among values with the given relative weights (equal
// when weights is empty).
func weighted(seed uint64, values []any, weights []float64) gen {
	cumulative := make([]float64, len(values))
	total := 0.0
	for i := range values {
		w := 1.0
		if len(weights) > 0 {
			w = weights[i]
		}
		total += w
		cumulative[i] = total
	}
	return func(i int64) any {
		u := unit(seed, i) * total
		return values[sort.SearchFloat64s(cumulative, u)%len(values)]
	}
}

// intLimit is the largest value of each integer type.
var intLimit = map[string]int64{"int2": math.MaxInt16, "int4": math.MaxInt32, "int8": math.MaxInt64}

// parseValue turns a profile value into the Go type pgx encodes for the
// column's type.
func parseValue(c *Column, v string) (any, error) {
	switch c.BaseType {
	case "int2", "int4", "int8":
		return strconv.ParseInt(v, 10, 64)
	case "numeric", "float4", "float8":
		return strconv.ParseFloat(v, 64)
	case "bool":
		return strconv.ParseBool(v)
	case "timestamptz", "timestamp", "date":
		for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, nil
			}
		}
		return nil, fmt.Errorf("%q is not a timestamp (use 2006-01-02 or RFC 3339)", v)
	}
	if len(c.Enum) > 0 {
		for _, l := range c.Enum {
			if l == v {
				return v, nil
			}
		}
		return nil, fmt.Errorf("%q is not a label of enum %s %v", v, c.Type, c.Enum)
	}
	return v, nil
}

func clip(s string, max int) string {
	if max > 0 && len(s) > max {
		return s[len(s)-max:] // keep the distinguishing digits
	}
	return s
}
