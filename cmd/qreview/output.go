package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/qreview/qreview/report"
)

// checkFormats rejects an unknown --format before any work is done.
func checkFormats(f *reviewFlags) error {
	switch f.format {
	case "text", "json":
		return nil
	}
	return fmt.Errorf("--format %q: use text or json", f.format)
}

// writeResult renders the result in the chosen format to --output or
// standard output.
func writeResult(stdout io.Writer, f *reviewFlags, res *report.Result) error {
	var buf bytes.Buffer
	switch f.format {
	case "text":
		report.Text(&buf, res)
	case "json":
		report.JSON(&buf, res)
	}
	if f.output == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(f.output, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	return nil
}
