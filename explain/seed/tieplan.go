package seed

import (
	"fmt"
	"strings"
)

// A tie is met row by row: one column, tested only for NULL in the
// CHECK (the follower: finalized_at), is made NULL or not from the value
// the other column (the leader: state) takes in the same row. The CHECK
// is evaluated for every value the leader can take, with the follower
// NULL and not NULL; a leader value that allows neither state the
// follower can take is left out of the leader's values when the schema
// (not the profile) gave them, else it is an error before the load.

// planTies makes t's generated rows meet its two-column CHECKs that it
// can read. The others are left to the trial load, which names them.
func (p *planner) planTies(t *Table) error {
	for _, tie := range t.Ties {
		if err := p.planTie(t, tie); err != nil {
			return err
		}
	}
	return nil
}

func (p *planner) planTie(t *Table, tie Tie) error {
	only := map[string]bool{}
	onlyNullTested(tie.Expr, only)
	a, b := t.column(tie.Columns[0]), t.column(tie.Columns[1])
	if a == nil || b == nil {
		return nil // a generated column: PostgreSQL computes it
	}
	// The follower is tested only for NULL; of two such, the nullable one,
	// the later when both are.
	follower, leader := b, a
	switch {
	case only[b.Name] && (!b.NotNull || !only[a.Name] || a.NotNull):
	case only[a.Name]:
		follower, leader = a, b
	default:
		return nil
	}
	values, ok := p.leaderValues(t, leader, only[leader.Name])
	if !ok {
		return nil
	}
	full := p.gens[t.Name][follower.Name]
	notNull := full
	if cp := p.columnProfile(t, follower); cp.NullFraction > 0 && full != nil {
		base, err := p.valueGen(t, follower, cp, seedOf(t.Name, follower.Name), fmt.Sprintf("scale.%s.columns.%s", t.Name, follower.Name))
		if err != nil {
			return err
		}
		notNull = base
	}
	null := func(int64) any { return nil }
	// What the follower does for each leader value; nil: the value is
	// impossible.
	byValue := make([]gen, len(values))
	var impossible []string
	for k, v := range values {
		whenNull, ok1 := evalCheck(tie.Expr, map[string]cell{leader.Name: v, follower.Name: {null: true}})
		whenSet, ok2 := evalCheck(tie.Expr, map[string]cell{leader.Name: v, follower.Name: {}})
		if !ok1 || !ok2 {
			return nil // a shape we do not read: the trial load judges it
		}
		canNull, canSet := whenNull != triFalse && !follower.NotNull, whenSet != triFalse && notNull != nil
		switch {
		case canNull && canSet:
			byValue[k] = full
			if full == nil {
				byValue[k] = null
			}
		case canNull:
			byValue[k] = null
		case canSet:
			byValue[k] = notNull
		default:
			impossible = append(impossible, describe(v))
		}
	}
	if len(impossible) > 0 {
		kept, err := p.narrowLeader(t, tie, leader, follower, values, byValue, impossible)
		if err != nil {
			return err
		}
		values, byValue = kept.values, kept.byValue
	}
	p.gens[t.Name][follower.Name] = p.followGen(t, leader, only[leader.Name], values, byValue)
	return nil
}

// leaderValues are the values the leader's generator can give, as cells
// to judge the CHECK on: its finite list (the profile's values, a CHECK
// list, enum labels, booleans), or, when the CHECK only tests it for
// NULL, "not NULL"; NULL too when it can be NULL.
func (p *planner) leaderValues(t *Table, c *Column, nullOnly bool) ([]cell, bool) {
	var cells []cell
	cp := p.columnProfile(t, c)
	g := p.gens[t.Name][c.Name]
	if g != nil {
		if nullOnly {
			cells = append(cells, cell{})
		} else {
			list, ok := p.finiteValues(t, c)
			switch {
			case ok:
				for _, v := range list {
					cells = append(cells, cell{value: v, known: true})
				}
			case p.madeUpText(t, c):
				cells = append(cells, cell{value: otherValue, known: true})
			default:
				return nil, false
			}
		}
	}
	if !c.NotNull && (g == nil || cp.NullFraction > 0) {
		cells = append(cells, cell{null: true})
	}
	return cells, len(cells) > 0
}

// finiteValues is the list valueGen draws the column from, when it is
// a list of values that compare as the CHECK writes them.
func (p *planner) finiteValues(t *Table, c *Column) ([]string, bool) {
	cp := p.columnProfile(t, c)
	switch {
	case c.Elem != nil || c.BaseType == "bytea":
		return nil, false
	case len(cp.Values) > 0:
		return cp.Values, true
	case c.Ref != nil || p.unique(t, c) || len(cp.MCV) > 0 || len(cp.Histogram) > 0:
		return nil, false
	case len(c.Bounds.Values) > 0:
		return c.Bounds.Values, true
	case len(c.Enum) > 0:
		return c.Enum, true
	case c.BaseType == "bool" && saysNothing(cp):
		return []string{"false", "true"}, true
	}
	return nil, false
}

