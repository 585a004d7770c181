package review

import (
	"cmp"
	"context"
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
	"github.com/qreview/qreview/internal/atomicfile"
	"github.com/qreview/qreview/internal/repopath"
	"github.com/qreview/qreview/postmortem"
	"github.com/qreview/qreview/report"
)

// Draft asks for a postmortem record drafted from a review of the
// offending query (qreview postmortem new).
type Draft struct {
	Options
	Title, Query string // the incident's title; the SQL file with the query
	ID, Date     string // the record's id (default PM-DATE) and the incident's date
	Dir          string // the postmortems folder; "" takes the config's
}

var recordID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// DraftPostmortem reviews the project with the query file in it and writes
// a draft record to the postmortems folder, never over an existing one.
// Everything that can refuse the draft is checked before the review.
func DraftPostmortem(ctx context.Context, d Draft) (string, *postmortem.Record, error) {
	if strings.TrimSpace(d.Title) == "" || d.Query == "" {
		return "", nil, errors.New("postmortem new: --title and --query are required")
	}
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		return "", nil, fmt.Errorf("--date %q: want YYYY-MM-DD", d.Date)
	}
	if d.ID == "" {
		d.ID = "PM-" + d.Date
	}
	if !recordID.MatchString(d.ID) {
		return "", nil, fmt.Errorf("--id %q: use letters, digits, '.', '_' and '-' (it names the file)", d.ID)
	}
	if info, err := os.Stat(d.Query); err != nil || info.IsDir() {
		return "", nil, fmt.Errorf("--query %s: not a file", d.Query)
	}
	opts := d.Options.withDefaults()
	folder, err := PostmortemDir(d.Dir, opts.Config, opts.Paths)
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(folder, d.ID+".md")
	if err := checkNewRecord(folder, d.ID, path); err != nil {
		return "", nil, err
	}
	if !inPaths(d.Query, opts.Paths) {
		opts.Paths = append(opts.Paths, d.Query)
	}
	opts.Raw = true
	res, err := Run(ctx, opts)
	if err != nil {
		return "", nil, err
	}
	queryAbs, _ := filepath.Abs(d.Query)
	inFile := func(file string) bool {
		abs, _ := filepath.Abs(file)
		return abs == queryAbs
	}
	rec, err := postmortem.Draft(res, inFile, d.ID, d.Date, d.Title)
	if err != nil {
		return "", nil, fmt.Errorf("--query %s: %w", d.Query, err)
	}
	data, err := rec.Bytes()
	if err != nil {
		return "", nil, err
	}
	return path, rec, writeFileNew(path, data)
}

// PostmortemDir is --dir, else the postmortems folder of the config found
// for paths (as review finds it).
func PostmortemDir(dir, configFile string, paths []string) (string, error) {
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
			cmp.Or(cfg.Path, config.FileName))
	}
	return dir, nil
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
	return atomicfile.Via(path, data, func(tmp string) error {
		if err := os.Link(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists (qreview never overwrites a record; give another --id)", path)
			}
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	})
}

// Recording asks for the evidence of a review to be recorded on the
// postmortems' guard: review action items (qreview postmortem record).
type Recording struct {
	In           string   // the review's JSON result
	Commit, Date string   // the reviewed commit ("": GITHUB_SHA, else git's HEAD) and the date
	Dir, Config  string   // the postmortems folder, else the config's
	Paths        []string // where the config is found
}

// RecordPostmortems appends the review's evidence to every guard item and
// says on w what it recorded.
func RecordPostmortems(w io.Writer, r Recording) error {
	if r.In == "" {
		return errors.New("postmortem record: --in RESULT.json is required")
	}
	res, err := report.ReadResultFile(r.In)
	if err != nil {
		return fmt.Errorf("--in: %w", err)
	}
	if _, err := time.Parse(time.DateOnly, r.Date); err != nil {
		return fmt.Errorf("--date %q: want YYYY-MM-DD", r.Date)
	}
	commit, err := reviewedCommit(r.Commit)
	if err != nil {
		return err
	}
	recs, err := PostmortemRecords(r.Dir, r.Config, r.Paths)
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
	return postmortem.RecordEvidence(w, recs, res, r.Date, commit)
}

// PostmortemRecords loads the records of postmortemDir.
func PostmortemRecords(dir, configFile string, paths []string) ([]*postmortem.Record, error) {
	folder, err := PostmortemDir(dir, configFile, paths)
	if err != nil {
		return nil, err
	}
	return postmortem.Load(folder)
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
