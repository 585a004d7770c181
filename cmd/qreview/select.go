package main

import "github.com/qreview/qreview/analyzer"

// reviewedStatements are the statements whose findings count: all of
// them. Every migration is applied to build the schema whatever is
// reviewed.
func reviewedStatements(src *analyzer.Source, f *reviewFlags) ([]*analyzer.Statement, error) {
	return src.Statements(), nil
}
