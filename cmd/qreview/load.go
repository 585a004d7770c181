package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
)

func loadCommand() *cobra.Command {
	f := &dbFlags{}
	var lo review.LoadOptions
	var format string
	cmd := &cobra.Command{
		Use:   "load [PATH...]",
		Short: "Run the reviewed queries under concurrent load on the production-sized scratch database",
		Long: `Load builds the database as review does (the migrations, the production-sized
data, then the change), then runs the read-only queries under PATH (default .)
for --duration with --concurrency workers sharing a pool of --pool-size
connections, and reports per query the calls, errors, latency percentiles
(p50, p95, p99) and the mean wait for a pooled connection, and the overall
throughput. Queries with $n parameters run only when their values are
pinned (config params:, or "-- qreview:params" above the query); statements
that write are not run.

Exit status: 0 the load ran, 2 it could not (bad flags or config, no database).`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: use text or json", format)
			}
			lo.Options = f.options(cmd, paths)
			res, err := review.Load(cmd.Context(), lo)
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			return res.WriteText(cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&lo.Duration, "duration", 30*time.Second, "how long to run the load")
	fl.IntVar(&lo.Concurrency, "concurrency", 8, "workers calling the queries at once, each back to back")
	fl.IntVar(&lo.PoolSize, "pool-size", 0, "connections in the pool the workers share (default: the pool.size of the config's one service, else --concurrency)")
	fl.StringVar(&format, "format", "text", "output format: text or json")
	f.define(fl)
	return cmd
}
