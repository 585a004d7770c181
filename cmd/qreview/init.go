package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/review"
	"github.com/qreview/qreview/rules"
	"github.com/spf13/cobra"
)

func initCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a starter .qreview.yaml for the repository in DIR (default .)",
		Long: `Init finds the SQL under DIR the way review does (migration formats, directories,
query files) and writes DIR/.qreview.yaml: the tables the migrations create,
each with a rows: placeholder to fill in with its production size, and every
rule, commented out, with its default severity and options.

An existing .qreview.yaml is left alone unless --force is given.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			path := filepath.Join(dir, config.FileName)
			if _, err := os.Stat(path); err == nil && !force {
				return fmt.Errorf("%s exists; --force overwrites it", path)
			}
			src, err := analyzer.Load([]string{dir})
			if err != nil {
				return err
			}
			tables := review.CreatedTables(src)
			if err := os.WriteFile(path, []byte(review.StarterConfig(dir, src, tables)), 0o644); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d migrations, %d tables to size under scale:, %d rules\n",
				path, len(src.Migrations), len(tables), len(rules.All()))
			return err
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing "+config.FileName)
	return cmd
}
