package seed

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
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

// columnGen derives a column's generator from its profile and the schema.
func (p *planner) columnGen(t *Table, c *Column) (gen, error) {
	return p.columnGenWith(t, c, p.columnProfile(t, c))
}

// columnGenWith is columnGen with the column's profile given.
func (p *planner) columnGenWith(t *Table, c *Column, cp ColumnProfile) (gen, error) {
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
	switch {
	case len(cp.Values) > 0:
		return p.listGen(c, cp.Values, cp.Weights, seed, key+".values")
	case c.Ref != nil:
		return p.refGen(t, c, cp, seed, key)
	case p.unique(t, c):
		// Statistics of a key (a histogram of unique values) cannot be
		// drawn from without repeats: keys come from the type.
		return p.typeGen(t, c, cp, seed, key)
	case len(cp.MCV) > 0:
		return p.mcvGen(t, c, cp, seed, key)
	case len(cp.Histogram) > 0 && interpolable(c):
		return p.histogramGen(c, cp, seed, key+".histogram")
	case len(c.Bounds.Values) > 0:
		return p.listGen(c, c.Bounds.Values, nil, seed, key)
	case len(c.Enum) > 0:
		return p.listGen(c, c.Enum, nil, seed, key)
	case c.Bounds.Default != nil && saysNothing(cp) && p.varies(t, c) && c.BaseType != "bool" && !c.Bounds.Opaque:
		return p.variedDefaultGen(t, c, cp, seed, key)
	case c.Bounds.Default != nil && saysNothing(cp):
		// A constant default and nothing else said: the value the
		// application gets when it does not set the column.
		return p.listGen(c, []string{*c.Bounds.Default}, nil, seed, key)
	}
	return p.typeGen(t, c, cp, seed, key)
}

// defaultShare is the share of rows that keep an indexed column's
// constant default.
const defaultShare = 0.05

// variedDefaultGen gives an indexed (or filtered) column with a constant default (a
// title defaulting to the empty string, indexed on (title, year)) its
// default on a few rows only: on every row it would make the index useless, and
// the review would report a seq scan production does not run. Booleans,
// and columns a CHECK constrains in ways not read, keep their default.
func (p *planner) variedDefaultGen(t *Table, c *Column, cp ColumnProfile, seed uint64, key string) (gen, error) {
	def, err := p.listGen(c, []string{*c.Bounds.Default}, nil, seed, key)
	if err != nil {
		return nil, err
	}
	other, err := p.typeGen(t, c, cp, seed, key)
	if err != nil || other == nil {
		return def, nil // the type gives nothing else: the default it is
	}
	shareSeed := seed ^ 0x64656661756c74
	return func(i int64) any {
		if unit(shareSeed, i) < defaultShare {
			return def(i)
		}
		return other(i)
	}, nil
}

// saysNothing: the profile shapes no values (it may give null_fraction).
func saysNothing(cp ColumnProfile) bool {
	return cp.Distinct == 0 && len(cp.Range) == 0 && cp.Distribution == "" && cp.Length == 0
}

// listGen draws from given values, parsed into the column's Go type.
func (p *planner) listGen(c *Column, list []string, weights []float64, seed uint64, key string) (gen, error) {
	values := make([]any, len(list))
	for i, v := range list {
		parsed, err := parseValue(c, v)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		values[i] = parsed
	}
	return weighted(seed, values, weights), nil
}

