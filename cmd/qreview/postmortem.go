package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/internal/repopath"
	"github.com/qreview/qreview/postmortem"
	"github.com/qreview/qreview/report"
	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
)

func postmortemCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "postmortem",
		Short: "Incident records that teach the gate the query shapes that caused them",
		Long: `A postmortem is a Markdown file with YAML front matter in the folder that the
config's postmortems key names. review fails any finding that repeats the query
shape of a record (its fingerprint, or its rules on its tables) as an error
that cites the record. new drafts a record from a review of the offending
query; record appends to the action items with guard: review the evidence that
the gate ran; list shows the records, their open action items and how often
their guard fired.`,
	}
	cmd.AddCommand(postmortemNewCommand(), postmortemRecordCommand(), postmortemListCommand())
	return cmd
}

// postmortemRecords loads the records of postmortemDir.
func postmortemRecords(dir, configFile string, paths []string) ([]*postmortem.Record, error) {
	folder, err := postmortemDir(dir, configFile, paths)
	if err != nil {
		return nil, err
	}
	return postmortem.Load(folder)
}

// postmortemDir is --dir, else the postmortems folder of the config found
// for paths (as review finds it).
func postmortemDir(dir, configFile string, paths []string) (string, error) {
	if dir != "" {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return "", fmt.Errorf("--dir %s: not a directory", dir)
		}
		return dir, nil
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	cfg, err := config.Load(config.Find(configFile, paths))
	if err != nil {
		return "", err
	}
	if dir = cfg.PostmortemDir(); dir == "" {
		return "", fmt.Errorf("no postmortems folder: set postmortems: (a folder relative to the config file) in %s, or give --dir",
			orDefault(cfg.Path, config.FileName))
	}
	return dir, nil
}

var recordID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func postmortemNewCommand() *cobra.Command {
	f := &dbFlags{}
	var title, query, id, date, dir string
	cmd := &cobra.Command{
		Use:   "new --title TITLE --query FILE [PATH...]",
		Short: "Review the offending query on production-sized data and draft a postmortem from it",
		Long: `new reviews the project at PATH (default .) as review does, with the SQL file
FILE in it, and writes a draft record to the postmortems folder: FILE's
statements that have findings (else all of them) with their SQL, fingerprint,
tables, rules and plan; the findings and the verified fixes as root-cause
evidence; action items pre-filled from them, the last one guard: review; an
empty timeline and five-whys skeleton to fill in. The record is named ID.md
(ID defaults to PM-DATE) and an existing record is never overwritten.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			if strings.TrimSpace(title) == "" || query == "" {
				return errors.New("postmortem new: --title and --query are required")
			}
			if _, err := time.Parse(time.DateOnly, date); err != nil {
				return fmt.Errorf("--date %q: want YYYY-MM-DD", date)
			}
			if id == "" {
				id = "PM-" + date
			}
			if !recordID.MatchString(id) {
				return fmt.Errorf("--id %q: use letters, digits, '.', '_' and '-' (it names the file)", id)
			}
			if info, err := os.Stat(query); err != nil || info.IsDir() {
				return fmt.Errorf("--query %s: not a file", query)
			}
			if len(paths) == 0 {
				paths = []string{"."}
			}
			folder, err := postmortemDir(dir, f.opts.Config, paths)
			if err != nil {
				return err
			}
			// Everything that can refuse the draft is checked before the review.
			path := filepath.Join(folder, id+".md")
			if err := checkNewRecord(folder, id, path); err != nil {
				return err
			}
			if !inPaths(query, paths) {
				paths = append(paths, query)
			}
			o := f.options(cmd, paths)
			o.Raw = true
			res, err := review.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			queryAbs, _ := filepath.Abs(query)
			inFile := func(file string) bool {
				abs, _ := filepath.Abs(file)
				return abs == queryAbs
			}
			rec, err := postmortem.Draft(res, inFile, id, date, title)
			if err != nil {
				return fmt.Errorf("--query %s: %w", query, err)
			}
			data, err := rec.Bytes()
			if err != nil {
				return err
			}
			if err := writeFileNew(path, data); err != nil {
				return err
			}
			var names []string
			for _, q := range rec.Queries {
				names = append(names, orDefault(q.Name, q.File))
			}
			if !f.quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "qreview: drafted %s: %s, %d action items; fill in the impact, the timeline and the five whys\n",
					id, strings.Join(names, ", "), len(rec.ActionItems))
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), path)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&title, "title", "", "the incident's title")
	fl.StringVar(&query, "query", "", "the SQL file with the offending query")
	fl.StringVar(&id, "id", "", "the record's id, also its file name (default PM-DATE)")
	fl.StringVar(&date, "date", time.Now().Format(time.DateOnly), "the incident's date, YYYY-MM-DD")
	fl.StringVar(&dir, "dir", "", "the postmortems folder (default: the config's postmortems)")
	f.define(fl)
	return cmd
}

// checkNewRecord refuses an id that a record in folder already has.
func checkNewRecord(folder, id, path string) error {
	recs, err := postmortem.Load(folder)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r.ID == id {
			return fmt.Errorf("postmortem %s already exists: %s (qreview never overwrites a record; give another --id)", id, r.Path)
		}
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s already exists (qreview never overwrites a record; give another --id)", path)
	}
	return nil
}

// inPaths reports whether file is in one of paths (or is one).
func inPaths(file string, paths []string) bool {
	abs, _ := filepath.Abs(file)
	for _, p := range paths {
		dir, _ := filepath.Abs(p)
		if rel, err := filepath.Rel(dir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// writeFileNew writes path atomically and only if it does not exist: the
// data goes to a temp file that is then hard-linked to path, which fails
// if path exists, even when another writer made it a moment ago.
func writeFileNew(path string, data []byte) error {
	return writeVia(path, data, func(tmp string) error {
		if err := os.Link(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists (qreview never overwrites a record; give another --id)", path)
			}
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	})
}

func postmortemRecordCommand() *cobra.Command {
	var in, commit, date, dir, configFile string
	cmd := &cobra.Command{
		Use:   "record --in RESULT.json [PATH...]",
		Short: "Append to the postmortems' guard: review action items the evidence that the gate ran",
		Long: `record reads a review's JSON result (qreview review --format json=FILE) and
appends to every action item with guard: review, in every record of the
postmortems folder (of the config found for PATH, default ., or --dir), one
evidence entry: the date, the commit (--commit, else GITHUB_SHA, else git's
HEAD), the statements reviewed, the verdict, and the findings that repeated
the record's query shapes (caught). A commit already recorded on an item is
not recorded again. Run it in CI after review, on the main branch, and commit
the records it changes.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			if in == "" {
				return errors.New("postmortem record: --in RESULT.json is required")
			}
			res, err := report.ReadResultFile(in)
			if err != nil {
				return fmt.Errorf("--in: %w", err)
			}
			if _, err := time.Parse(time.DateOnly, date); err != nil {
				return fmt.Errorf("--date %q: want YYYY-MM-DD", date)
			}
			if commit, err = reviewedCommit(commit); err != nil {
				return err
			}
			recs, err := postmortemRecords(dir, configFile, paths)
			if err != nil {
				return err
			}
			// Links again with the records as they are now, in case the
			// review ran without them; findings it linked stay as they are.
			postmortem.Link(res, recs)
			// Files as the repository names them: the records are committed.
			path := repopath.Relative()
			for i := range res.Findings {
				res.Findings[i].File = path(res.Findings[i].File)
			}
			return recordEvidence(cmd.OutOrStdout(), recs, res, date, commit)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&in, "in", "", "the review's JSON result")
	fl.StringVar(&commit, "commit", "", "the reviewed commit (default GITHUB_SHA, else git rev-parse HEAD)")
	fl.StringVar(&date, "date", time.Now().Format(time.DateOnly), "the date to record, YYYY-MM-DD")
	fl.StringVar(&dir, "dir", "", "the postmortems folder (default: the config's postmortems)")
	fl.StringVar(&configFile, "config", "", "config file (default: .qreview.yaml in PATH or the working directory)")
	return cmd
}

