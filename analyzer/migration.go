package analyzer

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Format is the migration tool whose file conventions a file follows.
type Format string

const (
	FormatGolangMigrate Format = "golang-migrate"
	FormatGoose         Format = "goose"
	FormatDbmate        Format = "dbmate"
	FormatFlyway        Format = "flyway"
	FormatPlain         Format = "plain"
)

// Migration is one migration file's up part, the statements that are
// applied to build the schema.
type Migration struct {
	File       string
	Version    string
	Format     Format
	Statements []*Statement
	// Rollback names the down/undo counterpart: a file, or File itself
	// when the down part sits in the same file. Empty when there is none.
	Rollback string
}

var (
	golangMigrateName = regexp.MustCompile(`^(\d+)_.+\.(up|down)\.sql$`)
	flywayName        = regexp.MustCompile(`^([VU])(\d+(?:[._]\d+)*)__.+\.sql$`)
	flywayRepeatable  = regexp.MustCompile(`^R__.+\.sql$`)
	leadingVersion    = regexp.MustCompile(`^(\d+)`)
	gooseMarker       = regexp.MustCompile(`(?m)^\s*--\s*\+goose\s+(Up|Down)\b`)
	dbmateMarker      = regexp.MustCompile(`(?m)^\s*--\s*migrate:(up|down)\b`)
)

// migrationDirs are directory names whose plain .sql files are taken as
// ordered migrations rather than queries.
var migrationDirs = map[string]bool{"migrations": true, "migration": true, "migrate": true, "schema": true}

// fileRole says what a .sql file is and, for a migration, which part of
// it to apply.
type fileRole struct {
	kind    Kind
	format  Format
	version string
	down    bool // a golang-migrate .down.sql or Flyway U file: a rollback, never applied
	up      func(src string) (kept string, hasDown bool)
}

func classify(path, src string) fileRole {
	base := filepath.Base(path)
	if m := golangMigrateName.FindStringSubmatch(base); m != nil {
		return fileRole{kind: KindMigration, format: FormatGolangMigrate, version: m[1], down: m[2] == "down", up: whole}
	}
	if m := flywayName.FindStringSubmatch(base); m != nil {
		return fileRole{kind: KindMigration, format: FormatFlyway, version: m[2], down: m[1] == "U", up: whole}
	}
	if flywayRepeatable.MatchString(base) {
		// Flyway applies repeatable migrations after all versioned ones.
		return fileRole{kind: KindMigration, format: FormatFlyway, version: "\uffff" + base, up: whole}
	}
	version := leadingVersion.FindString(base)
	if gooseMarker.MatchString(src) {
		return fileRole{kind: KindMigration, format: FormatGoose, version: version, up: sections(gooseMarker, "Up")}
	}
	if dbmateMarker.MatchString(src) {
		return fileRole{kind: KindMigration, format: FormatDbmate, version: version, up: sections(dbmateMarker, "up")}
	}
	if migrationDirs[strings.ToLower(filepath.Base(filepath.Dir(path)))] {
		return fileRole{kind: KindMigration, format: FormatPlain, version: version, up: whole}
	}
	return fileRole{kind: KindQuery}
}

func whole(src string) (string, bool) { return src, false }

// sections keeps the text under the "up" markers and blanks the rest,
// newlines kept, so that parser positions are still file positions.
// Text before the first marker is not applied by goose or dbmate either.
func sections(marker *regexp.Regexp, up string) func(string) (string, bool) {
	return func(src string) (string, bool) {
		out := []byte(blank(src))
		hasDown := false
		marks := marker.FindAllStringSubmatchIndex(src, -1)
		for i, m := range marks {
			// The section starts after the marker's line: the rest of that
			// line holds options ("-- migrate:up transaction:false").
			start := len(src)
			if eol := strings.IndexByte(src[m[1]:], '\n'); eol >= 0 {
				start = m[1] + eol
			}
			end := len(src)
			if i+1 < len(marks) {
				end = marks[i+1][0]
			}
			start = min(start, end)
			if src[m[2]:m[3]] == up {
				copy(out[start:end], src[start:end])
			} else if strings.TrimSpace(stripComments(src[start:end])) != "" {
				hasDown = true
			}
		}
		return string(out), hasDown
	}
}

func blank(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// versionLess orders migration versions the way the tools do: numerically
// part by part ("1.10" after "1.9", "20240101" after "9"), then by text.
func versionLess(a, b string) bool {
	pa, pb := strings.FieldsFunc(a, isVersionSep), strings.FieldsFunc(b, isVersionSep)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.ParseUint(pa[i], 10, 64)
		nb, eb := strconv.ParseUint(pb[i], 10, 64)
		switch {
		case ea == nil && eb == nil && na != nb:
			return na < nb
		case (ea != nil || eb != nil) && pa[i] != pb[i]:
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func isVersionSep(r rune) bool { return r == '.' || r == '_' }
