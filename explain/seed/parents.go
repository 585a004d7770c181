package seed

import (
	"fmt"
	"strings"
)

// missingParents names, in one error, every table that gets no rows
// although a table the profile sizes references it through a foreign
// key that cannot be NULL: one run tells every scale.<table>.rows to
// give, rather than one per run.
func (p *planner) missingParents() error {
	type referrer struct{ table, columns string }
	referrers := map[string][]referrer{}
	for _, name := range sortedKeys(p.tables) {
		t := p.tables[name]
		if p.source[name] != SourceProfile || p.rows(name) == 0 {
			continue
		}
		for _, c := range t.Columns {
			if c.Ref == nil || !c.NotNull || c.Ref.Table == name || len(p.columnProfile(t, c).Values) > 0 {
				continue
			}
			if p.rows(c.Ref.Table) == 0 && len(p.existingKeys[c.Ref.Table+"."+c.Ref.Column]) == 0 {
				referrers[c.Ref.Table] = append(referrers[c.Ref.Table], referrer{name, c.Name})
			}
		}
		for _, r := range t.RowRefs {
			nullable := false
			for _, col := range r.Columns {
				if c := t.column(col); c != nil && !c.NotNull {
					nullable = true
				}
			}
			if !nullable && r.Table != name && p.rows(r.Table) == 0 {
				referrers[r.Table] = append(referrers[r.Table], referrer{name, "(" + strings.Join(r.Columns, ", ") + ")"})
			}
		}
	}
	if len(referrers) == 0 {
		return nil
	}
	parents := sortedKeys(referrers)
	var lines, keys []string
	for _, parent := range parents {
		var by []string
		for _, r := range referrers[parent] {
			if strings.HasPrefix(r.columns, "(") {
				by = append(by, r.table+" "+r.columns)
			} else {
				by = append(by, r.table+"."+r.columns)
			}
		}
		lines = append(lines, fmt.Sprintf("%s (referenced by %s)", parent, strings.Join(by, ", ")))
		keys = append(keys, "scale."+parent+".rows")
	}
	if r := referrers[parents[0]]; len(parents) == 1 && len(r) == 1 && !strings.HasPrefix(r[0].columns, "(") {
		return fmt.Errorf("scale.%s.columns.%s: %s.%s references %s, which gets no rows: give %s",
			r[0].table, r[0].columns, r[0].table, r[0].columns, parents[0], keys[0])
	}
	return fmt.Errorf("scale: %d tables get no rows although NOT NULL foreign keys of seeded tables reference them: %s: give %s",
		len(parents), strings.Join(lines, "; "), strings.Join(keys, ", "))
}
