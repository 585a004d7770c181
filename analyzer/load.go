package analyzer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Source is everything found under the reviewed paths.
type Source struct {
	Migrations []*Migration // in apply order
	Queries    []*Statement // in file order
}

// Statements lists migration statements in apply order, then queries,
// numbered S1, S2, … in that order.
func (s *Source) Statements() []*Statement {
	var all []*Statement
	for _, m := range s.Migrations {
		all = append(all, m.Statements...)
	}
	return append(all, s.Queries...)
}

// Load reads the .sql files named by paths (files or directories, walked
// recursively; hidden directories are skipped) and parses them.
func Load(paths []string) (*Source, error) {
	return LoadFiltered(paths, Filter{})
}

// Filter narrows the files found under a reviewed directory by globs on
// their path relative to it ("db/migrations/**", "**/testdata/**"): a file
// is read when it matches an Include (or there are none) and no Exclude.
// Files named directly are always read.
type Filter struct {
	Include, Exclude []string
	// Templates are placeholders the application fills in before it runs
	// a query or a migration (listmonk's %order%, fmt's %s, river's
	// /* TEMPLATE: schema */), with the SQL that stands in for them in
	// review (config templates:).
	Templates map[string]string
}

func (f Filter) keep(rel string) bool {
	rel = filepath.ToSlash(rel)
	for _, pattern := range f.Exclude {
		if ok, _ := doublestar.Match(pattern, rel); ok {
			return false
		}
	}
	for _, pattern := range f.Include {
		if ok, _ := doublestar.Match(pattern, rel); ok {
			return true
		}
	}
	return len(f.Include) == 0
}

// Check reports a malformed glob.
func (f Filter) Check() error {
	for _, pattern := range append(append([]string{}, f.Include...), f.Exclude...) {
		if !doublestar.ValidatePattern(pattern) {
			return fmt.Errorf("bad glob %q", pattern)
		}
	}
	return nil
}

// LoadFiltered is Load with a Filter on the files found in directories.
func LoadFiltered(paths []string, filter Filter) (*Source, error) {
	files, err := sqlFiles(paths, filter)
	if err != nil {
		return nil, err
	}
	src := &Source{}
	downs := map[string]string{} // version → down file, golang-migrate and Flyway
	var parseErrs []error
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		text := string(data)
		role := classify(file, text)
		if role.down {
			downs[filepath.Dir(file)+"\x00"+role.version] = file
			continue
		}
		kept, hasDown := text, false
		if role.up != nil {
			kept, hasDown = role.up(text)
		}
		kept = fillTemplates(kept, filter.Templates)
		var stmts []*Statement
		onErrorStop := false
		if role.kind == KindMigration {
			stmts, onErrorStop, err = parseMigration(file, kept)
		} else {
			stmts, err = ParseSQL(file, kept, role.kind)
		}
		var perr *ParseError
		if errors.As(err, &perr) {
			// Every file's bad SQL is reported at once, not the first only.
			parseErrs = append(parseErrs, err)
			continue
		}
		if err != nil {
			return nil, err
		}
		if role.kind == KindQuery {
			src.Queries = append(src.Queries, stmts...)
			continue
		}
		m := &Migration{File: file, Version: role.version, Format: role.format, Statements: stmts, NoTransaction: role.noTx, OnErrorStop: onErrorStop}
		if hasDown {
			m.Rollback = file
		}
		for _, st := range stmts {
			st.Migration = m
		}
		src.Migrations = append(src.Migrations, m)
	}
	if len(parseErrs) > 0 {
		return nil, errors.Join(parseErrs...)
	}
	for _, m := range src.Migrations {
		if down, ok := downs[filepath.Dir(m.File)+"\x00"+m.Version]; ok {
			m.Rollback = down
		}
	}
	sort.SliceStable(src.Migrations, func(i, j int) bool {
		a, b := src.Migrations[i], src.Migrations[j]
		if a.Version != b.Version {
			return versionLess(a.Version, b.Version)
		}
		return a.File < b.File
	})
	for i, st := range src.Statements() {
		st.ID = fmt.Sprintf("S%d", i+1)
	}
	return src, nil
}

// sqlFiles expands paths to .sql files in a stable order. Symbolic links
// to files are followed, so an example can share files with another.
func sqlFiles(paths []string, filter Filter) ([]string, error) {
	var files []string
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("review path: %w", err)
		}
		if !info.IsDir() {
			files = append(files, filepath.Clean(root))
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".sql") {
				if rel, err := filepath.Rel(root, path); err == nil && filter.keep(rel) {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", root, err)
		}
	}
	sort.Strings(files)
	return dedupe(files), nil
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, f := range sorted {
		if i == 0 || f != sorted[i-1] {
			out = append(out, f)
		}
	}
	return out
}

// fillTemplates replaces each placeholder with its stand-in, longest
// placeholder first so that one never splits another.
func fillTemplates(sql string, templates map[string]string) string {
	if len(templates) == 0 {
		return sql
	}
	keys := make([]string, 0, len(templates))
	for k := range templates {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return len(keys[i]) > len(keys[j]) || (len(keys[i]) == len(keys[j]) && keys[i] < keys[j])
	})
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, k, templates[k])
	}
	return strings.NewReplacer(pairs...).Replace(sql)
}
