package seed

import (
	"fmt"
	"strings"
)

// rowRefGens makes each foreign key of several columns point at one
// parent row: its columns take the values of the same parent row k,
// computed by the parent's generators. A parent that gets no rows leaves
// the key NULL (MATCH SIMPLE: one NULL column satisfies it) when one of
// its columns may be NULL.
func (p *planner) rowRefGens(t *Table) error {
	for _, r := range t.RowRefs {
		if r.Table == t.Name {
			continue // a self-reference: left to the rebuild to judge
		}
		n := p.rows(r.Table)
		var parents []gen
		for _, rc := range r.RefColumns {
			if g := p.gens[r.Table][rc]; g != nil {
				parents = append(parents, g)
			}
		}
		if n == 0 || len(parents) != len(r.Columns) {
			nullable := ""
			for _, name := range r.Columns {
				if c := t.column(name); c != nil && !c.NotNull {
					nullable = name
					break
				}
			}
			if nullable == "" {
				return fmt.Errorf("scale.%s.rows: %s (%s) of %s references %s, which gets no rows: give scale.%s.rows",
					r.Table, r.Name, strings.Join(r.Columns, ", "), t.Name, r.Table, r.Table)
			}
			p.gens[t.Name][nullable] = func(int64) any { return nil }
			continue
		}
		first := t.column(r.Columns[0])
		cp := p.columnProfile(t, first)
		if cp.Distinct > 0 {
			n = min(n, cp.Distinct)
		}
		pick := picker(cp, false, n, seedOf(t.Name, r.Name))
		for m, name := range r.Columns {
			parent := parents[m]
			p.gens[t.Name][name] = func(i int64) any { return parent(pick(i)) }
		}
	}
	return nil
}
