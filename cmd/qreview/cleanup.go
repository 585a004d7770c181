package main

import (
	"fmt"
	"time"

	"github.com/qreview/qreview/explain/provider"
	"github.com/spf13/cobra"
)

func cleanupCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove the database containers that killed qreview runs left behind",
		Long: `Cleanup removes the containers (and their volumes) that qreview runs started
and did not remove because they were killed (SIGKILL, a lost CI runner). It
finds them by their label qreview=1 on the container engine (DOCKER_HOST, else
the default one). Containers of runs still going on this machine, and those
started from another machine on a shared engine, are kept unless --all.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			removed, kept, err := provider.CleanupContainers(cmd.Context(), all)
			out := cmd.OutOrStdout()
			for _, l := range removed {
				fmt.Fprintf(out, "removed %.12s (%s, run %s, created %s ago)\n", l.ID, l.Image, l.Run, time.Since(l.Created).Round(time.Second))
			}
			for _, l := range kept {
				fmt.Fprintf(out, "kept %.12s (%s, run %s): %s; --all removes it\n", l.ID, l.Image, l.Run, l.InUse)
			}
			if err != nil {
				return fmt.Errorf("cleanup: %w", err)
			}
			if len(removed)+len(kept) == 0 {
				fmt.Fprintln(out, "no qreview containers")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also remove containers of runs that may still be going")
	return cmd
}
