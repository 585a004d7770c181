package review

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/internal/gitdiff"
)

// changedFiles is, with --base, the set of files changed since the merge
// base with that revision (canonical paths); nil without --base.
func changedFiles(src *analyzer.Source, base string) (map[string]bool, error) {
	all := src.Statements()
	if base == "" || len(all) == 0 {
		return nil, nil
	}
	// The repository is the one holding the reviewed files, wherever
	// qreview runs from.
	changed, err := gitdiff.Changed(context.Background(), filepath.Dir(all[0].File), base)
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	set := map[string]bool{}
	for _, file := range changed {
		set[canonical(file)] = true
	}
	return set, nil
}

// reviewedStatements are the statements whose findings count: with
// --base those in changed files; without it every query and the change's
// migrations, never the deployed history before them. Every migration is
// applied to build the schema whatever is reviewed, and every query is
// planned before and after the change, whose regressions count wherever
// they are.
func reviewedStatements(src *analyzer.Source, changed map[string]bool, ch change) []*analyzer.Statement {
	var reviewed []*analyzer.Statement
	for _, st := range src.Statements() {
		switch {
		case changed != nil:
			if changed[canonical(st.File)] {
				reviewed = append(reviewed, st)
			}
		case st.Kind == analyzer.KindQuery || ch.includes(st):
			reviewed = append(reviewed, st)
		}
	}
	return reviewed
}

// canonical is a file's absolute path with symbolic links resolved: a
// file reviewed through a link changed when its target did.
func canonical(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return file
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}
