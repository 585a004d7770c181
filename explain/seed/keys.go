package seed

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"
)

// Unique keys are planned before any column's generator:
//   - a key with a column that can take a new value per row (an integer,
//     text, uuid, timestamp… with room enough) gets that column unique by
//     row, whatever its other columns do;
//   - a key whose columns all take few values (foreign keys, enums,
//     booleans, value lists, small integer ranges) gets distinct
//     combinations: row i's slot in a permutation of the rows is split
//     into one index per column, as digits of a mixed-radix number. With
//     a zipf profile on one of the key's columns, a few of its values hold
//     most rows (each at most as many as the other columns can pair it
//     with): a few lists hold most subscriptions.

// planKeys decides how t's unique keys are kept unique. It may lower the
// rows of an assumed-size table to what its keys can hold.
func (p *planner) planKeys(t *Table) error {
	p.byRow[t.Name] = map[string]bool{}
	var planned [][]string // column sets of the keys kept by combination
	for _, k := range t.Keys {
		rows := p.rows(t.Name)
		if p.keyHeld(t, k, planned) || p.nullKeyRef(t, k) {
			continue
		}
		if c := p.freeColumn(t, k, rows); c != nil {
			p.byRow[t.Name][c.Name] = true
			continue
		}
		doms, err := p.domains(t, k)
		if err != nil {
			return err
		}
		capacity := int64(1)
		for _, d := range doms {
			capacity = satMul(capacity, d.n)
		}
		if rows > capacity {
			if p.source[t.Name] != SourceProfile {
				p.limitRows(t.Name, capacity)
				rows = capacity
			} else {
				return keySpaceError(t, k, doms, rows, capacity)
			}
		}
		if rows == 0 {
			continue
		}
		p.combinationGens(t, k, doms, rows)
		planned = append(planned, k.Columns)
	}
	return nil
}

// keyHeld: a column of k is already unique by row, or k's columns hold
// a key already kept by combination.
func (p *planner) keyHeld(t *Table, k Key, planned [][]string) bool {
	for _, c := range k.Columns {
		if p.byRow[t.Name][c] {
			return true
		}
	}
	for _, cols := range planned {
		all := true
		for _, c := range cols {
			all = all && contains(k.Columns, c)
		}
		if all {
			return true
		}
	}
	return false
}

// nullKeyRef leaves NULL a nullable foreign key of k whose parent has
// no rows to point at (yet: the nullable side of a foreign-key cycle is
// generated before its parent): NULLs never collide, so k holds.
func (p *planner) nullKeyRef(t *Table, k Key) bool {
	for _, name := range k.Columns {
		c := t.column(name)
		if c == nil || c.Ref == nil || c.Ref.Table == t.Name || c.NotNull || len(p.columnProfile(t, c).Values) > 0 {
			continue // a self-reference points at the table's own rows
		}
		if n, _ := p.parentKeys(c.Ref); n == 0 {
			p.gens[t.Name][c.Name] = func(int64) any { return nil }
			return true
		}
	}
	return false
}

// freeColumn is the last column of k whose values the generator can make
// unique per row, if any: (org_id, slug) makes slug unique.
func (p *planner) freeColumn(t *Table, k Key, rows int64) *Column {
	for i := len(k.Columns) - 1; i >= 0; i-- {
		c := t.column(k.Columns[i])
		if c == nil || p.gens[t.Name][c.Name] != nil {
			continue // generated (PostgreSQL computes it) or already combined
		}
		cp := p.columnProfile(t, c)
		if c.Ref != nil && c.Ref.Table == t.Name && p.byRow[t.Name][c.Ref.Column] && len(cp.Values) == 0 {
			return c // previous_id UNIQUE REFERENCES versions (id): a chain of the table's rows
		}
		if c.Ref != nil || len(cp.Values) > 0 || len(c.Enum) > 0 || len(c.Bounds.Values) > 0 || c.Elem != nil {
			continue
		}
		switch c.BaseType {
		case "int2", "int4", "int8":
			if lo, hi, err := p.intRange(t, c, cp, true); err == nil && hi-lo+1 >= rows {
				return c
			}
		case "text", "varchar", "bpchar", "citext", "name":
			if maxLen := textMax(c); maxLen == 0 || maxLen >= len(strconv.FormatInt(rows, 10))+1 {
				return c
			}
		case "inet", "cidr":
			if rows <= 1<<32 { // one IPv4 address per row
				return c
			}
		case "numeric", "float4", "float8", "uuid", "timestamptz", "timestamp", "bytea", "jsonb", "json":
			if len(c.Spans) == 0 {
				return c
			}
		}
	}
	return nil
}

