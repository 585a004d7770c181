package review

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/qreview/qreview/approval"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/internal/repopath"
	"github.com/qreview/qreview/postmortem"
	"github.com/qreview/qreview/report"
)

// The records around a review, relative to where qreview runs (the
// repository root in CI).
const (
	DefaultBaseline  = ".qreview/baseline.json"
	DefaultApprovals = ".qreview/approvals.yaml"
)

// applyApprovals marks the findings of approved statements.
func applyApprovals(opts Options, res *report.Result) error {
	a, path, err := loadApprovals(opts.Approvals)
	if err != nil || a == nil {
		return err
	}
	a.Apply(res, approval.Today())
	log := logTo(opts.Log)
	if len(res.Approved) > 0 {
		log("%s approved in %s not counted", Findings(len(res.Approved)), path)
	}
	for _, ap := range res.Approvals {
		if ap.Status == report.ApprovalExpired {
			log("the approval of %s by %s in %s expired on %s: its findings count again (qreview approve renews it)",
				ap.Fingerprint, ap.By, path, ap.Expires)
		}
	}
	return nil
}

// loadApprovals reads the approvals file, when there is one; the review
// reads it before it starts a database too, so that a broken file fails
// at once.
func loadApprovals(path string) (*approval.File, string, error) {
	path, ok := orExisting(path, DefaultApprovals)
	if !ok {
		return nil, "", nil
	}
	a, err := approval.Read(path)
	return a, path, err
}

// applyBaseline moves the findings the baseline records out of the
// verdict.
func applyBaseline(opts Options, res *report.Result) error {
	b, path, err := loadBaseline(opts.Baseline)
	if err != nil || b == nil {
		return err
	}
	b.Apply(res, repopath.Relative())
	if len(res.Baselined) > 0 {
		logTo(opts.Log)("%s recorded in %s not counted", Findings(len(res.Baselined)), path)
	}
	return nil
}

// loadBaseline reads the baseline file, when there is one.
func loadBaseline(path string) (*report.Baseline, string, error) {
	path, ok := orExisting(path, DefaultBaseline)
	if !ok {
		return nil, "", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, path, fmt.Errorf("baseline: %w", err)
	}
	b, err := report.ReadBaseline(bytes.NewReader(data))
	if err != nil {
		return nil, path, fmt.Errorf("baseline %s: %w (qreview baseline write rewrites it)", path, err)
	}
	return b, path, nil
}

// orExisting is path, or def when path is "" and def exists; ok is false
// when there is no file to read.
func orExisting(path, def string) (string, bool) {
	if path != "" {
		return path, true
	}
	if _, err := os.Stat(def); errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	return def, true
}

// loadPostmortems reads the records of the config's postmortems folder,
// before a database starts, so that a broken record fails at once.
func loadPostmortems(cfg *config.Config) ([]*postmortem.Record, error) {
	dir := cfg.PostmortemDir()
	if dir == "" {
		return nil, nil
	}
	return postmortem.Load(dir)
}

// linkPostmortems escalates and cites the findings that repeat a record's
// query shape (postmortem.Link), and says how many.
func linkPostmortems(res *report.Result, recs []*postmortem.Record, log func(string, ...any)) {
	switch n := postmortem.Link(res, recs); n {
	case 0:
	case 1:
		log("1 finding repeats the query shape of a postmortem: an error that cites it")
	default:
		log("%d findings repeat the query shapes of postmortems: errors that cite them", n)
	}
}

// Findings is "1 finding" or "N findings".
func Findings(n int) string {
	if n == 1 {
		return "1 finding"
	}
	return format.Count(float64(n)) + " findings"
}
