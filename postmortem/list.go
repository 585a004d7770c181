package postmortem

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/qreview/qreview/internal/atomicfile"
	"github.com/qreview/qreview/report"
)

// RecordEvidence appends the evidence of res to every guard item of recs
// and rewrites the records it changed, atomically.
func RecordEvidence(w io.Writer, recs []*Record, res *report.Result, date, commit string) error {
	guarded := 0
	for _, r := range recs {
		ev := NewEvidence(r, res, date, commit)
		changed := false
		for _, i := range r.Guards() {
			guarded++
			added, err := r.AddEvidence(i, ev)
			if err != nil {
				return err
			}
			what := "recorded"
			if !added {
				what = "already recorded"
			}
			caught := "caught nothing of its shapes"
			if n := len(ev.Caught); n > 0 {
				caught = "caught " + strings.Join(ev.Caught, ", ")
			}
			fmt.Fprintf(w, "%s %s: %s commit %s: %d statements reviewed, %s\n", r.ID, r.ActionItems[i].ID, what, shortCommit(commit), ev.Statements, caught)
			changed = changed || added
		}
		if !changed {
			continue
		}
		data, err := r.Bytes()
		if err != nil {
			return err
		}
		if err := atomicfile.Write(r.Path, data); err != nil {
			return fmt.Errorf("write %s: %w", r.Path, err)
		}
	}
	if guarded == 0 {
		fmt.Fprintf(w, "no action item has guard: %s; nothing recorded (mark the one the review gate carries out)\n", GuardReview)
	}
	return nil
}

// List writes the records with their open action items and how often
// their guard fired.
func List(w io.Writer, recs []*Record) error {
	var b strings.Builder
	open := 0
	for _, r := range recs {
		fmt.Fprintf(&b, "%s  %s  %s  %s\n", r.ID, r.Date, cmp.Or(r.Severity, "-"), r.Title)
		fmt.Fprintf(&b, "    %s; %s\n", r.Path, cmp.Or(r.Impact.Summary, "no impact summary"))
		fired, runs := r.Fired()
		switch {
		case len(r.Guards()) == 0:
			fmt.Fprintf(&b, "    guard: none (no action item has guard: %s)\n", GuardReview)
		case runs == 0:
			b.WriteString("    guard: no review recorded yet (qreview postmortem record --in RESULT.json)\n")
		default:
			fmt.Fprintf(&b, "    guard: fired in %d of %d recorded reviews%s\n", fired, runs, lastRun(r))
		}
		for _, a := range r.ActionItems {
			if !a.Open() {
				continue
			}
			open++
			who := strings.Trim(strings.Join([]string{a.Owner, dueNote(a.Due)}, ", "), ", ")
			if who != "" {
				who = " (" + who + ")"
			}
			fmt.Fprintf(&b, "    open: %s [%s] %s%s\n", a.ID, cmp.Or(a.Status, "open"), a.What, who)
		}
	}
	fmt.Fprintf(&b, "%s, %s\n", countOf(len(recs), "postmortem"), countOf(open, "open action item"))
	_, err := io.WriteString(w, b.String())
	return err
}

// lastRun names the newest recorded review of r's guard.
func lastRun(r *Record) string {
	var last Evidence
	for _, i := range r.Guards() {
		for _, e := range r.ActionItems[i].Evidence {
			if e.Date >= last.Date {
				last = e
			}
		}
	}
	return fmt.Sprintf(" (last %s, commit %s)", last.Date, shortCommit(last.Commit))
}

func dueNote(d string) string {
	if d == "" {
		return ""
	}
	return "due " + d
}

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
func shortCommit(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
