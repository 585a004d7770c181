package main

import (
	"fmt"
	"io"
	"time"

	"github.com/qreview/qreview/explain/provider"
	"github.com/spf13/cobra"
)

func cacheCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "List or empty the seeded databases kept for warm re-runs",
		Long: `A review keeps the database it seeded, keyed by the migrations, the scale profile,
the generator and the server version, so that the next review of the same
schema skips seeding. Local clusters are kept in the cache dir
($QREVIEW_CACHE_DIR, else the user cache dir, /var/cache/qreview for root;
the newest 3 are kept); container clusters as images qreview-cache:* (the
newest 3); with --dsn, as template databases qreview_tpl_* on that server.`,
	}
	var dsn string
	ls := &cobra.Command{
		Use:   "ls",
		Short: "List the kept databases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if dsn != "" {
				list, err := provider.ListTemplates(cmd.Context(), dsn)
				for _, t := range list {
					fmt.Fprintf(out, "%s  %6d MB  last used %s\n", t.Name, t.Bytes>>20, t.Used.Format(time.DateTime))
				}
				return err
			}
			return provider.WriteCacheList(cmd.Context(), out, provider.DefaultCacheDir())
		},
	}
	clean := &cobra.Command{
		Use:   "clean",
		Short: "Remove the kept databases (those a running review holds are kept and named)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if dsn != "" {
				cleaned, err := provider.CleanDSN(cmd.Context(), dsn)
				printCleaned(out, cleaned.Removed, cleaned.Kept, "")
				return err
			}
			removed, inUse, err := provider.CleanCache(provider.DefaultCacheDir())
			printCleaned(out, removed, inUse, ": in use by a running review")
			if err != nil {
				return err
			}
			// Committed container clusters, when a container engine answers.
			removed, inUse, _ = provider.CleanImages(cmd.Context())
			printCleaned(out, prefixed("image ", removed), prefixed("image ", inUse), ": a container uses it")
			return nil
		},
	}
	for _, c := range []*cobra.Command{ls, clean} {
		c.Flags().StringVar(&dsn, "dsn", "", "the server whose template databases (and qreview's roles) to list or remove (default: the local cache dir)")
		cmd.AddCommand(c)
	}
	return cmd
}

func printCleaned(w io.Writer, removed, kept []string, why string) {
	for _, r := range removed {
		fmt.Fprintln(w, "removed", r)
	}
	for _, k := range kept {
		fmt.Fprintf(w, "kept %s%s\n", k, why)
	}
}

func prefixed(p string, list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = p + s
	}
	return out
}
