package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/explain/seed"
	"github.com/qreview/qreview/internal/atomicfile"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

func profileCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "profile", Short: "Scale profiles: production sizes and shapes for the seeded database"}
	var dsn, output string
	var redact bool
	export := &cobra.Command{
		Use:   "export --dsn PROD",
		Short: "Write a scale profile from a database's planner statistics (never its rows)",
		Long: `Export reads pg_class (row estimates) and pg_stats (null fraction, distinct values,
most-common values and their frequencies, histogram bounds, average width) and
writes them as the scale: section of .qreview.yaml. It reads statistics only,
never a table's rows; run ANALYZE on the source first if its statistics are old.
Where pg_stat_statements is loaded, it also writes calibration:: production's
milliseconds per unit of plan cost, fitted over its busiest statements, and
their call rates, which reviews use for latency and pool estimates.

--redact replaces most-common values (all but booleans and enum labels) and
text histogram bounds with generated values of the same type, keeping their
order and frequencies, for a profile that may be committed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dsn == "" {
				dsn = os.Getenv("QREVIEW_DSN")
			}
			if dsn == "" {
				return fmt.Errorf("profile export needs --dsn (or QREVIEW_DSN): the database whose statistics to read")
			}
			conn, err := pgx.Connect(cmd.Context(), dsn)
			if err != nil {
				return fmt.Errorf("--dsn: cannot connect: %w", err)
			}
			defer conn.Close(cmd.Context())
			exported, note, err := seed.ExportWithCalibration(cmd.Context(), conn, redact)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			fmt.Fprintf(&buf, "# Scale profile exported by qreview from planner statistics (pg_class, pg_stats, pg_stat_statements)%s.\n# Paste under your .qreview.yaml or use as it is.\n",
				map[bool]string{true: ", values redacted", false: ""}[redact])
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			if err := enc.Encode(exported); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "qreview: read statistics of %d tables from pg_class and pg_stats; no table rows were read\n", len(exported.Scale))
			if c := exported.Calibration; c != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "qreview: calibrated %s ms per cost unit on %d statements of pg_stat_statements\n", explain.FormatMsPerCost(c.MsPerCost), c.Statements)
			}
			if note != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "qreview:", note)
			}
			if output == "" {
				_, err = cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			return atomicfile.Write(output, buf.Bytes())
		},
	}
	export.Flags().StringVar(&dsn, "dsn", "", "the database to read statistics from (or QREVIEW_DSN)")
	export.Flags().StringVarP(&output, "output", "o", "", "write the profile to FILE instead of standard output")
	export.Flags().BoolVar(&redact, "redact", false, "replace most-common values and text histogram bounds with generated stand-ins")
	cmd.AddCommand(export)
	return cmd
}
