package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/report"
	"github.com/qreview/qreview/rules"
	"github.com/spf13/cobra"
)

type reviewFlags struct {
	db, dsn, image, output, failOn, config string
	quiet, noCache, verbose                bool

	format   []string // FORMAT or FORMAT=FILE, repeatable (output.go)
	comment  bool     // post the report on the pull request (output.go)
	base     string   // review only what changed since this revision (select.go)
	baseline string   // findings that do not count (baseline.go)

	approvals string // DBA approvals (approve.go)
}

func reviewCommand() *cobra.Command {
	f := &reviewFlags{}
	cmd := &cobra.Command{
		Use:   "review [PATH...]",
		Short: "Review the SQL under PATH (default .) on a production-sized scratch PostgreSQL",
		Long: `Review parses the SQL files under each PATH (migrations and queries), applies the
migrations to a scratch PostgreSQL, fills it with production-sized data, plans
every query and reports what the rules find.

Exit status: 0 no finding at or above fail-on, 1 the gate failed, 2 qreview
could not do its job (bad flags or config, unreadable SQL, no database).`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			res, err := runReview(cmd, f, paths)
			if err != nil {
				return err
			}
			if err := applyApprovals(f, res); err != nil {
				return err
			}
			if err := applyBaseline(f, res); err != nil {
				return err
			}
			if err := writeResult(cmd.OutOrStdout(), f, res); err != nil {
				return err
			}
			if res.Verdict == "fail" {
				return errGateFailed
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "database provider: auto, local, dsn or container (default from config, else auto)")
	fl.StringVar(&f.image, "image", "", "container image for --db container/auto, e.g. postgres:16 (default from config database.image or .version)")
	fl.StringVar(&f.dsn, "dsn", "", "PostgreSQL server to create a scratch database on (or QREVIEW_DSN)")
	fl.StringArrayVar(&f.format, "format", nil, "output format: text, json, sarif, markdown, html or github; FORMAT=FILE writes it to FILE; repeatable (default text, github under GitHub Actions)")
	fl.BoolVar(&f.comment, "comment", false, "post the Markdown report on the pull request, one comment updated on every run (GitHub Actions; token in GITHUB_TOKEN)")
	fl.StringVar(&f.base, "base", "", "review only statements in files changed since the merge base with REF (every migration is still applied)")
	fl.StringVar(&f.baseline, "baseline", "", "baseline file whose findings do not count (default .qreview/baseline.json when it exists)")
	fl.StringVar(&f.approvals, "approvals", "", "DBA approvals file (default .qreview/approvals.yaml when it exists; qreview approve writes it)")
	fl.StringVarP(&f.output, "output", "o", "", "write the output to FILE instead of standard output")
	fl.StringVar(&f.failOn, "fail-on", "", "lowest severity that fails the gate: error, warning or notice (default from config, else error)")
	fl.StringVar(&f.config, "config", "", "config file (default: .qreview.yaml in the reviewed directory or the working directory)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress lines on standard error")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "say for each parameterized query which plans were taken, which one the plan cache runs and why, and which findings were dropped")
	fl.BoolVar(&f.noCache, "no-cache", false, "seed afresh instead of reusing a seeded database kept by an earlier run of the same schema and profile")
	return cmd
}

// runReview runs the review the way every command does: paths default to
// the working directory, the DSN may come from QREVIEW_DSN, progress goes
// to standard error unless --quiet.
func runReview(cmd *cobra.Command, f *reviewFlags, paths []string) (*report.Result, error) {
	paths, logw := commandDefaults(cmd, f, paths)
	return review(cmd.Context(), f, paths, logw)
}

// commandDefaults applies what every command that starts a database
// shares: paths default to ".", the DSN may come from QREVIEW_DSN, and
// progress goes to standard error unless --quiet.
func commandDefaults(cmd *cobra.Command, f *reviewFlags, paths []string) ([]string, io.Writer) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	if f.dsn == "" {
		f.dsn = os.Getenv("QREVIEW_DSN")
	}
	if f.quiet {
		return paths, io.Discard
	}
	return paths, cmd.ErrOrStderr()
}

