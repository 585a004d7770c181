package review

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/approval"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/internal/atomicfile"
	"github.com/qreview/qreview/internal/repopath"
)

// ApprovalRequest is a DBA's approval of a statement's findings (qreview
// approve).
type ApprovalRequest struct {
	Fingerprint string
	Paths       []string // where the statement is; none means "."
	Config      string
	By, Reason  string
	Expires     string // last day it holds, YYYY-MM-DD; "" until the statement changes
	File        string // the approvals file
}

// Approve records the approval in its file (renewing an entry for the
// same fingerprint) and says what it did.
func Approve(r ApprovalRequest) (string, error) {
	if err := approval.CheckFingerprint(r.Fingerprint); err != nil {
		return "", err
	}
	by, reason := strings.TrimSpace(r.By), strings.TrimSpace(r.Reason)
	if by == "" || reason == "" {
		return "", errors.New("approve: --by NAME and --reason TEXT are required: the report shows who approved and why")
	}
	day := approval.Today()
	if r.Expires != "" {
		if _, err := approval.ParseDate(r.Expires); err != nil {
			return "", fmt.Errorf("--expires: %w", err)
		}
		if r.Expires < day {
			return "", fmt.Errorf("--expires %s has passed (today is %s, UTC)", r.Expires, day)
		}
	}
	label, err := statementLabel(r.Fingerprint, r.Paths, r.Config)
	if err != nil {
		return "", err
	}
	a := &approval.File{}
	if _, err := os.Stat(r.File); err == nil {
		if a, err = approval.Read(r.File); err != nil {
			return "", err
		}
	}
	renewed := false
	for _, e := range a.Entries {
		renewed = renewed || e.Fingerprint == r.Fingerprint
	}
	a.Set(approval.Entry{Fingerprint: r.Fingerprint, Statement: label, By: by, Reason: reason, Approved: day, Expires: r.Expires})
	data, err := approval.Write(a)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(r.File), 0o755); err != nil {
		return "", fmt.Errorf("approvals: %w", err)
	}
	if err := atomicfile.Write(r.File, data); err != nil {
		return "", fmt.Errorf("approvals: %w", err)
	}
	verb, until := "approved", ""
	if renewed {
		verb = "renewed the approval of"
	}
	if r.Expires != "" {
		until = " until " + r.Expires
	}
	return fmt.Sprintf("%s %s, %s, by %s%s in %s", verb, r.Fingerprint, label, by, until, r.File), nil
}

// statementLabel finds the statements with fingerprint fp in the SQL under
// paths and names them for the people who read the approvals file.
func statementLabel(fp string, paths []string, cfgPath string) (string, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	cfg, err := config.Load(config.Find(cfgPath, paths))
	if err != nil {
		return "", err
	}
	src, err := analyzer.LoadFiltered(paths, cfg.Filter())
	if err != nil {
		return "", err
	}
	var found []*analyzer.Statement
	for _, st := range src.Statements() {
		if st.Fingerprint == fp {
			found = append(found, st)
		}
	}
	if len(found) == 0 {
		return "", fmt.Errorf("fingerprint %s: no statement under %s has it (qreview review --format json lists each statement's fingerprint; an edited statement has a new one)",
			fp, strings.Join(paths, ", "))
	}
	st := found[0]
	label := fmt.Sprintf("%s:%d", repopath.Relative()(st.File), st.Line)
	if st.Name != "" {
		label = st.Name + " at " + label
	}
	if n := len(found) - 1; n > 0 {
		label += fmt.Sprintf(" and %d more", n)
	}
	return label, nil
}
