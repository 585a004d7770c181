package rules

// How big a table a static migration finding is about, which decides its
// severity: the lock a rewrite, scan or index build holds lasts as long as
// the table is large.

import (
	"fmt"
	"time"

	"github.com/qreview/qreview/internal/format"
)

// smallTable is the default min-rows of the rules that size their
// findings: below it a scan, rewrite or index build under the lock takes
// milliseconds.
const smallTable = 10_000

// sizedDoc is the paragraph the sized rules add to their doc.
const sizedDoc = `Severity follows the table's size on the seeded, production-sized database:
an error from min-rows rows (default 10,000), a warning below, since on a small
table the lock lasts milliseconds. A table the seeded database has no size for
counts as large. When the change
was applied on the seeded database, the message quotes how long it took there;
that review-time timing is shown, never used to decide the severity.`

// sized sets a finding's severity from the size of the table its evidence
// names (min-rows) and quotes the measured time of the change's statement.
func sized(in *Input, opts Options, f Finding) Finding {
	if f.Evidence == nil {
		f.Evidence = map[string]any{}
	}
	table, _ := f.Evidence["table"].(string)
	if t, ok := in.Tables[table]; ok && table != "" {
		f.Evidence["rows"] = t.Rows
		if min := opts["min-rows"]; t.Rows < min {
			f.Severity = Warning
			f.Message += fmt.Sprintf(" (a warning: %s has %s rows, below min-rows %s)", table, format.Count(t.Rows), format.Count(min))
		}
	}
	if m := in.Measured; m != nil && m.Took > 0 {
		f.Message += fmt.Sprintf("; applied on the seeded database it took %s", m.Took.Round(time.Millisecond))
		if mode := m.Locks[table]; mode != "" {
			f.Message += " holding " + mode + " on " + table
		}
		f.Evidence["took_ms"] = m.Took.Milliseconds()
	}
	return f
}

// sizedAll applies sized to each finding.
func sizedAll(in *Input, opts Options, fs []Finding) []Finding {
	for i := range fs {
		fs[i] = sized(in, opts, fs[i])
	}
	return fs
}