// review runs the pipeline: parse, database, schema, data, plans, rules.
func review(ctx context.Context, f *reviewFlags, paths []string, logw io.Writer) (*report.Result, error) {
	log := logTo(logw)
	if err := checkFormats(f); err != nil {
		return nil, err
	}
	cfg, err := config.Load(config.Find(f.config, paths))
	if err != nil {
		return nil, err
	}
	failOn := cfg.FailOn
	if f.failOn != "" {
		failOn = f.failOn
	}
	failSeverity, err := rules.ParseSeverity(failOn)
	if err != nil {
		return nil, fmt.Errorf("--fail-on: %w", err)
	}
	ruleSet, err := rules.Configure(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	filter := analyzer.Filter{Include: cfg.Include, Exclude: cfg.Exclude}
	if err := filter.Check(); err != nil {
		return nil, fmt.Errorf("%s: include/exclude: %w", cfg.Path, err)
	}
	src, err := analyzer.LoadFiltered(paths, filter)
	if err != nil {
		return nil, err
	}
	if len(src.Statements()) == 0 {
		return nil, fmt.Errorf("no SQL statements in the .sql files under %s: nothing to review (check the paths, and include/exclude in %s)",
			strings.Join(paths, ", "), orDefault(cfg.Path, "the config"))
	}
	// What needs no database is checked before one is started.
	if err := checkPinned(cfg, src.Queries); err != nil {
		return nil, err
	}
	if _, _, err := loadBaseline(f); err != nil {
		return nil, err
	}
	if _, _, err := loadApprovals(f); err != nil {
		return nil, err
	}
	postmortems, err := loadPostmortems(cfg) // postmortem.go
	if err != nil {
		return nil, err
	}
	changed, err := changedFiles(src, f)
	if err != nil {
		return nil, err
	}
	ch, err := splitChange(src, cfg, changed)
	if err != nil {
		return nil, err
	}
	traffic, err := trafficFor(cfg, src.Queries)
	if err != nil {
		return nil, err
	}

	sd, err := startSeeded(ctx, f, cfg, ch.base, logw)
	if err != nil {
		return nil, err
	}
	defer sd.Close(ctx)
	db, conn, serverVersion, loaded, errs := sd.db, sd.conn, sd.serverVersion, sd.loaded, sd.errs
	// The change and the plans run in one transaction that is rolled back,
	// so that a kept database stays as it was seeded.
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	regressions := newRegressions(ch)
	if err := regressions.planBefore(ctx, tx, src.Queries, cfg); err != nil {
		return nil, err
	}
	measured, err := applyChange(ctx, tx, db, ch, cfg, errs, log, regressions.afterStatement(tx, src.Queries, cfg, ruleSet))
	if err != nil {
		return nil, err
	}
	tables, err := explain.Tables(ctx, tx)
	if err != nil {
		return nil, err
	}
	judged, err := judgeQueries(ctx, tx, src.Queries, cfg, errs, log)
	if err != nil {
		return nil, err
	}
	plans := mainPlans(judged)
	if regressions.active {
		log("compared the plans before the change and after each of its statements in %s", regressions.took.Round(time.Millisecond))
	}
	msPerCost, err := explain.Calibrate(ctx, tx, tables)
	if err != nil {
		return nil, err
	}

	// Every statement is checked; with --base only the changed files'
	// findings count, and the regressions the change causes anywhere.
	reviewed := map[*analyzer.Statement]bool{}
	for _, st := range reviewedStatements(src, changed) {
		reviewed[st] = true
	}
	var findings []rules.Finding
	var statements []*analyzer.Statement
	for _, st := range src.Statements() {
		in := &rules.Input{Statement: st, Plan: plans[st], Err: errs[st], Tables: tables, Source: src, MsPerCost: msPerCost, Traffic: traffic[st],
			Before: regressions.before[st], Cause: regressions.cause[st], Plans: plans, InChange: ch.includes(st)}
		if m, ok := measured[st]; ok {
			in.Measured = &m
		}
		kept := 0
		found, notes := ruleSet.CheckPlans(in, judged[st])
		if f.verbose && reviewed[st] {
			logJudgement(log, st, judged[st], notes)
		}
		for _, f := range found {
			if reviewed[st] || f.Rule.CountsEverywhere {
				findings = append(findings, f)
				kept++
			}
		}
		if reviewed[st] || kept > 0 {
			statements = append(statements, st)
		}
	}
	if err := proveIndexes(ctx, tx, findings, judged, cfg); err != nil {
		return nil, err
	}
	dbInfo := report.Database{Provider: db.Provider, Image: db.Image, ServerVersion: serverVersion, ScaleProfile: cfg.Scale.Hash()}
	for _, l := range loaded {
		dbInfo.Tables = append(dbInfo.Tables, report.Table{Name: l.Table, Rows: l.Rows})
	}
	res := report.Build(report.Review{
		Version: toolVersion(), Database: dbInfo, FailOn: failSeverity,
		Statements: statements, Plans: plans, Judged: judged, Errors: errs, Findings: findings, Measured: measured, Change: ch.why,
	})
	res.Rollbacks = rollbacks(ch)
	linkPostmortems(res, postmortems, log)
	return res, nil
}

// isServerError: the server rejected a statement (a finding), as opposed
// to losing the connection or being cancelled (qreview cannot go on).
func isServerError(err error) bool {
	var sqlErr *explain.SQLError
	return errors.As(err, &sqlErr)
}

// stopping is err when it must stop the run (a lost connection, Ctrl-C),
// nil when the server rejected the statement, which is a finding.
func stopping(ctx context.Context, err error, verb string, st *analyzer.Statement) error {
	if isServerError(err) {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%s %s:%d: %w", verb, st.File, st.Line, err)
}

// logTo makes a printf for progress lines on w.
func logTo(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) { fmt.Fprintf(w, "qreview: "+format+"\n", args...) }
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
