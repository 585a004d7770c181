package analyzer

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
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
	files, err := sqlFiles(paths)
	if err != nil {
		return nil, err
	}
	src := &Source{}
	downs := map[string]string{} // version → down file, golang-migrate and Flyway
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
		stmts, err := ParseSQL(file, kept, role.kind)
		if err != nil {
			return nil, err
		}
		if role.kind == KindQuery {
			src.Queries = append(src.Queries, stmts...)
			continue
		}
		m := &Migration{File: file, Version: role.version, Format: role.format, Statements: stmts}
		if hasDown {
			m.Rollback = file
		}
		for _, st := range stmts {
			st.Migration = m
		}
		src.Migrations = append(src.Migrations, m)
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
func sqlFiles(paths []string) ([]string, error) {
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
				files = append(files, path)
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
