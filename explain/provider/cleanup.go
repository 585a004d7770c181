package provider

import (
	"fmt"
	"strings"
)

// LeftBehind is something a run made that its cleanup could not remove.
type LeftBehind struct {
	What   string // e.g. "database qreview_0a1b2c3d4e5f on db.internal:5432"
	Remove string // the command that removes it
	Err    error  // why it is still there
}

// CleanupError lists what Close could not remove. Its message names each
// thing, why it stayed and the command that removes it, one per line.
type CleanupError struct {
	Provider string
	Left     []LeftBehind
}

func (e *CleanupError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s database: cleanup left %d thing(s) behind:", e.Provider, len(e.Left))
	for _, l := range e.Left {
		fmt.Fprintf(&b, "\n  %s (%v); remove it with: %s", l.What, l.Err, l.Remove)
	}
	return b.String()
}
