package main

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
	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
)

func approveCommand() *cobra.Command {
	var by, reason, expires, file, cfgPath string
	cmd := &cobra.Command{
		Use:   "approve FINGERPRINT [PATH...]",
		Short: "Record a DBA's approval of a statement's findings in .qreview/approvals.yaml",
		Long: `Approve records that a DBA accepts the findings of the statement with
FINGERPRINT (the JSON result lists each statement's fingerprint): review then
reports them as approved, with who, when and why, and they do not fail the
gate. Editing the statement changes its fingerprint and ends the approval;
so does the end of the --expires day (UTC). The statement must be in the SQL
under PATH (default .). Approving a fingerprint again renews its entry.
Commit the file: it is reviewed in the pull request like code.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fp, paths := args[0], args[1:]
			if err := approval.CheckFingerprint(fp); err != nil {
				return err
			}
			by, reason = strings.TrimSpace(by), strings.TrimSpace(reason)
			if by == "" || reason == "" {
				return errors.New("approve: --by NAME and --reason TEXT are required: the report shows who approved and why")
			}
			day := approval.Today()
			if expires != "" {
				if _, err := approval.ParseDate(expires); err != nil {
					return fmt.Errorf("--expires: %w", err)
				}
				if expires < day {
					return fmt.Errorf("--expires %s has passed (today is %s, UTC)", expires, day)
				}
			}
			label, err := statementLabel(fp, paths, cfgPath)
			if err != nil {
				return err
			}
			a := &approval.File{}
			if _, err := os.Stat(file); err == nil {
				if a, err = approval.Read(file); err != nil {
					return err
				}
			}
			renewed := false
			for _, e := range a.Entries {
				renewed = renewed || e.Fingerprint == fp
			}
			a.Set(approval.Entry{Fingerprint: fp, Statement: label, By: by, Reason: reason, Approved: day, Expires: expires})
			data, err := approval.Write(a)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return fmt.Errorf("approvals: %w", err)
			}
			if err := atomicfile.Write(file, data); err != nil {
				return fmt.Errorf("approvals: %w", err)
			}
			verb, until := "approved", ""
			if renewed {
				verb = "renewed the approval of"
			}
			if expires != "" {
				until = " until " + expires
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "qreview: %s %s, %s, by %s%s in %s; commit it\n", verb, fp, label, by, until, file)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&by, "by", "", "who approves (required)")
	fl.StringVar(&reason, "reason", "", "why the findings are acceptable (required)")
	fl.StringVar(&expires, "expires", "", "last day the approval holds, YYYY-MM-DD (UTC; default: until the statement changes)")
	fl.StringVar(&file, "file", review.DefaultApprovals, "approvals file to write")
	fl.StringVar(&cfgPath, "config", "", "config file whose include/exclude select the SQL (default: .qreview.yaml in PATH or the working directory)")
	return cmd
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
	src, err := analyzer.LoadFiltered(paths, analyzer.Filter{Include: cfg.Include, Exclude: cfg.Exclude})
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