// otherValue stands for the values of a text column generated as
// "<column>-<k>": none of them is a constant a CHECK compares with.
const otherValue = "\x00other"

// madeUpText: the column's values are made up by textGen, so none
// equals a constant written in a CHECK.
func (p *planner) madeUpText(t *Table, c *Column) bool {
	cp := p.columnProfile(t, c)
	switch c.BaseType {
	case "text", "varchar", "bpchar", "citext":
	default:
		return false
	}
	return c.Ref == nil && c.Elem == nil && len(c.Enum) == 0 && len(c.Bounds.Values) == 0 && c.Bounds.Default == nil &&
		len(cp.Values) == 0 && len(cp.MCV) == 0 && len(cp.Histogram) == 0
}

// followGen gives the follower's value from the leader's in the same
// row.
func (p *planner) followGen(t *Table, leader *Column, nullOnly bool, values []cell, byValue []gen) gen {
	lead := p.gens[t.Name][leader.Name]
	if lead == nil {
		lead = func(int64) any { return nil }
	}
	var whenNull, whenSet, whenOther gen
	parsed := map[any]gen{}
	for k, v := range values {
		switch {
		case v.null:
			whenNull = byValue[k]
		case !v.known:
			whenSet = byValue[k]
		case v.value == otherValue:
			whenOther = byValue[k]
		default:
			key, _ := parseValue(leader, v.value) // parsed as the leader's generator parses it
			parsed[key] = byValue[k]
		}
	}
	if whenNull == nil {
		whenNull = func(int64) any { return nil }
	}
	if nullOnly {
		return func(i int64) any {
			if lead(i) == nil {
				return whenNull(i)
			}
			return whenSet(i)
		}
	}
	return func(i int64) any {
		v := lead(i)
		if v == nil {
			return whenNull(i)
		}
		if g := parsed[v]; g != nil {
			return g(i)
		}
		if whenOther != nil {
			return whenOther(i)
		}
		return nil
	}
}

type leaderValuesKept struct {
	values  []cell
	byValue []gen
}

// narrowLeader leaves out of the leader's values those the follower
// cannot meet, when they are a list the schema gave (enum labels, a
// CHECK list, booleans) and no key holds the leader; else it names both
// columns and what to set.
func (p *planner) narrowLeader(t *Table, tie Tie, leader, follower *Column, values []cell, byValue []gen, impossible []string) (leaderValuesKept, error) {
	cp := p.columnProfile(t, leader)
	narrowable := len(cp.Values) == 0
	for _, k := range t.Keys {
		narrowable = narrowable && !contains(k.Columns, leader.Name)
	}
	var kept leaderValuesKept
	var list []string
	for k, v := range values {
		switch {
		case byValue[k] != nil:
			kept.values, kept.byValue = append(kept.values, v), append(kept.byValue, byValue[k])
			if v.known {
				list = append(list, v.value)
			}
		case !v.known:
			narrowable = false // NULL or "set": not a value to leave out
		}
		if v.value == otherValue {
			narrowable = false // made-up text: no list to narrow
		}
	}
	if !narrowable || len(list) == 0 {
		fix := fmt.Sprintf("give scale.%s.columns.%s.values, or leave %s out of scale.%s.columns.%s.values",
			t.Name, follower.Name, strings.Join(impossible, ", "), t.Name, leader.Name)
		if contains(impossible, describe(cell{value: otherValue, known: true})) {
			fix = fmt.Sprintf("give scale.%s.columns.%s.values (values the CHECK allows)", t.Name, leader.Name)
		}
		return kept, fmt.Errorf("seed: %s.%s, %s.%s: CHECK %s ties them, and when %s.%s is %s no value of %s.%s meets it: %s",
			t.Name, leader.Name, t.Name, follower.Name, tie.Name, t.Name, leader.Name, strings.Join(impossible, " or "),
			t.Name, follower.Name, fix)
	}
	narrowed := cp
	narrowed.Values = list
	g, err := p.columnGenWith(t, leader, narrowed)
	if err != nil {
		return kept, err
	}
	p.gens[t.Name][leader.Name] = g
	return kept, nil
}

// describe writes a leader value for messages.
func describe(v cell) string {
	switch {
	case v.null:
		return "NULL"
	case !v.known:
		return "set"
	case v.value == otherValue:
		return "any generated value"
	}
	return "'" + v.value + "'"
}
