package main

import (
	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// dbFlags are the flags of every command that starts a database, defined
// once here: review, baseline write, postmortem new, load and explain all
// have every one of them.
type dbFlags struct {
	opts  review.Options
	quiet bool
}

func (f *dbFlags) define(fl *pflag.FlagSet) {
	fl.StringVar(&f.opts.Database.Kind, "db", "", "database provider: auto, local, dsn or container (default from config, else auto)")
	fl.StringVar(&f.opts.Database.DSN, "dsn", "", "PostgreSQL server to create a scratch database on (or QREVIEW_DSN)")
	fl.StringVar(&f.opts.Database.Image, "image", "", "container image for --db container/auto, e.g. postgres:16 (default from config database.image or .version)")
	fl.BoolVar(&f.opts.Database.NoCache, "no-cache", false, "seed afresh instead of reusing a seeded database kept by an earlier run of the same schema and profile")
	fl.StringVar(&f.opts.Config, "config", "", "config file (default: .qreview.yaml in the reviewed directory or the working directory)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress lines on standard error")
}

// options are the review's options for this command line.
func (f *dbFlags) options(cmd *cobra.Command, paths []string) review.Options {
	o := f.opts
	o.Paths, o.Version = paths, toolVersion()
	if !f.quiet {
		o.Log = cmd.ErrOrStderr()
	}
	return o
}