// domain is what one key column can take: n values, the k-th of them
// given by value; fix is the profile key that gives it more.
type domain struct {
	column string
	n      int64
	value  func(k int64) any
	what   string // "references lists (200 rows)", "is enum tier (3 labels)"
	fix    string
}

func (p *planner) domains(t *Table, k Key) ([]domain, error) {
	var doms []domain
	for _, name := range k.Columns {
		c := t.column(name)
		if c == nil {
			continue
		}
		cp := p.columnProfile(t, c)
		valuesKey := fmt.Sprintf("scale.%s.columns.%s.values", t.Name, c.Name)
		d := domain{column: c.Name, fix: valuesKey}
		switch {
		case len(cp.Values) > 0 || len(c.Enum) > 0 || len(c.Bounds.Values) > 0 || c.BaseType == "bool":
			list, what := cp.Values, "takes the profile's values"
			switch {
			case len(list) > 0:
			case len(c.Bounds.Values) > 0:
				list, what = c.Bounds.Values, "is held by a CHECK or partition list"
			case len(c.Enum) > 0:
				list, what = c.Enum, "is enum "+c.Type
			default:
				list, what = []string{"false", "true"}, "is boolean"
			}
			values := make([]any, len(list))
			for i, v := range list {
				parsed, err := parseValue(c, v)
				if err != nil {
					return nil, fmt.Errorf("%s[%d]: %w", valuesKey, i, err)
				}
				values[i] = parsed
			}
			d.n, d.value = int64(len(values)), func(k int64) any { return values[k] }
			d.what = fmt.Sprintf("%s (%d values)", what, len(values))
		case c.Ref != nil:
			n, value := p.parentKeys(c.Ref)
			if n == 0 {
				return nil, fmt.Errorf("scale.%s.columns.%s: %s.%s references %s, which gets no rows: give scale.%s.rows",
					t.Name, c.Name, t.Name, c.Name, c.Ref.Table, c.Ref.Table)
			}
			d.n, d.value = n, value
			d.what = fmt.Sprintf("references %s (%d rows)", c.Ref.Table, n)
			d.fix = "scale." + c.Ref.Table + ".rows"
		case c.BaseType == "int2" || c.BaseType == "int4" || c.BaseType == "int8":
			lo, hi, err := p.intRange(t, c, cp, true)
			if err != nil {
				return nil, err
			}
			d.n, d.value = hi-lo+1, func(k int64) any { return lo + k }
			d.what = fmt.Sprintf("is an integer in [%d, %d]", lo, hi)
		case c.BaseType == "date":
			end := p.end
			d.n, d.value = 36_500, func(k int64) any { return end.AddDate(0, 0, -int(k)) }
			d.what = "is a date (100 years of days)"
		case isText(c.BaseType) && textMax(c) > 0:
			// varchar(2) country codes: too short for the row number
			// behind the column's name, so codes of the row's index.
			length, alphabet := textMax(c), codeAlphabet(c)
			codes := int64(1)
			for range length {
				codes = satMul(codes, int64(len(alphabet)))
			}
			taken := takenCodes(p.existingKeys[t.Name+"."+c.Name], length, alphabet)
			d.n = codes - int64(len(taken))
			d.value = func(k int64) any { return shortCode(skipTaken(k, taken), length, alphabet) }
			d.what = fmt.Sprintf("holds at most %d characters (%d codes not taken)", length, d.n)
		default:
			return nil, fmt.Errorf("%s: cannot make unique values of type %s for key %s of %s: give the column its values",
				valuesKey, c.Type, k.Name, t.Name)
		}
		doms = append(doms, d)
	}
	return doms, nil
}

func keySpaceError(t *Table, k Key, doms []domain, rows, capacity int64) error {
	var parts, fixes []string
	for _, d := range doms {
		parts = append(parts, d.column+" "+d.what)
		if !contains(fixes, d.fix) {
			fixes = append(fixes, d.fix)
		}
	}
	return fmt.Errorf("scale.%s.rows: %d rows do not fit unique key %s (%s) of %s: %s, so at most %d distinct rows; lower scale.%s.rows or raise %s",
		t.Name, rows, k.Name, strings.Join(k.Columns, ", "), t.Name, strings.Join(parts, ", "), capacity, t.Name, strings.Join(fixes, " or "))
}

