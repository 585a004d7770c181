package main

import (
	"github.com/qreview/qreview/report"
	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
)

func explainCommand() *cobra.Command {
	f := &reviewFlags{}
	cmd := &cobra.Command{
		Use:   "explain FILE|- [PATH...]",
		Short: "Review one query before deploy on the project's production-sized schema",
		Long: `Explain plans the queries in FILE (- reads standard input) on the schema and scale
profile of the project under PATH (default .): the same seeded, cached database
review uses. It prints the findings and plans of those queries only.

Exit status: 0 no finding at or above fail-on, 1 the gate failed, 2 qreview
could not do its job.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.gate(cmd, func() (*report.Result, error) {
				return review.Explain(cmd.Context(), f.options(cmd, args[1:]), args[0], cmd.InOrStdin())
			})
		},
	}
	fl := cmd.Flags()
	f.define(fl)
	fl.StringArrayVar(&f.out.Formats, "format", nil, "output format: text, json, sarif, markdown, html or github; FORMAT=FILE writes it to FILE; repeatable (default text)")
	fl.StringVarP(&f.out.Output, "output", "o", "", "write the output to FILE instead of standard output")
	fl.StringVar(&f.opts.FailOn, "fail-on", "", "lowest severity that fails: error, warning or notice (default from config, else error)")
	fl.BoolVarP(&f.opts.Verbose, "verbose", "v", false, "say which plans were taken and which one the plan cache runs")
	return cmd
}
