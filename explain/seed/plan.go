package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Where a table's size came from, as Loaded.Source says.
const (
	SourceProfile = "profile" // the scale profile gives its rows
	SourceAssumed = "assumed" // no profile at all: AssumedRows (or what its keys can hold)
	SourceUnsized = "unsized" // a profile that leaves it out: what the migrations gave it
)

// DefaultAssumedRows is every table's size when there is no scale
// profile at all: large enough that a sequential scan costs what it
// costs in production, rather than zero rows passing in silence.
const DefaultAssumedRows = 100_000

// planner builds the generators of every loaded table.
type planner struct {
	tables  map[string]*Table
	profile Profile
	gens    map[string]map[string]gen // table → column → generator
	byRow   map[string]map[string]bool
	end     time.Time

	target   map[string]int64  // rows each table holds after the load
	existing map[string]int64  // rows the migrations inserted, kept
	source   map[string]string // SourceProfile, SourceAssumed, SourceUnsized
	note     map[string]string // why an assumed table was left unsized
	// maxExisting is the largest value an integer key column holds in the
	// migrations' rows ("table.column"): new keys start past it.
	maxExisting map[string]int64
	// existingKeys are the values a referenced column holds in the
	// migrations' rows, for children of a parent that gets no new rows,
	// and those of a short text key column, for new codes to step around.
	existingKeys map[string][]any
	// vary is Options.Vary: columns whose constant default must not fill
	// every row.
	vary []string
}

func newPlanner(tables map[string]*Table, profile Profile, assumedRows int64) *planner {
	p := &planner{tables: tables, profile: profile, gens: map[string]map[string]gen{}, byRow: map[string]map[string]bool{},
		end: time.Now().UTC().Truncate(24 * time.Hour), target: map[string]int64{}, existing: map[string]int64{},
		source: map[string]string{}, note: map[string]string{}, maxExisting: map[string]int64{}, existingKeys: map[string][]any{}}
	if assumedRows <= 0 {
		assumedRows = DefaultAssumedRows
	}
	for name := range tables {
		switch tp := profile[name]; {
		case tp != nil:
			p.target[name], p.source[name] = tp.Rows, SourceProfile
		case len(profile) == 0:
			p.target[name], p.source[name] = assumedRows, SourceAssumed
		default:
			p.source[name] = SourceUnsized
		}
	}
	return p
}

// rows is how many new rows a table gets: its size less the rows the
// migrations gave it (a profile's rows are the table's size, kept rows
// included).
func (p *planner) rows(table string) int64 {
	return max(p.target[table]-p.existing[table], 0)
}

// limitRows lowers an assumed size to the new rows its keys can hold.
func (p *planner) limitRows(table string, rows int64) {
	p.target[table] = p.existing[table] + rows
}

func (p *planner) columnProfile(t *Table, c *Column) ColumnProfile {
	if tp := p.profile[t.Name]; tp != nil && c != nil && tp.Columns[c.Name] != nil {
		return *tp.Columns[c.Name]
	}
	return ColumnProfile{}
}

// varies: the column's constant default would make an index on it, or a
// filter on it, see one value: an index has it, or Options.Vary names it.
func (p *planner) varies(t *Table, c *Column) bool {
	return c.Indexed || contains(p.vary, t.Name+"."+c.Name) || contains(p.vary, c.Name)
}

// unique: the column takes a new value on every row.
func (p *planner) unique(t *Table, c *Column) bool { return p.byRow[t.Name][c.Name] }

// parentKeys is how many key values children can point at and the k-th
// of them: the parent's new rows, else the rows its migrations inserted.
func (p *planner) parentKeys(ref *Ref) (int64, func(int64) any) {
	if n, g := p.rows(ref.Table), p.gens[ref.Table][ref.Column]; n > 0 && g != nil {
		return n, func(k int64) any { return g(k) }
	}
	values := p.existingKeys[ref.Table+"."+ref.Column]
	return int64(len(values)), func(k int64) any { return values[k] }
}

// existingKeyLimit caps how many of a parent's existing key values are
// kept in memory for its children to point at.
const existingKeyLimit = 100_000

// readExisting counts the rows the migrations inserted, and reads what
// new rows must step around: the largest integer in every key column,
// the key values children may point at, and the codes short text keys
// hold ('US' in a varchar(2) country code).
func (p *planner) readExisting(ctx context.Context, conn *pgx.Conn) error {
	referenced := map[string][]string{} // also the short text key columns
	for _, t := range p.tables {
		for _, c := range t.Columns {
			if c.Ref != nil && !contains(referenced[c.Ref.Table], c.Ref.Column) {
				referenced[c.Ref.Table] = append(referenced[c.Ref.Table], c.Ref.Column)
			}
		}
		for _, k := range t.Keys {
			for _, col := range k.Columns {
				if c := t.column(col); c != nil && isText(c.BaseType) && textMax(c) > 0 && !contains(referenced[t.Name], col) {
					referenced[t.Name] = append(referenced[t.Name], col)
				}
			}
		}
	}
	for _, name := range sortedKeys(p.tables) {
		t := p.tables[name]
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+t.Ident.Sanitize()).Scan(&n); err != nil {
			return fmt.Errorf("seed: count the rows of %s: %w", name, err)
		}
		p.existing[name] = n
		if n == 0 {
			continue
		}
		for _, k := range t.Keys {
			for _, col := range k.Columns {
				c := t.column(col)
				if c == nil || (c.BaseType != "int2" && c.BaseType != "int4" && c.BaseType != "int8") {
					continue
				}
				var m *int64
				if err := conn.QueryRow(ctx, "SELECT max("+pgx.Identifier{col}.Sanitize()+") FROM "+t.Ident.Sanitize()).Scan(&m); err != nil {
					return fmt.Errorf("seed: read %s.%s: %w", name, col, err)
				}
				if m != nil {
					p.maxExisting[name+"."+col] = *m
				}
			}
		}
		for _, col := range referenced[name] {
			id := pgx.Identifier{col}.Sanitize()
			rows, err := conn.Query(ctx, fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL ORDER BY 1 LIMIT %d",
				id, t.Ident.Sanitize(), id, existingKeyLimit))
			if err != nil {
				return fmt.Errorf("seed: read %s.%s: %w", name, col, err)
			}
			values, err := pgx.CollectRows(rows, pgx.RowTo[any])
			if err != nil {
				return fmt.Errorf("seed: read %s.%s: %w", name, col, err)
			}
			p.existingKeys[name+"."+col] = values
		}
	}
	return nil
}
