package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/explain"
	"github.com/qreview/qreview/report"
	"github.com/qreview/qreview/rules"
)

// Run reviews the SQL under opts.Paths: parse, database, schema, data,
// plans, rules. Unless opts.Raw, approved and baselined findings do not
// count. The database is removed (or kept in the cache) on every path,
// also when ctx is cancelled.
func Run(ctx context.Context, opts Options) (*report.Result, error) {
	opts = opts.withDefaults()
	res, err := run(ctx, opts)
	if err != nil || opts.Raw {
		return res, err
	}
	if err := applyApprovals(opts, res); err != nil {
		return nil, err
	}
	if err := applyBaseline(opts, res); err != nil {
		return nil, err
	}
	return res, nil
}

func run(ctx context.Context, opts Options) (_ *report.Result, err error) {
	paths, logw := opts.Paths, opts.Log
	log := logTo(logw)
	cfg, err := config.Load(config.Find(opts.Config, paths))
	if err != nil {
		return nil, err
	}
	failOn := cfg.FailOn
	if opts.FailOn != "" {
		failOn = opts.FailOn
	}
	failSeverity, err := rules.ParseSeverity(failOn)
	if err != nil {
		return nil, fmt.Errorf("--fail-on: %w", err)
	}
	ruleSet, err := rules.Configure(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	filter := cfg.Filter()
	if err := filter.Check(); err != nil {
		return nil, fmt.Errorf("%s: include/exclude: %w", cfg.Path, err)
	}
	src, err := loadSource(paths, filter, opts.explain)
	if err != nil {
		return nil, err
	}
	if len(src.Statements()) == 0 {
		return nil, fmt.Errorf("no SQL statements in the .sql files under %s: nothing to review (check the paths, and include/exclude in %s)",
			strings.Join(paths, ", "), cmp.Or(cfg.Path, "the config"))
	}
	// What needs no database is checked before one is started.
	if err := checkPinned(cfg, src.Queries); err != nil {
		return nil, err
	}
	if _, _, err := loadBaseline(opts.Baseline); err != nil {
		return nil, err
	}
	if _, _, err := loadApprovals(opts.Approvals); err != nil {
		return nil, err
	}
	postmortems, err := loadPostmortems(cfg) // postmortem.go
	if err != nil {
		return nil, err
	}
	changed, err := changedFiles(src, opts.Base)
	if err != nil {
		return nil, err
	}
	if opts.explain != "" { // only the one-off query counts
		changed = map[string]bool{canonical(opts.explain): true}
	}
	ch, err := splitChange(src, cfg, changed)
	if err != nil {
		return nil, err
	}
	traffic, err := trafficFor(cfg, src.Queries)
	if err != nil {
		return nil, err
	}
	for _, st := range src.Queries { // production's call rates where the config names none
		if len(traffic[st]) == 0 {
			traffic[st] = cfg.ProductionTraffic(st)
		}
	}

	sd, err := startSeeded(ctx, opts.Database, cfg, ch, logw)
	if err != nil {
		return nil, err
	}
	defer closeSeeded(ctx, sd, &err, log)
	if !opts.Database.NoCache { // only a database that may be kept needs its statistics back
		restoreStats, err := keepStats(ctx, sd.db, log)
		if err != nil {
			return nil, err
		}
		defer restoreStats() // after the rollback below, before the database is closed or kept
	}
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
	speed := cfg.Speed()
	log("latency estimates: %s", speed.Describe())

	// Every statement is checked; with --base only the changed files'
	// findings count, and the regressions the change causes anywhere.
	reviewed := map[*analyzer.Statement]bool{}
	for _, st := range reviewedStatements(src, changed, ch) {
		reviewed[st] = true
	}
	var findings []rules.Finding
	var statements []*analyzer.Statement
	for _, st := range src.Statements() {
		in := &rules.Input{Statement: st, Plan: plans[st], Err: errs[st], Tables: tables, Source: src, Speed: speed, Traffic: traffic[st],
			Before: regressions.before[st], Cause: regressions.causeOf(st), Plans: plans, InChange: ch.includes(st)}
		if m, ok := measured[st]; ok {
			in.Measured = &m
		}
		kept := 0
		found, notes := ruleSet.CheckPlans(in, judged[st])
		if opts.Verbose && reviewed[st] {
			logJudgement(log, st, judged[st], notes)
		}
		for _, f := range found {
			if reviewed[st] || (f.Rule.CountsEverywhere && opts.explain == "") {
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
		dbInfo.Tables = append(dbInfo.Tables, report.Table{Name: l.Table, Rows: l.Rows + l.Kept, Size: l.Source, Note: l.Note})
	}
	res := report.Build(report.Review{
		Version: opts.Version, Database: dbInfo, FailOn: failSeverity,
		Statements: statements, Plans: plans, Judged: judged, Errors: errs, Findings: findings, Measured: measured, Change: ch.why,
	})
	res.Rollbacks = rollbacks(ch)
	if sizes := report.SizeNote(dbInfo.Tables); sizes != "" {
		log("%s", sizes)
	}
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

// closeSeeded removes the database; what it could not remove is reported
// with how to remove it: as the run's error when the run failed (or was
// interrupted), else on the log.
func closeSeeded(ctx context.Context, sd *seeded, err *error, log func(string, ...any)) {
	cerr := sd.Close(ctx)
	switch {
	case cerr == nil:
	case *err != nil:
		*err = fmt.Errorf("%w; and %w", *err, cerr)
	default:
		log("%v", cerr)
	}
}
