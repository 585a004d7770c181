package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/report"
	"github.com/spf13/cobra"
)

// defaultBaseline is where review looks for a baseline, relative to where
// it runs (the repository root in CI).
const defaultBaseline = ".qreview/baseline.json"

// applyBaseline moves the findings the baseline records out of the
// verdict: --baseline FILE, else .qreview/baseline.json when it exists.
func applyBaseline(f *reviewFlags, res *report.Result) error {
	b, path, err := loadBaseline(f)
	if err != nil || b == nil {
		return err
	}
	b.Apply(res, repoPath())
	if !f.quiet && len(res.Baselined) > 0 {
		fmt.Fprintf(os.Stderr, "qreview: %s recorded in %s not counted\n", findings(len(res.Baselined)), path)
	}
	return nil
}

// loadBaseline reads the baseline file, when there is one. The review
// calls it before it starts a database too, so that a broken file fails
// at once rather than after seeding.
func loadBaseline(f *reviewFlags) (*report.Baseline, string, error) {
	path := f.baseline
	if path == "" {
		if _, err := os.Stat(defaultBaseline); errors.Is(err, fs.ErrNotExist) {
			return nil, "", nil
		}
		path = defaultBaseline
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

func baselineCommand() *cobra.Command {
	parent := &cobra.Command{
		Use:   "baseline",
		Short: "Record the findings a codebase has today so that only new ones fail the gate",
	}
	f := &reviewFlags{}
	out := defaultBaseline
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
			res, err := runReview(cmd, f, paths)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			b := report.NewBaseline(res, repoPath())
			if err := report.WriteBaseline(&buf, b); err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			if err := writeFileAtomic(out, buf.Bytes()); err != nil {
				return fmt.Errorf("--output: %w", err)
			}
			if !f.quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "qreview: recorded %s in %s; review no longer counts them\n", findings(len(b.Findings)), out)
			}
			return nil
		},
	}
	fl := write.Flags()
	fl.StringVarP(&out, "output", "o", defaultBaseline, "baseline file to write")
	fl.StringVar(&f.db, "db", "", "database provider: auto, local, dsn or container (default from config, else auto)")
	fl.StringVar(&f.dsn, "dsn", "", "PostgreSQL server to create a scratch database on (or QREVIEW_DSN)")
	fl.StringVar(&f.config, "config", "", "config file (default: .qreview.yaml in the reviewed directory or the working directory)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress lines on standard error")
	fl.BoolVar(&f.noCache, "no-cache", false, "seed afresh instead of reusing a seeded database kept by an earlier run")
	parent.AddCommand(write)
	return parent
}

func findings(n int) string {
	if n == 1 {
		return "1 finding"
	}
	return format.Count(float64(n)) + " findings"
}
