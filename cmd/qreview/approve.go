package main

import (
	"fmt"

	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
)

func approveCommand() *cobra.Command {
	var req review.ApprovalRequest
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
			req.Fingerprint, req.Paths = args[0], args[1:]
			done, err := review.Approve(req)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "qreview: %s; commit it\n", done)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&req.By, "by", "", "who approves (required)")
	fl.StringVar(&req.Reason, "reason", "", "why the findings are acceptable (required)")
	fl.StringVar(&req.Expires, "expires", "", "last day the approval holds, YYYY-MM-DD (UTC; default: until the statement changes)")
	fl.StringVar(&req.File, "file", review.DefaultApprovals, "approvals file to write")
	fl.StringVar(&req.Config, "config", "", "config file whose include/exclude select the SQL (default: .qreview.yaml in PATH or the working directory)")
	return cmd
}
