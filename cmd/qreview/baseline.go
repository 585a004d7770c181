package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qreview/qreview/internal/atomicfile"
	"github.com/qreview/qreview/internal/repopath"
	"github.com/qreview/qreview/report"
	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
)

func baselineCommand() *cobra.Command {
	parent := &cobra.Command{
		Use:   "baseline",
		Short: "Record the findings a codebase has today so that only new ones fail the gate",
	}
	f := &dbFlags{}
	out := review.DefaultBaseline
	write := &cobra.Command{
		Use:   "write [PATH...]",
		Short: "Review PATH (default .) and record every finding in the baseline file",
		Long: `Write reviews the SQL under each PATH like review does and records every finding
by rule, statement fingerprint and file in the baseline file. review then
reports those findings as baselined and does not count them, so an existing
codebase can adopt the gate and fix them over time; any other finding still
fails. Files are recorded relative to the repository root, so write and
review may run from different directories. Commit the file; rerun write
when findings are fixed.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			o := f.options(cmd, paths)
			o.Raw = true
			res, err := review.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			b := report.NewBaseline(res, repopath.Relative())
			if err := report.WriteBaseline(&buf, b); err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			if err := atomicfile.Write(out, buf.Bytes()); err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			if !f.quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "qreview: recorded %s in %s; review no longer counts them\n", review.Findings(len(b.Findings)), out)
			}
			return nil
		},
	}
	fl := write.Flags()
	fl.StringVarP(&out, "output", "o", review.DefaultBaseline, "baseline file to write")
	f.define(fl)
	parent.AddCommand(write)
	return parent
}
