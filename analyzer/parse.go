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
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

var sqlcName = regexp.MustCompile(`^name:\s*([A-Za-z_][A-Za-z0-9_]*)\b`)

// ParseSQL splits src into statements. Text outside the regions to keep
// (e.g. a migration's down part) must already be blanked by the caller
// with spaces so that line numbers stay those of the file.
func ParseSQL(file, src string, kind Kind) ([]*Statement, error) {
	lines := newLineIndex(src)
	tree, err := pg_query.Parse(src)
	if err != nil {
		var perr *parser.Error
		if errors.As(err, &perr) && perr.Cursorpos > 0 {
			line, col := lines.position(perr.Cursorpos - 1)
			return nil, &ParseError{File: file, Line: line, Column: col, Message: perr.Message}
		}
		return nil, &ParseError{File: file, Line: 1, Column: 1, Message: err.Error()}
	}
	var stmts []*Statement
	for _, raw := range tree.Stmts {
		start := int(raw.StmtLocation)
		end := len(src)
		if raw.StmtLen > 0 {
			end = start + int(raw.StmtLen)
		}
		comments, bodyStart := leadingComments(src, start, end, lines)
		body := strings.TrimRightFunc(src[bodyStart:end], isSpace)
		if body == "" {
			continue
		}
		fp, err := pg_query.Fingerprint(body)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: fingerprint: %w", file, lines.line(bodyStart), err)
		}
		st := &Statement{
			File:        file,
			Line:        lines.line(bodyStart),
			EndLine:     lines.line(bodyStart + len(body) - 1),
			Kind:        kind,
			Fingerprint: fp,
			SQL:         body,
			Params:      maxParam(raw.Stmt),
			Comments:    comments,
			Tree:        raw.Stmt,
		}
		for _, c := range comments {
			if m := sqlcName.FindStringSubmatch(c.Text); m != nil {
				st.Name = m[1]
			}
		}
		stmts = append(stmts, st)
	}
	return stmts, nil
}

// leadingComments skips the white space and comments pg_query counts as
// part of a statement and returns the "--" comments and where the
// statement's own text begins.
func leadingComments(src string, i, end int, lines lineIndex) ([]Comment, int) {
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
			comments = append(comments, Comment{Line: lines.line(i), Text: text})
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
