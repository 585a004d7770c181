package review

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/report"
)

// Explain reviews one query file (or "-", standard input) before it is
// deployed, on the schema and scale profile of the project under
// opts.Paths: the same seeded, cached database review uses, with the
// project's change applied. Only the query's findings count, and its
// statements are queries wherever the file lives.
func Explain(ctx context.Context, opts Options, query string, stdin io.Reader) (*report.Result, error) {
	stdinFile := ""
	if query == "-" {
		dir, err := os.MkdirTemp("", "qreview-explain-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		query = filepath.Join(dir, "stdin.sql")
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		if err := os.WriteFile(query, data, 0o644); err != nil {
			return nil, err
		}
		stdinFile = query
	}
	if info, err := os.Stat(query); err != nil || info.IsDir() {
		return nil, fmt.Errorf("explain %s: not a file", query)
	}
	opts.explain = query
	opts.Raw = true
	res, err := Run(ctx, opts)
	if err == nil && stdinFile != "" {
		named(res, stdinFile, "-")
	}
	return res, err
}

// named renames file in a result: standard input's temp file is "-".
func named(res *report.Result, file, name string) {
	for i := range res.Statements {
		if res.Statements[i].File == file {
			res.Statements[i].File = name
		}
	}
	for i := range res.Findings {
		if res.Findings[i].File == file {
			res.Findings[i].File = name
		}
	}
}

// loadSource finds and parses the SQL under paths; a query file being
// explained is read as queries, in place of whatever the project holds
// from it.
func loadSource(paths []string, filter analyzer.Filter, query string) (*analyzer.Source, error) {
	src, err := analyzer.LoadFiltered(paths, filter)
	if err != nil || query == "" {
		return src, err
	}
	data, err := os.ReadFile(query)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	stmts, err := analyzer.ParseSQL(query, string(data), analyzer.KindQuery)
	if err != nil {
		return nil, err
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("explain %s: no SQL statement in it", query)
	}
	self := canonical(query)
	var queries []*analyzer.Statement
	for _, st := range src.Queries {
		if canonical(st.File) != self {
			queries = append(queries, st)
		}
	}
	for _, m := range src.Migrations {
		var kept []*analyzer.Statement
		for _, st := range m.Statements {
			if canonical(st.File) != self {
				kept = append(kept, st)
			}
		}
		m.Statements = kept
	}
	src.Queries = append(queries, stmts...)
	for i, st := range src.Statements() {
		st.ID = fmt.Sprintf("S%d", i+1)
	}
	return src, nil
}