// mcvGen gives each most-common value its frequency; the other rows are
// drawn from the column's ordinary generator.
func (p *planner) mcvGen(t *Table, c *Column, cp ColumnProfile, seed uint64, key string) (gen, error) {
	values, weights := make([]any, len(cp.MCV)), make([]float64, len(cp.MCV))
	total := 0.0
	for i, m := range cp.MCV {
		v, err := parseValue(c, m.Value)
		if err != nil {
			return nil, fmt.Errorf("%s.mcv[%d].value: %w", key, i, err)
		}
		values[i], weights[i] = v, m.Freq
		total += m.Freq
	}
	common := weighted(seed^0x6d6376, values, weights)
	rest := cp
	rest.MCV = nil
	if rest.Distinct > int64(len(cp.MCV)) {
		rest.Distinct -= int64(len(cp.MCV))
	}
	if !interpolable(c) {
		// Text past the common values: a prefix of its own keeps the
		// generated values from repeating the common ones.
		c = &Column{Name: c.Name + "~", Type: c.Type, BaseType: c.BaseType, MaxLen: c.MaxLen, NotNull: c.NotNull, Enum: c.Enum, Bounds: c.Bounds}
	}
	other, err := p.valueGen(t, c, rest, seed, key) // rest has no MCV: no loop
	if err != nil {
		return nil, err
	}
	if other == nil {
		other = func(int64) any { return nil }
	}
	// Share of the non-NULL rows that hold a common value.
	share := total / max(1-cp.NullFraction, 1e-9)
	return func(i int64) any {
		if unit(seed^0x636f6d6d6f6e, i) < share {
			return common(i)
		}
		return other(i)
	}, nil
}

// interpolable: a value between two histogram bounds can be made. Text
// cannot; its histogram bounds would be its only values.
func interpolable(c *Column) bool {
	switch c.BaseType {
	case "int2", "int4", "int8", "numeric", "float4", "float8", "timestamptz", "timestamp", "date":
		return true
	}
	return false
}

// histogramGen draws from equal-frequency buckets, as pg_stats describes
// a column: each of distinct values (every row its own when 0) sits at a
// quantile, inside the bucket that quantile falls in.
func (p *planner) histogramGen(c *Column, cp ColumnProfile, seed uint64, key string) (gen, error) {
	values := make([]any, len(cp.Histogram))
	for i, b := range cp.Histogram {
		v, err := parseValue(c, b)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		values[i] = v
	}
	buckets := float64(len(values) - 1)
	distinct := cp.Distinct
	return func(i int64) any {
		q := unit(seed, i) // the row's quantile
		if distinct > 0 {
			q = (float64(mix(seed, i)%uint64(distinct)) + 0.5) / float64(distinct)
		}
		b := min(int(q*buckets), len(values)-2)
		return between(values[b], values[b+1], q*buckets-float64(b))
	}, nil
}

// between interpolates a share f of the way from lo to hi for numbers
// and times, and gives lo for anything else.
func between(lo, hi any, f float64) any {
	switch l := lo.(type) {
	case int64:
		return l + int64(f*float64(hi.(int64)-l))
	case float64:
		return math.Round((l+f*(hi.(float64)-l))*100) / 100
	case time.Time:
		return l.Add(time.Duration(f * float64(hi.(time.Time).Sub(l))))
	}
	return lo
}

