package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/qreview/qreview/internal/atomicfile"
	"github.com/qreview/qreview/report"
	"github.com/spf13/cobra"
)

// reportFormats are what qreview report renders from a saved result.
var reportFormats = map[string]func(io.Writer, *report.Result) error{
	"html":     report.HTML,
	"markdown": func(w io.Writer, r *report.Result) error { return report.Markdown(w, r, report.MarkdownOptions{}) },
}

func reportCommand() *cobra.Command {
	var in, format, output string
	cmd := &cobra.Command{
		Use:   "report --in RESULT.json --format html|markdown [--output FILE]",
		Short: "Render a saved JSON result as the DBA's HTML report or as Markdown",
		Long: `Report renders a result that review wrote with --format json=FILE, without a
database: html is one self-contained file (no external assets, works offline,
prints) with the verdict, the database and its seeded tables, each statement's
SQL, findings and plan tree, the change's timings and locks, and a sign-off
section; markdown is what review writes for pull requests.

Exit status: 0 the report was written, 2 it could not be (bad flags, a file
that is not a qreview result).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			render, ok := reportFormats[format]
			if !ok {
				return fmt.Errorf("--format %q: use html or markdown", format)
			}
			if in == "" {
				return fmt.Errorf("--in: name the JSON result to render (qreview review --format json=result.json writes one)")
			}
			res, err := report.ReadResultFile(in)
			if err != nil {
				return fmt.Errorf("--in: %w", err)
			}
			var buf bytes.Buffer
			if err := render(&buf, res); err != nil {
				return fmt.Errorf("render %s from %s: %w", format, in, err)
			}
			if output == "" || output == "-" {
				_, err := cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			if err := atomicfile.Write(output, buf.Bytes()); err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&in, "in", "", "the JSON result to render (written by qreview review --format json=FILE)")
	fl.StringVar(&format, "format", "html", "html or markdown")
	fl.StringVarP(&output, "output", "o", "", "write the report to FILE instead of standard output")
	return cmd
}
