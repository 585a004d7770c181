package analyzer

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/pganalyze/pg_query_go/v5/parser"
)

// ParseError is SQL the parser rejects, located in its file.
type ParseError struct {
	File         string
	Line, Column int
	Message      string
	Query        string // the named query it lies in, if any
}

func (e *ParseError) Error() string {
	if e.Query != "" {
		return fmt.Sprintf("%s:%d:%d: %s (in query %s)", e.File, e.Line, e.Column, e.Message, e.Query)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

var commentName = regexp.MustCompile(`^name:\s*([A-Za-z_][A-Za-z0-9_]*)\b`)

// ParseSQL splits src into statements. Text outside the regions to keep
// (e.g. a migration's down part) must already be blanked by the caller
// with spaces so that line numbers stay those of the file.
//
// A query file is cut at its "-- name:" (or pgtyped "/* @name */")
// headers first (see header.go), each named query parsed on its own: a
// missing semicolon or bad SQL in one does not reach the next, and every
// bad query is reported. Its sqlc or pgtyped syntax is translated to $n
// first (see named.go, pgtyped.go). A migration is read as psql reads a
// script (see psql.go). Lines and columns stay those of the file.
func ParseSQL(file, src string, kind Kind) ([]*Statement, error) {
	lines := newLineIndex(src)
	if kind == KindMigration {
		stmts, _, err := parseMigration(file, src)
		return stmts, err
	}
	if kind != KindQuery {
		return parseChunk(file, src, lines, chunk{start: 0, end: len(src)}, kind)
	}
	var stmts []*Statement
	var errs []error
	for _, c := range splitAtHeaders(src) {
		got, err := parseChunk(file, src, lines, c, kind)
		if err != nil {
			errs = append(errs, err)
		}
		stmts = append(stmts, got...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return stmts, nil
}

// parseMigration parses a migration's text as psql runs it (see
// psql.go): meta-command lines skipped, each COPY … FROM stdin given its
// inline rows. onErrorStop: the script sets psql's ON_ERROR_STOP.
func parseMigration(file, src string) (stmts []*Statement, onErrorStop bool, err error) {
	lines := newLineIndex(src)
	script, serr := readPsqlScript(src)
	if serr != nil {
		line, col := lines.position(serr.Offset)
		return nil, false, &ParseError{File: file, Line: line, Column: col, Message: serr.Message}
	}
	stmts, err = parseChunk(file, script.sql, lines, chunk{start: 0, end: len(src)}, KindMigration)
	if err != nil {
		return nil, false, err
	}
	for _, c := range script.copies {
		semicolonLine := lines.line(c.stmtEnd - 1)
		for _, st := range stmts {
			if st.CopyData == nil && st.EndLine == semicolonLine && st.Tree.GetCopyStmt() != nil {
				st.CopyData = &CopyData{Rows: c.rows, Line: lines.line(c.dataStart), EndLine: lines.line(max(c.dataStart, c.dataEnd-1))}
				break
			}
		}
	}
	return stmts, script.onErrorStop, nil
}

// piece is one statement of a chunk once translated, with the names of
// its parameters.
type piece struct {
	end   int // where it ends in the translated chunk
	names []string
}

// translateChunk rewrites the sqlc syntax of each statement of text
// (split at top-level semicolons: sqlc numbers each statement's
// parameters from $1).
// A pgtyped query's :name parameters are rewritten instead (pgtyped.go).
func translateChunk(text string, h *Header) (string, offsetMap, []piece, *MacroError) {
	var b strings.Builder
	var edits offsetMap
	var pieces []piece
	for _, span := range splitStatements(text) {
		var tr translated
		var err error
		if h != nil && h.Style == HeaderPgTyped {
			tr = translatePgTyped(text[span[0]:span[1]], h)
		} else {
			tr, err = translateNamed(text[span[0]:span[1]])
		}
		var me *MacroError
		if errors.As(err, &me) {
			return "", nil, nil, &MacroError{Offset: span[0] + me.Offset, Message: me.Message}
		}
		base := b.Len()
		for _, e := range tr.edits {
			edits = append(edits, edit{oldStart: span[0] + e.oldStart, oldEnd: span[0] + e.oldEnd,
				newStart: base + e.newStart, newEnd: base + e.newEnd})
		}
		b.WriteString(tr.sql)
		pieces = append(pieces, piece{end: b.Len(), names: tr.names})
	}
	return b.String(), edits, pieces, nil
}

// parseChunk parses the statements of src[c.start:c.end].
func parseChunk(file, src string, lines lineIndex, c chunk, kind Kind) ([]*Statement, error) {
	text := src[c.start:c.end]
	planned, edits, pieces := text, offsetMap(nil), []piece(nil)
	queryName := ""
	if c.header != nil {
		queryName = c.header.Name
	}
	if c.header != nil && c.header.problem != "" {
		return nil, &ParseError{File: file, Line: c.header.Line, Column: 1, Message: c.header.problem, Query: queryName}
	}
	if kind == KindQuery {
		var merr *MacroError
		if planned, edits, pieces, merr = translateChunk(text, c.header); merr != nil {
			line, col := lines.position(c.start + merr.Offset)
			return nil, &ParseError{File: file, Line: line, Column: col, Message: merr.Message, Query: queryName}
		}
	}
	// The parser reads no further than a NUL byte; neither do we.
	if nul := strings.IndexByte(planned, 0); nul >= 0 {
		planned = planned[:nul]
	}
	// origin maps an offset in planned to one in the file.
	origin := func(offset int) int { return c.start + edits.origin(offset) }
	tree, err := pg_query.Parse(planned)
	if err != nil {
		var perr *parser.Error
		if errors.As(err, &perr) && perr.Cursorpos > 0 {
			at := origin(min(int(perr.Cursorpos)-1, len(planned)))
			line, col := lines.position(at)
			return nil, &ParseError{File: file, Line: line, Column: col, Message: perr.Message + templateHint(src[at:]), Query: queryName}
		}
		line, col := lines.position(c.start)
		return nil, &ParseError{File: file, Line: line, Column: col, Message: err.Error(), Query: queryName}
	}
	var stmts []*Statement
	for _, raw := range tree.Stmts {
		start := int(raw.StmtLocation)
		end := len(planned)
		if raw.StmtLen > 0 {
			end = start + int(raw.StmtLen)
		}
		comments, bodyStart := leadingComments(planned, start, end, func(o int) int { return lines.line(origin(o)) })
		bodyEnd := bodyStart + codeEnd(planned[bodyStart:end])
		body := planned[bodyStart:bodyEnd]
		if strings.TrimSpace(body) == "" {
			continue
		}
		fp, err := pg_query.Fingerprint(body)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: fingerprint: %w", file, lines.line(origin(bodyStart)), err)
		}
		from, to := origin(bodyStart), origin(bodyEnd)
		st := &Statement{
			File:        file,
			Line:        lines.line(from),
			EndLine:     lines.line(max(from, to-1)),
			Kind:        kind,
			Fingerprint: fp,
			SQL:         body,
			Text:        src[from:to],
			Params:      maxParam(raw.Stmt),
			Comments:    comments,
			Tree:        raw.Stmt,
		}
		// A sqlc or pgtyped header names the one statement it stands above;
		// yesql and HugSQL run all the text under a header as the named query.
		if c.header != nil && (len(stmts) == 0 || (c.header.Style != HeaderSqlc && c.header.Style != HeaderPgTyped)) {
			st.Header, st.Name = c.header, c.header.Name
		}
		st.ParamNames = paramNames(pieces, bodyStart, st.Params)
		if c.header == nil {
			for _, cm := range comments {
				if m := commentName.FindStringSubmatch(cm.Text); m != nil {
					st.Name = m[1]
				}
			}
		}
		stmts = append(stmts, st)
	}
	return stmts, nil
}

// paramNames are the names of $1…$params for the statement at offset
// (nil when none is named).
func paramNames(pieces []piece, offset, params int) []string {
	for _, p := range pieces {
		if offset >= p.end {
			continue
		}
		if len(p.names) == 0 {
			return nil
		}
		names := make([]string, params)
		copy(names, p.names)
		return names
	}
	return nil
}

// leadingComments skips the white space and comments pg_query counts as
// part of a statement and returns the "--" comments and where the
// statement's own text begins.
func leadingComments(src string, i, end int, lineOf func(int) int) ([]Comment, int) {
	var comments []Comment
	for i < end {
		switch {
		case isSpace(rune(src[i])):
			i++
		case strings.HasPrefix(src[i:end], "--"):
			eol := strings.IndexByte(src[i:end], '\n')
			if eol < 0 {
				eol = end - i
			}
			text := strings.TrimSpace(strings.TrimPrefix(src[i:i+eol], "--"))
			comments = append(comments, Comment{Line: lineOf(i), Text: text})
			i += eol
		case strings.HasPrefix(src[i:end], "/*"):
			close := strings.Index(src[i+2:end], "*/")
			if close < 0 {
				return comments, i
			}
			i += close + 4
		default:
			return comments, i
		}
	}
	return comments, i
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
}

// lineIndex maps byte offsets to 1-based lines and columns.
type lineIndex []int // offsets at which each line starts

func newLineIndex(src string) lineIndex {
	idx := lineIndex{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

func (l lineIndex) line(offset int) int {
	return sort.Search(len(l), func(i int) bool { return l[i] > offset })
}

func (l lineIndex) position(offset int) (line, col int) {
	line = l.line(offset)
	return line, offset - l[line-1] + 1
}

// templatePlaceholder is text an application fills in before it runs the
// query (Go's fmt verbs, listmonk's %query%, text/template's {{…}}).
var templatePlaceholder = regexp.MustCompile(`^(%[A-Za-z_][A-Za-z0-9_]*%|%[sdvq]\b|\{\{[^}]*\}\})`)

// templateHint says why SQL with a template placeholder where the parser
// stopped cannot be read as written.
func templateHint(rest string) string {
	m := templatePlaceholder.FindString(rest)
	if m == "" {
		return ""
	}
	return fmt.Sprintf(": %s is a placeholder the application fills in, so the query cannot be planned as written; "+
		"give the SQL that stands in for it under templates: in .qreview.yaml (e.g. templates: {%q: \"id\"})", m, m)
}