// typeGen makes values from the column's type: an index k in [0, n) is
// picked by the distribution and mapped into the type's range.
func (p *planner) typeGen(t *Table, c *Column, cp ColumnProfile, seed uint64, key string) (gen, error) {
	rows := p.rows(t.Name)
	unique := p.unique(t, c)
	n := cp.Distinct
	switch {
	case unique || c.NoOverlap:
		n = max(rows, 1)
	case n == 0:
		n = defaultDistinct(c.BaseType, rows)
	}
	pick := picker(cp, unique || c.NoOverlap, n, seed)
	if len(c.Spans) > 0 && len(cp.Range) == 0 {
		if g, err := p.spanGen(c, pick, n); g != nil || err != nil {
			return g, err
		}
	}
	switch c.BaseType {
	case "int2", "int4", "int8":
		lo, hi, err := p.intRange(t, c, cp, unique)
		if err != nil {
			return nil, err
		}
		span := hi - lo + 1
		if unique && rows > span {
			return nil, fmt.Errorf("scale.%s.rows: %d rows do not fit unique %s column %s in [%d, %d]", t.Name, rows, c.Type, c.Name, lo, hi)
		}
		if unique || n >= span {
			return func(i int64) any { return lo + pick(i)%span }, nil
		}
		return func(i int64) any { return lo + pick(i)*(span/n) }, nil
	case "numeric", "float4", "float8":
		lo, hi, err := p.numericRange(c, cp, key, 0, 100_000)
		if err != nil {
			return nil, err
		}
		step := (hi - lo) / float64(n)
		if unique && step < 0.01 { // two decimals would repeat: whole numbers up from lo
			return func(i int64) any { return math.Ceil(lo) + float64(pick(i)) }, nil
		}
		return func(i int64) any { return math.Round((lo+(float64(pick(i))+0.5)*step)*100) / 100 }, nil
	case "text", "varchar", "bpchar", "citext", "name":
		length := cp.Length
		if length == 0 && c.Bounds.MinLen > 0 {
			length = c.Bounds.MinLen + 2
		}
		return textGen(c, length, pick, seed), nil
	case "bool":
		return func(i int64) any { return pick(i)%2 == 1 }, nil
	case "timestamptz", "timestamp", "date":
		lo, hi, err := p.timeRange(cp, key)
		if err != nil {
			return nil, err
		}
		step := hi.Sub(lo) / time.Duration(n)
		if step <= 0 {
			step = time.Microsecond
		}
		return func(i int64) any { return lo.Add(time.Duration(pick(i)) * step) }, nil
	case "uuid":
		return func(i int64) any { return uuidOf(seed, pick(i)) }, nil
	case "json", "jsonb":
		return func(i int64) any { return `{"n": ` + strconv.FormatInt(pick(i), 10) + `}` }, nil
	case "bytea":
		return func(i int64) any { return binary.BigEndian.AppendUint64(nil, mix(seed, pick(i))) }, nil
	case "interval":
		return func(i int64) any { return time.Duration(pick(i)%(24*3600)) * time.Second }, nil
	case "inet", "cidr":
		return func(i int64) any {
			// 10.0.0.0 and up, through all of IPv4: distinct for 2^32 keys.
			var a [4]byte
			binary.BigEndian.PutUint32(a[:], 10<<24+uint32(pick(i)))
			return netip.PrefixFrom(netip.AddrFrom4(a), 32)
		}, nil
	case "hstore":
		return func(i int64) any {
			v := strconv.FormatInt(pick(i), 10)
			return pgtype.Hstore{"k": &v}
		}, nil
	case "ltree":
		return func(i int64) any {
			k := pick(i)
			return "top.n" + strconv.FormatInt(k%100, 10) + ".n" + strconv.FormatInt(k, 10)
		}, nil
	case "int4range", "int8range", "numrange", "daterange", "tsrange", "tstzrange":
		return p.rangeGen(c, pick, n), nil
	}
	if c.Elem != nil {
		return p.arrayGen(t, c, seed, key)
	}
	if !c.NotNull {
		return nil, nil // left NULL: a column the generator cannot fill yet
	}
	return nil, fmt.Errorf("%s.values: cannot generate values of type %s for NOT NULL column %s.%s: give the column \"values\" in the profile",
		key, c.Type, t.Name, c.Name)
}

// timeRange is the profile's range, else the two years up to today.
func (p *planner) timeRange(cp ColumnProfile, key string) (time.Time, time.Time, error) {
	if len(cp.Range) == 2 {
		l, err1 := parseTime(cp.Range[0])
		h, err2 := parseTime(cp.Range[1])
		if err1 != nil || err2 != nil || !h.After(l) {
			return time.Time{}, time.Time{}, fmt.Errorf("%s.range: want [earliest, latest] timestamps, got %v", key, cp.Range)
		}
		return l, h, nil
	}
	return p.end.Add(-timeSpan), p.end, nil
}

