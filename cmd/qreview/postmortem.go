package main

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/qreview/qreview/postmortem"
	"github.com/qreview/qreview/review"
	"github.com/spf13/cobra"
)

func postmortemCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "postmortem",
		Short: "Incident records that teach the gate the query shapes that caused them",
		Long: `A postmortem is a Markdown file with YAML front matter in the folder that the
config's postmortems key names. review fails any finding that repeats the query
shape of a record (its fingerprint, or its rules on its tables) as an error
that cites the record. new drafts a record from a review of the offending
query; record appends to the action items with guard: review the evidence that
the gate ran; list shows the records, their open action items and how often
their guard fired.`,
	}
	cmd.AddCommand(postmortemNewCommand(), postmortemRecordCommand(), postmortemListCommand())
	return cmd
}

func postmortemNewCommand() *cobra.Command {
	f := &dbFlags{}
	var d review.Draft
	cmd := &cobra.Command{
		Use:   "new --title TITLE --query FILE [PATH...]",
		Short: "Review the offending query on production-sized data and draft a postmortem from it",
		Long: `new reviews the project at PATH (default .) as review does, with the SQL file
FILE in it, and writes a draft record to the postmortems folder: FILE's
statements that have findings (else all of them) with their SQL, fingerprint,
tables, rules and plan; the findings and the verified fixes as root-cause
evidence; action items pre-filled from them, the last one guard: review; an
empty timeline and five-whys skeleton to fill in. The record is named ID.md
(ID defaults to PM-DATE) and an existing record is never overwritten.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			d.Options = f.options(cmd, paths)
			path, rec, err := review.DraftPostmortem(cmd.Context(), d)
			if err != nil {
				return err
			}
			var names []string
			for _, q := range rec.Queries {
				names = append(names, cmp.Or(q.Name, q.File))
			}
			if !f.quiet {
				fmt.Fprintf(cmd.ErrOrStderr(), "qreview: drafted %s: %s, %d action items; fill in the impact, the timeline and the five whys\n",
					rec.ID, strings.Join(names, ", "), len(rec.ActionItems))
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), path)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&d.Title, "title", "", "the incident's title")
	fl.StringVar(&d.Query, "query", "", "the SQL file with the offending query")
	fl.StringVar(&d.ID, "id", "", "the record's id, also its file name (default PM-DATE)")
	fl.StringVar(&d.Date, "date", time.Now().Format(time.DateOnly), "the incident's date, YYYY-MM-DD")
	fl.StringVar(&d.Dir, "dir", "", "the postmortems folder (default: the config's postmortems)")
	f.define(fl)
	return cmd
}

func postmortemRecordCommand() *cobra.Command {
	var r review.Recording
	cmd := &cobra.Command{
		Use:   "record --in RESULT.json [PATH...]",
		Short: "Append to the postmortems' guard: review action items the evidence that the gate ran",
		Long: `record reads a review's JSON result (qreview review --format json=FILE) and
appends to every action item with guard: review, in every record of the
postmortems folder (of the config found for PATH, default ., or --dir), one
evidence entry: the date, the commit (--commit, else GITHUB_SHA, else git's
HEAD), the statements reviewed, the verdict, and the findings that repeated
the record's query shapes (caught). A commit already recorded on an item is
not recorded again. Run it in CI after review, on the main branch, and commit
the records it changes.`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			r.Paths = paths
			return review.RecordPostmortems(cmd.OutOrStdout(), r)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&r.In, "in", "", "the review's JSON result")
	fl.StringVar(&r.Commit, "commit", "", "the reviewed commit (default GITHUB_SHA, else git rev-parse HEAD)")
	fl.StringVar(&r.Date, "date", time.Now().Format(time.DateOnly), "the date to record, YYYY-MM-DD")
	fl.StringVar(&r.Dir, "dir", "", "the postmortems folder (default: the config's postmortems)")
	fl.StringVar(&r.Config, "config", "", "config file (default: .qreview.yaml in PATH or the working directory)")
	return cmd
}

func postmortemListCommand() *cobra.Command {
	var dir, configFile string
	cmd := &cobra.Command{
		Use:   "list [PATH...]",
		Short: "List the postmortems, their open action items and how often their guard fired",
		RunE: func(cmd *cobra.Command, paths []string) error {
			recs, err := review.PostmortemRecords(dir, configFile, paths)
			if err != nil {
				return err
			}
			return postmortem.List(cmd.OutOrStdout(), recs)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "the postmortems folder (default: the config's postmortems)")
	cmd.Flags().StringVar(&configFile, "config", "", "config file (default: .qreview.yaml in PATH or the working directory)")
	return cmd
}
