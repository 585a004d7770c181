package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
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
				names, err := templates(cmd, dsn)
				for _, n := range names {
					fmt.Fprintln(out, n)
				}
				return err
			}
			dir := provider.DefaultCacheDir()
			entries, err := provider.CacheEntries(dir)
			if err != nil {
				return err
			}
			var total int64
			for _, e := range entries {
				total += e.Bytes
				fmt.Fprintf(out, "%s  %6d MB  last used %s\n", e.Path, e.Bytes>>20, time.Unix(e.Mod, 0).Format(time.DateTime))
			}
			fmt.Fprintf(out, "%d kept in %s, %d MB in all\n", len(entries), dir, total>>20)
			if images, err := provider.ListCacheImages(cmd.Context()); err == nil {
				for _, im := range images {
					fmt.Fprintf(out, "%s  %6d MB  committed %s\n", im.Tag, im.Bytes>>20, im.Created.Format(time.DateTime))
				}
			}
			return nil
		},
	}
	clean := &cobra.Command{
		Use:   "clean",
		Short: "Remove the kept databases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if dsn != "" {
				names, err := templates(cmd, dsn)
				if err != nil {
					return err
				}
				conn, err := pgx.Connect(cmd.Context(), dsn)
				if err != nil {
					return fmt.Errorf("--dsn: %w", err)
				}
				defer conn.Close(cmd.Context())
				for _, n := range names {
					if _, err := conn.Exec(cmd.Context(), "DROP DATABASE "+pgx.Identifier{n}.Sanitize()); err != nil {
						return fmt.Errorf("drop %s: %w", n, err)
					}
					fmt.Fprintln(out, "dropped", n)
				}
				return nil
			}
			dir := provider.DefaultCacheDir()
			entries, err := provider.CacheEntries(dir)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if err := os.RemoveAll(e.Path); err != nil {
					return err
				}
				os.Remove(filepath.Join(dir, filepath.Base(e.Path)+".lock"))
				fmt.Fprintln(out, "removed", e.Path)
			}
			// Committed container clusters, when a container engine answers.
			removed, _ := provider.CleanCacheImages(cmd.Context())
			for _, tag := range removed {
				fmt.Fprintln(out, "removed image", tag)
			}
			return nil
		},
	}
	for _, c := range []*cobra.Command{ls, clean} {
		c.Flags().StringVar(&dsn, "dsn", "", "the server whose template databases to list or drop (default: the local cache dir)")
		cmd.AddCommand(c)
	}
	return cmd
}

// templates are the kept databases on the server dsn points to.
func templates(cmd *cobra.Command, dsn string) ([]string, error) {
	conn, err := pgx.Connect(cmd.Context(), dsn)
	if err != nil {
		return nil, fmt.Errorf("--dsn: %w", err)
	}
	defer conn.Close(cmd.Context())
	rows, err := conn.Query(cmd.Context(), "SELECT datname FROM pg_database WHERE datname LIKE 'qreview\\_tpl\\_%' ORDER BY 1")
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
