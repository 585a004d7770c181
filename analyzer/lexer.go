package analyzer

import "strings"

// The lexical rules of PostgreSQL that the query-file translation needs:
// just enough to walk SQL text without ever looking inside a string
// literal, a quoted identifier, a comment or a dollar-quoted body. It
// does not parse SQL; pg_query does that afterwards.

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || isDigit(c) || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func at(src string, i int) byte {
	if i < 0 || i >= len(src) {
		return 0
	}
	return src[i]
}

// skipRegion returns the offset just past the comment, string literal,
// quoted identifier or dollar-quoted string that starts at i, or -1 when
// none starts there. An unterminated one runs to the end of src.
func skipRegion(src string, i int) int {
	switch at(src, i) {
	case '\'':
		return skipQuoted(src, i, '\'', isEscapeString(src, i))
	case '"':
		return skipQuoted(src, i, '"', false)
	case '-':
		if at(src, i+1) == '-' {
			return skipLine(src, i)
		}
	case '/':
		if at(src, i+1) == '*' {
			return skipBlockComment(src, i)
		}
	case '$':
		if tag := dollarTag(src, i); tag != "" {
			if end := strings.Index(src[i+len(tag):], tag); end >= 0 {
				return i + len(tag) + end + len(tag)
			}
			return len(src)
		}
	}
	return -1
}

// isEscapeString: the literal at i is E'…', where a backslash escapes.
func isEscapeString(src string, i int) bool {
	c := at(src, i-1)
	return (c == 'e' || c == 'E') && !isIdentPart(at(src, i-2))
}

func skipQuoted(src string, i int, quote byte, backslash bool) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			if backslash {
				j++
			}
		case quote:
			if at(src, j+1) == quote { // a doubled quote is a quote
				j++
				continue
			}
			return j + 1
		}
	}
	return len(src)
}

// skipLine returns the offset of the newline that ends the line comment
// at i (the newline is not part of it), or len(src).
func skipLine(src string, i int) int {
	if n := strings.IndexByte(src[i:], '\n'); n >= 0 {
		return i + n
	}
	return len(src)
}

// skipBlockComment: PostgreSQL's block comments nest.
func skipBlockComment(src string, i int) int {
	depth := 0
	for j := i; j < len(src)-1; j++ {
		switch {
		case src[j] == '/' && src[j+1] == '*':
			depth++
			j++
		case src[j] == '*' && src[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(src)
}

// dollarTag is the "$$" or "$tag$" that opens a dollar-quoted string at
// i, or "" ($1 is a parameter, not a tag).
func dollarTag(src string, i int) string {
	if at(src, i) != '$' || isIdentPart(at(src, i-1)) {
		return ""
	}
	j := i + 1
	for ; j < len(src) && src[j] != '$'; j++ {
		if (j == i+1 && !isIdentStart(src[j])) || !isIdentPart(src[j]) {
			return ""
		}
	}
	if j >= len(src) {
		return ""
	}
	return src[i : j+1]
}

func identEnd(src string, i int) int {
	for i < len(src) && isIdentPart(src[i]) {
		i++
	}
	return i
}

// skipSpace advances past white space and comments.
func skipSpace(src string, i int) int {
	for i < len(src) {
		switch {
		case isSpace(rune(src[i])):
			i++
		case strings.HasPrefix(src[i:], "--"):
			i = skipLine(src, i)
		case strings.HasPrefix(src[i:], "/*"):
			i = skipBlockComment(src, i)
		default:
			return i
		}
	}
	return i
}

// matchParen returns the offset of the ")" closing the "(" at i, or -1.
func matchParen(src string, i int) int {
	depth := 0
	for j := i; j < len(src); j++ {
		if end := skipRegion(src, j); end >= 0 {
			j = end - 1
			continue
		}
		switch src[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// splitStatements splits src at top-level semicolons into spans that
// cover it whole; each span but the last ends just past its semicolon.
func splitStatements(src string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(src); i++ {
		if end := skipRegion(src, i); end >= 0 {
			i = end - 1
			continue
		}
		if src[i] == ';' {
			out = append(out, [2]int{start, i + 1})
			start = i + 1
		}
	}
	if start < len(src) {
		out = append(out, [2]int{start, len(src)})
	}
	return out
}

// codeEnd is the offset just past the last character of src that is
// neither white space nor inside a comment: where a statement's text
// ends when comments trail it.
func codeEnd(src string) int {
	end := 0
	for i := 0; i < len(src); i++ {
		if strings.HasPrefix(src[i:], "--") || strings.HasPrefix(src[i:], "/*") {
			i = skipRegion(src, i) - 1
			continue
		}
		if stop := skipRegion(src, i); stop >= 0 {
			i, end = stop-1, stop
			continue
		}
		if !isSpace(rune(src[i])) {
			end = i + 1
		}
	}
	return end
}
