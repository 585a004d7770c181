package seed

import "fmt"

// With no profile, every table is given an assumed size. A table whose
// rows cannot be generated then is no reason to fail a review nobody
// sized: it keeps what the migrations gave it, listed as unsized with
// the reason (which names the profile key that would size it), and so
// do the tables whose foreign keys point at it.

// leaveOut gives up an assumed table's generated rows.
func (p *planner) leaveOut(table string, reason error) {
	p.target[table] = p.existing[table]
	p.source[table] = SourceUnsized
	p.note[table] = "not seeded: " + reason.Error()
	p.gens[table] = map[string]gen{}
}

// leaveOutLoad removes a table that failed the trial load from the jobs,
// with every loaded table whose foreign keys reach it.
func (p *planner) leaveOutLoad(jobs []*job, table string, reason error) []*job {
	out := map[string]bool{table: true}
	for changed := true; changed; {
		changed = false
		for _, j := range jobs {
			if out[j.table.Name] {
				continue
			}
			for _, parent := range j.table.parents() {
				if out[parent] {
					out[j.table.Name], changed = true, true
					break
				}
			}
		}
	}
	var kept []*job
	for _, j := range jobs {
		switch {
		case j.table.Name == table:
			p.leaveOut(table, reason)
		case out[j.table.Name]:
			p.leaveOut(j.table.Name, fmt.Errorf("it references %s, which was not seeded", table))
		default:
			kept = append(kept, j)
		}
	}
	return kept
}