// intRange is the span of an integer column: the profile's range, else
// its CHECKs, else a plausible default. Unique columns start past the
// largest value the migrations' rows hold.
func (p *planner) intRange(t *Table, c *Column, cp ColumnProfile, unique bool) (int64, int64, error) {
	hiDefault := float64(min(intLimit[c.BaseType], 1_000_000)) // amounts, counts, ids of other systems
	if unique {
		hiDefault = float64(min(intLimit[c.BaseType], 1<<53)) // float64 holds every integer up to 2^53
	}
	key := fmt.Sprintf("scale.%s.columns.%s", t.Name, c.Name)
	lo, hi, err := p.numericRange(c, cp, key, 1, hiDefault)
	if err != nil {
		return 0, 0, err
	}
	first, last := int64(math.Ceil(lo)), int64(math.Floor(hi))
	if len(cp.Range) == 0 && len(c.Spans) > 0 { // the partitions' outer bounds
		if l, h, ok := outerSpan(c.Spans); ok {
			first, last = max(first, l), min(last, h)
		}
	}
	if len(cp.Range) == 0 && c.SeqMax > 0 {
		last = min(last, c.SeqMax)
	}
	if floor, ok := p.maxExisting[t.Name+"."+c.Name]; ok && unique && floor >= first {
		first = floor + 1
	}
	if last < first {
		return first, first - 1, nil
	}
	return first, last, nil
}

// outerSpan is the lowest and highest integer the range partitions take,
// when every partition is bounded.
func outerSpan(spans []Span) (int64, int64, bool) {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range spans {
		l, err1 := strconv.ParseInt(s.Lo, 10, 64)
		h, err2 := strconv.ParseInt(s.Hi, 10, 64)
		if err1 != nil || err2 != nil {
			return 0, 0, false
		}
		lo, hi = min(lo, l), max(hi, h-1)
	}
	return lo, hi, len(spans) > 0
}

// spanGen spreads values over the range partitions' spans, so that every
// row has a partition. nil when the type has no spans to read.
func (p *planner) spanGen(c *Column, pick func(int64) int64, n int64) (gen, error) {
	type span struct{ lo, hi float64 }
	var spans []span
	var total float64
	isTime := c.BaseType == "timestamptz" || c.BaseType == "timestamp" || c.BaseType == "date"
	if !isTime && !interpolable(c) {
		return nil, nil
	}
	read := func(v string, open float64) (float64, error) {
		if v == "" {
			return open, nil
		}
		if isTime {
			t, err := parseTime(v)
			return float64(t.UnixMicro()), err
		}
		return strconv.ParseFloat(v, 64)
	}
	defLo, defHi := 1.0, 1_000_000.0
	if isTime {
		defLo, defHi = float64(p.end.Add(-timeSpan).UnixMicro()), float64(p.end.UnixMicro())
	}
	for _, s := range c.Spans {
		lo, err1 := read(s.Lo, math.Inf(-1))
		hi, err2 := read(s.Hi, math.Inf(1))
		if err1 != nil || err2 != nil {
			return nil, nil
		}
		if math.IsInf(lo, -1) {
			lo = min(defLo, hi-(defHi-defLo))
		}
		if math.IsInf(hi, 1) {
			hi = max(defHi, lo+(defHi-defLo))
		}
		if hi > lo {
			spans = append(spans, span{lo, hi})
			total += hi - lo
		}
	}
	if len(spans) == 0 {
		return nil, fmt.Errorf("%s: the partitions of its table have no room for values", c.Name)
	}
	return func(i int64) any {
		x := (float64(pick(i)) + 0.5) / float64(n) * total
		k := 0
		for k < len(spans)-1 && x >= spans[k].hi-spans[k].lo {
			x -= spans[k].hi - spans[k].lo
			k++
		}
		v := math.Floor(spans[k].lo + x)
		if v >= spans[k].hi {
			v = spans[k].hi - 1
		}
		switch {
		case isTime && c.BaseType == "date":
			return time.UnixMicro(int64(v)).UTC().Truncate(24 * time.Hour)
		case isTime:
			return time.UnixMicro(int64(v)).UTC()
		case c.BaseType == "int2" || c.BaseType == "int4" || c.BaseType == "int8":
			return int64(v)
		}
		return v
	}, nil
}

