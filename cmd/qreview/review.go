package main

import (
	"github.com/qreview/qreview/internal/outputs"
	"github.com/qreview/qreview/report"
	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
)

type reviewFlags struct {
	dbFlags
	out outputs.Spec // --format, --output, --comment
}

func reviewCommand() *cobra.Command {
	f := &reviewFlags{}
	cmd := &cobra.Command{
		Use:   "review [PATH...]",
		Short: "Review the SQL under PATH (default .) on a production-sized scratch PostgreSQL",
		Long: `Review parses the SQL files under each PATH (migrations and queries), applies the
migrations to a scratch PostgreSQL, fills it with production-sized data, plans
every query and reports what the rules find.

Exit status: 0 no finding at or above fail-on, 1 the gate failed, 2 qreview
could not do its job (bad flags or config, unreadable SQL, no database).`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			return f.gate(cmd, func() (*report.Result, error) { return review.Run(cmd.Context(), f.options(cmd, paths)) })
		},
	}
	fl := cmd.Flags()
	f.define(fl)
	fl.StringArrayVar(&f.out.Formats, "format", nil, "output format: text, json, sarif, markdown, html or github; FORMAT=FILE writes it to FILE; repeatable (default text, github under GitHub Actions)")
	fl.BoolVar(&f.out.Comment, "comment", false, "post the Markdown report on the pull request, one comment updated on every run (GitHub Actions; token in GITHUB_TOKEN)")
	fl.StringVar(&f.opts.Base, "base", "", "review only statements in files changed since the merge base with REF (every migration is still applied)")
	fl.StringVar(&f.opts.Baseline, "baseline", "", "baseline file whose findings do not count (default .qreview/baseline.json when it exists)")
	fl.StringVar(&f.opts.Approvals, "approvals", "", "DBA approvals file (default .qreview/approvals.yaml when it exists; qreview approve writes it)")
	fl.StringVarP(&f.out.Output, "output", "o", "", "write the output to FILE instead of standard output")
	fl.StringVar(&f.opts.FailOn, "fail-on", "", "lowest severity that fails the gate: error, warning or notice (default from config, else error)")
	fl.BoolVarP(&f.opts.Verbose, "verbose", "v", false, "say for each parameterized query which plans were taken, which one the plan cache runs and why, and which findings were dropped")
	return cmd
}

// gate checks the output flags before any work, runs the review, writes
// every output and turns a failed verdict into exit status 1.
func (f *reviewFlags) gate(cmd *cobra.Command, run func() (*report.Result, error)) error {
	if err := f.out.Check(); err != nil {
		return err
	}
	res, err := run()
	if err != nil {
		return err
	}
	if err := f.out.Write(cmd.OutOrStdout(), res); err != nil {
		return err
	}
	if res.Verdict == "fail" {
		return errGateFailed
	}
	return nil
}
