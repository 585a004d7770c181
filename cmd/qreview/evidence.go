package main

import (
	"fmt"
	"io"
	"os"

	"github.com/qreview/qreview/evidence"
	"github.com/qreview/qreview/internal/repopath"
	"github.com/qreview/qreview/report"
	"github.com/spf13/cobra"
)

// errEvidenceFails is a verification that found changed files or a
// failed review: exit status 1, like a failed gate.
var errEvidenceFails = fmt.Errorf("evidence does not hold: %w", errGateFailed)

func evidenceCommand() *cobra.Command {
	var in, output, predicate, checksums, dir string
	cmd := &cobra.Command{
		Use:   "evidence --in RESULT.json",
		Short: "Write deploy-checklist evidence (an in-toto statement) from a review's JSON result",
		Long: `Evidence writes an in-toto Statement v1 whose subjects are the reviewed files
with their sha256 digests and whose predicate (` + evidence.PredicateType + `)
holds the verdict, the counts, the database version, the scale profile's hash,
each statement's fingerprint and plan digest, the approvals, and the rollback
check of the change's migrations. Run it where the review ran (or name that
directory with --dir): the result names files relative to it. Subjects are
named relative to the repository root.

--predicate and --checksums write the predicate alone and the subjects in
sha256sum form, for actions/attest (predicate-path, subject-checksums).
"qreview evidence verify" checks the evidence before a deploy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" {
				return fmt.Errorf("evidence: --in RESULT.json is required (qreview review --format json=RESULT.json writes it)")
			}
			res, err := readResultArg(cmd.InOrStdin(), in)
			if err != nil {
				return fmt.Errorf("--in: %w", err)
			}
			ev, err := evidence.Build(res, evidence.Options{Dir: dir, Name: repopath.Relative()})
			if err != nil {
				return fmt.Errorf("evidence: %w", err)
			}
			if err := ev.WriteFiles(cmd.OutOrStdout(), output, predicate, checksums); err != nil {
				return err
			}
			if output != "" && output != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "qreview: evidence for %d files, verdict %s, in %s\n", len(ev.Subjects), ev.Predicate.Verdict, output)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&in, "in", "", "the review's JSON result (- for standard input)")
	fl.StringVarP(&output, "output", "o", "", "write the statement to FILE instead of standard output")
	fl.StringVar(&predicate, "predicate", "", "also write the predicate alone to FILE (actions/attest predicate-path)")
	fl.StringVar(&checksums, "checksums", "", "also write the subjects as sha256sum lines to FILE (actions/attest subject-checksums)")
	fl.StringVar(&dir, "dir", ".", "where the review ran: the result names files relative to it")
	cmd.AddCommand(evidenceVerifyCommand())
	return cmd
}

func evidenceVerifyCommand() *cobra.Command {
	var root string
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check evidence before a deploy: the files are those reviewed, and the review passed",
		Long: `Verify reads the evidence in FILE (the statement qreview evidence wrote, or the
DSSE envelope or Sigstore bundle of an attestation made of it; verify the
signature with gh attestation verify) and compares each file's sha256 digest
with the file under --root (default: the repository root). It prints what
differs.

Exit status: 0 every file is the one reviewed and the verdict is pass, 1 a
file changed or is missing or the review failed, 2 FILE cannot be read as
qreview evidence.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("evidence: %w", err)
			}
			if root == "" {
				root = repopath.Root()
			}
			v, err := evidence.Verify(data, root)
			if err != nil {
				return fmt.Errorf("evidence %s: %w", args[0], err)
			}
			if v.Report(cmd.OutOrStdout(), args[0], root) {
				return nil
			}
			return errEvidenceFails
		},
	}
	cmd.Flags().StringVar(&root, "root", "", "directory the evidence's file names are relative to (default: the repository root, GITHUB_WORKSPACE under GitHub Actions)")
	return cmd
}

// readResultArg reads the JSON result --in names, "-" for standard input.
func readResultArg(stdin io.Reader, in string) (*report.Result, error) {
	if in != "-" {
		return report.ReadResultFile(in)
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return nil, err
	}
	return report.ReadResult("standard input", data)
}