// recordEvidence appends the evidence of res to every guard item of recs
// and rewrites the records it changed, atomically.
func recordEvidence(w io.Writer, recs []*postmortem.Record, res *report.Result, date, commit string) error {
	guarded := 0
	for _, r := range recs {
		ev := postmortem.NewEvidence(r, res, date, commit)
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
		if err := writeFileAtomic(r.Path, data); err != nil {
			return fmt.Errorf("write %s: %w", r.Path, err)
		}
	}
	if guarded == 0 {
		fmt.Fprintf(w, "no action item has guard: %s; nothing recorded (mark the one the review gate carries out)\n", postmortem.GuardReview)
	}
	return nil
}

// reviewedCommit is the commit the evidence names: given, else GITHUB_SHA,
// else the HEAD of the git repository qreview runs in.
func reviewedCommit(commit string) (string, error) {
	if commit != "" {
		return commit, nil
	}
	if sha := os.Getenv("GITHUB_SHA"); sha != "" {
		return sha, nil
	}
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "", errors.New("no commit to record: give --commit, set GITHUB_SHA, or run inside a git repository")
	}
	return strings.TrimSpace(string(out)), nil
}

func shortCommit(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func postmortemListCommand() *cobra.Command {
	var dir, configFile string
	cmd := &cobra.Command{
		Use:   "list [PATH...]",
		Short: "List the postmortems, their open action items and how often their guard fired",
		RunE: func(cmd *cobra.Command, paths []string) error {
			recs, err := postmortemRecords(dir, configFile, paths)
			if err != nil {
				return err
			}
			return listPostmortems(cmd.OutOrStdout(), recs)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the postmortems folder (default: the config's postmortems)")
	cmd.Flags().StringVar(&configFile, "config", "", "config file (default: .qreview.yaml in PATH or the working directory)")
	return cmd
}

func listPostmortems(w io.Writer, recs []*postmortem.Record) error {
	var b strings.Builder
	open := 0
	for _, r := range recs {
		fmt.Fprintf(&b, "%s  %s  %s  %s\n", r.ID, r.Date, orDefault(r.Severity, "-"), r.Title)
		fmt.Fprintf(&b, "    %s; %s\n", r.Path, orDefault(r.Impact.Summary, "no impact summary"))
		fired, runs := r.Fired()
		switch {
		case len(r.Guards()) == 0:
			fmt.Fprintf(&b, "    guard: none (no action item has guard: %s)\n", postmortem.GuardReview)
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
			fmt.Fprintf(&b, "    open: %s [%s] %s%s\n", a.ID, orDefault(a.Status, "open"), a.What, who)
		}
	}
	fmt.Fprintf(&b, "%s, %s\n", countOf(len(recs), "postmortem"), countOf(open, "open action item"))
	_, err := io.WriteString(w, b.String())
	return err
}

// lastRun names the newest recorded review of r's guard.
func lastRun(r *postmortem.Record) string {
	var last postmortem.Evidence
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