// rangeGen makes ranges: for a column an exclusion constraint keeps from
// overlapping, row k gets the k-th of back-to-back ranges.
func (p *planner) rangeGen(c *Column, pick func(int64) int64, n int64) gen {
	lo := p.end.Add(-timeSpan)
	step := max(timeSpan/time.Duration(max(n, 1)), time.Second)
	return func(i int64) any {
		k := pick(i)
		switch c.BaseType {
		case "int4range", "int8range":
			return pgtype.Range[int64]{Lower: k * 10, Upper: k*10 + 10, LowerType: pgtype.Inclusive, UpperType: pgtype.Exclusive, Valid: true}
		case "numrange":
			return pgtype.Range[float64]{Lower: float64(k * 10), Upper: float64(k*10 + 10), LowerType: pgtype.Inclusive, UpperType: pgtype.Exclusive, Valid: true}
		case "daterange":
			d := p.end.AddDate(0, 0, -int(k%36_500)-1)
			if c.NoOverlap {
				d = p.end.AddDate(0, 0, int(k))
			}
			return pgtype.Range[time.Time]{Lower: d, Upper: d.AddDate(0, 0, 1), LowerType: pgtype.Inclusive, UpperType: pgtype.Exclusive, Valid: true}
		}
		from := lo.Add(time.Duration(k) * step)
		return pgtype.Range[time.Time]{Lower: from, Upper: from.Add(step), LowerType: pgtype.Inclusive, UpperType: pgtype.Exclusive, Valid: true}
	}
}

// arrayGen fills an array column with one to three elements drawn from
// the element type's own generator (enum labels for an enum array).
func (p *planner) arrayGen(t *Table, c *Column, seed uint64, key string) (gen, error) {
	elem := *c.Elem
	elem.Name = c.Name
	elem.NotNull = true
	var elemGen gen
	var err error
	if len(elem.Enum) > 0 {
		elemGen, err = p.listGen(&elem, elem.Enum, nil, seed, key)
	} else {
		elemGen, err = p.typeGen(t, &elem, ColumnProfile{Distinct: 100}, seed, key)
	}
	if err != nil || elemGen == nil {
		if !c.NotNull {
			return nil, nil
		}
		return nil, fmt.Errorf("%s.values: cannot generate elements of type %s for NOT NULL array column %s.%s: give the column \"values\" (array literals) in the profile",
			key, elem.Type, t.Name, c.Name)
	}
	return func(i int64) any {
		size := 1 + int64(mix(seed^0x617272, i)%3)
		out := make([]any, size)
		for k := range out {
			out[k] = elemGen(i*3 + int64(k))
		}
		return out
	}, nil
}

func defaultDistinct(baseType string, rows int64) int64 {
	switch baseType {
	case "bool":
		return 2
	case "text", "varchar", "bpchar", "citext", "name":
		return 1000
	case "int2", "int4", "int8", "numeric", "float4", "float8":
		return 100_000
	}
	return max(rows, 1) // times, uuids: every row its own
}

// picker returns the index of row i's value among n.
func picker(cp ColumnProfile, unique bool, n int64, seed uint64) func(int64) int64 {
	switch {
	case unique || cp.Distribution == "sequential":
		return func(i int64) int64 { return i % n }
	case cp.Distribution == "zipf":
		skew := cp.Skew
		if skew == 0 {
			skew = 1
		}
		return func(i int64) int64 { return zipfIndex(unit(seed, i), n, skew) }
	}
	// uniform: every one of the n values occurs (when there are rows
	// enough), equally often, in an order unrelated to the row's: a random
	// draw would leave about a third of them out, and "distinct: n" would
	// not give n_distinct n.
	perm := permutation(n, seed)
	return func(i int64) int64 { return perm(i % n) }
}