// combinationGens gives each column of a key its index in a distinct
// combination per row.
func (p *planner) combinationGens(t *Table, k Key, doms []domain, rows int64) {
	seed := seedOf(t.Name, k.Name, "key")
	slot := permutation(rows, seed)
	for m, d := range doms { // the skewed column, if any, leads
		if p.columnProfile(t, t.column(d.column)).Distribution == "zipf" {
			doms = append([]domain{d}, append(append([]domain(nil), doms[:m]...), doms[m+1:]...)...)
			break
		}
	}
	rest := int64(1) // combinations of the columns after the first
	for _, d := range doms[1:] {
		rest = satMul(rest, d.n)
	}
	first := p.columnProfile(t, t.column(doms[0].column))
	var starts []int64 // zipf: first index j holds rows [starts[j], starts[j+1])
	if first.Distribution == "zipf" && len(doms) > 1 {
		starts = zipfBlocks(rows, doms[0].n, rest, max(first.Skew, 0))
	}
	index := func(i int64, m int) int64 {
		s := slot(i)
		var k0, q int64
		if starts != nil {
			k0 = int64(sort.Search(len(starts)-1, func(j int) bool { return starts[j+1] > s }))
			q = s - starts[k0]
		} else {
			k0, q = s%doms[0].n, s/doms[0].n
		}
		if m == 0 {
			return k0
		}
		for j := 1; j < m; j++ {
			q /= doms[j].n
		}
		// Shifted by the first index so that columns do not move in step.
		return (q%doms[m].n + int64(mix(seed+uint64(m), k0)%uint64(doms[m].n))) % doms[m].n
	}
	for m, d := range doms {
		value := d.value
		p.gens[t.Name][d.column] = func(i int64) any { return value(index(i, m)) }
	}
}

// zipfBlocks splits rows among n first values with power-law weights,
// none above limit, and returns where each value's block starts (n+1
// entries). Capped shares go to the next values: every row is placed
// when rows ≤ n·limit.
func zipfBlocks(rows, n, limit int64, skew float64) []int64 {
	if skew == 0 {
		skew = 1
	}
	weights, total := make([]float64, n), 0.0
	for k := range weights {
		weights[k] = math.Pow(float64(k+1), -skew)
		total += weights[k]
	}
	starts := make([]int64, n+1)
	remaining := rows
	for k := int64(0); k < n; k++ {
		share := remaining // the last value, or float rounding at the end
		if total > weights[k]*1.000001 {
			share = int64(math.Ceil(float64(remaining) * weights[k] / total))
		}
		c := min(share, limit, remaining)
		starts[k+1] = starts[k] + c
		remaining -= c
		total -= weights[k]
	}
	return starts
}

// satMul multiplies, saturating at MaxInt64.
func satMul(a, b int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(lo)
}

func isText(baseType string) bool {
	switch baseType {
	case "text", "varchar", "bpchar", "citext", "name":
		return true
	}
	return false
}

// codeAlphabet is the characters of short key codes: upper-case letters
// and digits, or letters only when a CHECK not read may hold a pattern
// (CHECK (code ~ '^[A-Z]{2}$')). One case only, so that keys on lower()
// or citext stay distinct.
func codeAlphabet(c *Column) string {
	if c.Bounds.Opaque {
		return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	}
	return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
}

// shortCode writes k in the alphabet's base, length characters wide
// (k < len(alphabet)^length): distinct k, distinct codes.
func shortCode(k int64, length int, alphabet string) string {
	b := make([]byte, length)
	base := int64(len(alphabet))
	for i := length - 1; i >= 0; i-- {
		b[i] = alphabet[k%base]
		k /= base
	}
	return string(b)
}

// takenCodes are the indexes, sorted, of the codes the migrations' rows
// already hold.
func takenCodes(existing []any, length int, alphabet string) []int64 {
	var taken []int64
	for _, v := range existing {
		s, ok := v.(string)
		if !ok || len(s) != length {
			continue
		}
		k, base := int64(0), int64(len(alphabet))
		for i := 0; i < len(s) && k >= 0; i++ {
			d := strings.IndexByte(alphabet, s[i])
			if d < 0 {
				k = -1
				break
			}
			k = k*base + int64(d)
		}
		if k >= 0 {
			taken = append(taken, k)
		}
	}
	sort.Slice(taken, func(i, j int) bool { return taken[i] < taken[j] })
	return taken
}

// skipTaken is the k-th code index not taken.
func skipTaken(k int64, taken []int64) int64 {
	// taken[j]-j codes are free below taken[j]: the first j with more
	// than k free below it is how many taken codes k steps over.
	j := sort.Search(len(taken), func(j int) bool { return taken[j]-int64(j) > k })
	return k + int64(j)
}
