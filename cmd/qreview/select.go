package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/internal/gitdiff"
)

// reviewedStatements are the statements whose findings count: all of
// them, or with --base only those in files changed since the merge base
// with that revision. Every migration is applied to build the schema
// whatever is reviewed.
func reviewedStatements(src *analyzer.Source, f *reviewFlags) ([]*analyzer.Statement, error) {
	all := src.Statements()
	if f.base == "" || len(all) == 0 {
		return all, nil
	}
	// The repository is the one holding the reviewed files, wherever
	// qreview runs from.
	changed, err := gitdiff.Changed(context.Background(), filepath.Dir(all[0].File), f.base)
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	isChanged := map[string]bool{}
	for _, file := range changed {
		isChanged[canonical(file)] = true
	}
	var reviewed []*analyzer.Statement
	for _, st := range all {
		if isChanged[canonical(st.File)] {
			reviewed = append(reviewed, st)
		}
	}
	return reviewed, nil
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