// permutation is a bijection of [0, n): i → (a·i + b) mod n with a
// coprime to n. It spreads neighbours apart, which is all the planner's
// statistics can see of order.
func permutation(n int64, seed uint64) func(int64) int64 {
	if n <= 1 {
		return func(int64) int64 { return 0 }
	}
	un := uint64(n)
	a := mix(seed, 1)%un | 1
	for gcd(a, un) != 1 {
		a += 2
	}
	b := mix(seed, 2) % un
	return func(i int64) int64 {
		hi, lo := bits.Mul64(a, uint64(i))
		_, rem := bits.Div64(hi%un, lo, un)
		return int64((rem + b) % un)
	}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// zipfIndex maps u in [0, 1) to an index in [0, n) following a power law
// with exponent s, by inverting the continuous CDF: index 0 is the most
// common, and with s = 1 the first 1% of indexes take about 60% of the
// draws when n = 100,000.
func zipfIndex(u float64, n int64, s float64) int64 {
	N := float64(n) + 1
	var x float64
	if math.Abs(s-1) < 1e-9 {
		x = math.Pow(N, u) - 1
	} else {
		a := 1 - s
		x = math.Pow(u*(math.Pow(N, a)-1)+1, 1/a) - 1
	}
	return min(max(int64(x), 0), n-1)
}

// numericRange is [min, max] from the profile's range, else the CHECK
// constraints, else the given defaults.
func (p *planner) numericRange(c *Column, cp ColumnProfile, key string, lo, hi float64) (float64, float64, error) {
	if len(cp.Range) == 2 {
		l, err1 := strconv.ParseFloat(cp.Range[0], 64)
		h, err2 := strconv.ParseFloat(cp.Range[1], 64)
		if err1 != nil || err2 != nil || h < l {
			return 0, 0, fmt.Errorf("%s.range: want [min, max] numbers, got %v", key, cp.Range)
		}
		return l, h, nil
	}
	if c.Bounds.Min != nil {
		lo = *c.Bounds.Min
		if c.Bounds.Max == nil && lo >= hi {
			hi = lo + 100_000
		}
	}
	if c.Bounds.Max != nil {
		hi = *c.Bounds.Max
		if c.Bounds.Min == nil && hi <= lo {
			lo = hi - 100_000
		}
	}
	return lo, hi, nil
}

// textGen writes "<column>-<k>", padded to about length characters.
func textGen(c *Column, length int, pick func(int64) int64, seed uint64) gen {
	maxLen := textMax(c)
	return func(i int64) any {
		k := pick(i)
		s := c.Name + "-" + strconv.FormatInt(k+1, 10)
		if length > len(s) {
			// Between half and one and a half times length, fixed per value.
			want := length/2 + int(mix(seed, k)%uint64(length+1))
			if want > len(s) {
				s += strings.Repeat("x", want-len(s))
			}
		}
		return clip(s, maxLen)
	}
}

// textMax is the longest text a column takes: its type's length or its
// CHECK on length(), 0 when unbounded.
func textMax(c *Column) int {
	switch {
	case c.MaxLen == 0:
		return c.Bounds.MaxLen
	case c.Bounds.MaxLen == 0:
		return c.MaxLen
	}
	return min(c.MaxLen, c.Bounds.MaxLen)
}

func uuidOf(seed uint64, k int64) [16]byte {
	var u [16]byte
	binary.BigEndian.PutUint64(u[:8], mix(seed, k))
	binary.BigEndian.PutUint64(u[8:], mix(^seed, k))
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// refGen draws a foreign key from the rows the parent table gets, by
// computing the parent's key for a random parent row (or from the rows
// the migrations gave a parent that gets none).
func (p *planner) refGen(t *Table, c *Column, cp ColumnProfile, seed uint64, key string) (gen, error) {
	parentRows, parent := p.parentKeys(c.Ref)
	if parentRows == 0 {
		if !c.NotNull {
			return nil, nil // no parent row yet (the nullable side of a cycle, or a parent left empty)
		}
		if p.rows(c.Ref.Table) > 0 {
			return nil, fmt.Errorf("%s: %s.%s references %s, whose rows are generated after it (a cycle of NOT NULL foreign keys): give %s.%s \"values\" that exist in %s",
				key, t.Name, c.Name, c.Ref.Table, t.Name, c.Name, c.Ref.Table)
		}
		return nil, fmt.Errorf("%s: %s.%s references %s, which gets no rows: give scale.%s.rows",
			key, t.Name, c.Name, c.Ref.Table, c.Ref.Table)
	}
	self := c.Ref.Table == t.Name && p.rows(t.Name) > 0 && p.gens[t.Name][c.Ref.Column] != nil
	if p.unique(t, c) { // one-to-one: row i takes parent row i
		if p.rows(t.Name) > parentRows {
			return nil, fmt.Errorf("scale.%s.rows: %s.%s is a unique reference to %s, which gets only %d rows: raise scale.%s.rows",
				t.Name, t.Name, c.Name, c.Ref.Table, parentRows, c.Ref.Table)
		}
		if self {
			return selfChain(parent, parentRows, c.NotNull), nil
		}
		return func(i int64) any { return parent(i) }, nil
	}
	// zipf here is the skew option: a few parents own most children.
	n := parentRows
	if cp.Distinct > 0 {
		n = min(cp.Distinct, parentRows)
	}
	pick := picker(cp, false, n, seed)
	if len(cp.MCV) > 0 {
		// Most-common keys from production statistics need not exist here;
		// their frequencies go to the first parent rows instead.
		pick = mcvPicker(cp.MCV, pick, seed)
	}
	if self {
		return selfTree(parent, pick, c.NotNull), nil
	}
	return func(i int64) any { return parent(pick(i)) }, nil
}

// selfTree points each row at an earlier row of its own table, so that
// no row is its own parent (CHECK (id <> parent_id) holds) and the rows
// form trees, as parent_id columns do. The first row is a root: NULL, or
// itself when the column is NOT NULL.
func selfTree(parent func(int64) any, pick func(int64) int64, notNull bool) gen {
	return func(i int64) any {
		k := pick(i)
		if k >= i {
			if i == 0 && !notNull {
				return nil
			}
			k %= max(i, 1)
		}
		return parent(k)
	}
}

// selfChain is selfTree for a unique self-reference (previous_id): row
// i takes row i-1, the first row NULL, or when the column is NOT NULL
// the last row.
func selfChain(parent func(int64) any, rows int64, notNull bool) gen {
	return func(i int64) any {
		if i == 0 {
			if !notNull {
				return nil
			}
			return parent(rows - 1)
		}
		return parent(i - 1)
	}
}

// mcvPicker gives index k the frequency of the k-th most common value and
// leaves the other rows to rest.
func mcvPicker(mcv []MCV, rest func(int64) int64, seed uint64) func(int64) int64 {
	cumulative := make([]float64, len(mcv))
	total := 0.0
	for k, m := range mcv {
		total += m.Freq
		cumulative[k] = total
	}
	return func(i int64) int64 {
		u := unit(seed^0x6d6376, i)
		if u < total {
			return int64(min(sort.SearchFloat64s(cumulative, u), len(mcv)-1))
		}
		return rest(i)
	}
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
		return parseTime(v)
	case "bytea":
		return []byte(v), nil
	case "uuid":
		u, err := uuid.Parse(v)
		return [16]byte(u), err
	}
	if c.Elem != nil {
		return parseArray(c.Elem, v)
	}
	if m := textMax(c); m > 0 {
		v = clip(v, m) // e.g. a redacted stand-in longer than varchar(n)
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

// parseTime reads the timestamp forms pg_stats and people write.
func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00",
		"2006-01-02 15:04:05.999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp (use 2006-01-02 or RFC 3339)", v)
}

func clip(s string, max int) string {
	if max > 0 && len(s) > max {
		return s[len(s)-max:] // keep the distinguishing digits
	}
	return s
}
