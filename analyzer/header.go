package analyzer

import (
	"regexp"
	"strings"
)

// Query files that name their queries in a header comment:
//
//	-- name: GetAuthor :one          sqlc (the :kind says what it returns)
//	-- name: get-author              yesql, goyesql, dotsql (no :kind)
//	-- :name get-author :? :1        HugSQL
//	/* @name getAuthor */             pgtyped (see pgtyped.go)
//
// Each header starts a query, whether or not a semicolon ends the one
// before: these tools split their files at headers, line by line.

// Header is the comment that names a query.
type Header struct {
	Line    int    // the header's line in the file
	Name    string // GetAuthor, get-author
	Style   string // HeaderSqlc, HeaderYesql or HeaderHugSQL
	Command string // sqlc's ":one", HugSQL's ":? :1"; "" for yesql

	// pgtyped's "@param name -> …" expansions, in declared order, and
	// what is wrong with them, if anything.
	expansions map[string]expansion
	order      []string
	problem    string
}

const (
	HeaderSqlc   = "sqlc"
	HeaderYesql  = "yesql" // yesql, goyesql, dotsql
	HeaderHugSQL = "hugsql"
)

var (
	nameHeader   = regexp.MustCompile(`^\s*(?:--\s*|/\*\s*)name:\s*(\S+)(?:\s+(:[A-Za-z]+))?`)
	hugsqlHeader = regexp.MustCompile(`^\s*--\s*:name\s+(\S+)(.*)$`)
	// sqlc's query commands: the kind after the name.
	sqlcCommands = map[string]bool{":one": true, ":many": true, ":exec": true, ":execrows": true,
		":execresult": true, ":execlastid": true, ":copyfrom": true, ":batchexec": true,
		":batchmany": true, ":batchone": true}
)

// readHeader reads a header line.
func readHeader(line string, number int) (*Header, bool) {
	if m := hugsqlHeader.FindStringSubmatch(line); m != nil {
		return &Header{Line: number, Name: m[1], Style: HeaderHugSQL, Command: strings.TrimSpace(m[2])}, true
	}
	m := nameHeader.FindStringSubmatch(line)
	if m == nil {
		return nil, false
	}
	name := strings.TrimSuffix(m[1], "*/")
	if sqlcCommands[strings.ToLower(m[2])] {
		return &Header{Line: number, Name: name, Style: HeaderSqlc, Command: m[2]}, true
	}
	return &Header{Line: number, Name: name, Style: HeaderYesql}, true
}

// chunk is a span of a query file holding one named query (or, before
// the first header or in a file without headers, plain statements).
type chunk struct {
	start, end int
	header     *Header
}

// splitAtHeaders cuts a query file at each header line. The "--" comment
// lines directly above a header (no blank line between) go with it: they
// are the query's directives ("-- qreview:ignore …") and doc.
func splitAtHeaders(src string) []chunk {
	var chunks []chunk
	cur := chunk{}
	lineStart, number := 0, 1
	commentRun := -1 // where the run of comment lines just above starts
	for lineStart <= len(src) {
		eol := lineEnd(src, lineStart)
		line := src[lineStart:eol]
		h, ok := readHeader(line, number)
		next, nextNumber := eol+1, number+1
		if indent := len(line) - len(strings.TrimLeft(line, " \t")); !ok && strings.HasPrefix(line[indent:], "/*") {
			// A block comment may be a pgtyped header over several lines;
			// the scan goes on after the line it ends on.
			end := skipBlockComment(src, lineStart+indent)
			if h, ok = readPgTypedHeader(src[lineStart+indent:end], number); ok {
				next = lineEnd(src, end-1) + 1
				nextNumber = number + strings.Count(src[lineStart:min(next, len(src))], "\n")
			}
		}
		if ok {
			cut := lineStart
			if commentRun >= 0 {
				cut = commentRun
			}
			if cut > cur.start || cur.header != nil {
				cur.end = cut
				chunks = append(chunks, cur)
			}
			cur = chunk{start: cut, header: h}
			commentRun = -1
		} else if strings.HasPrefix(strings.TrimSpace(line), "--") {
			if commentRun < 0 {
				commentRun = lineStart
			}
		} else {
			commentRun = -1
		}
		lineStart, number = next, nextNumber
	}
	cur.end = len(src)
	return append(chunks, cur)
}
