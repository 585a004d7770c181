package analyzer

import (
	"fmt"
	"strconv"
	"strings"
)

// sqlc's query syntax, rewritten to plain PostgreSQL as sqlc itself does
// (its preprocessor, for the postgresql engine): @name, sqlc.arg(name)
// and sqlc.narg(name) become one $n per distinct name in order of first
// use, numbers the statement already uses ($1) kept and skipped;
// sqlc.slice(name) is one array parameter, and "IN (sqlc.slice(name))"
// (sqlc's MySQL/SQLite form) becomes "= ANY($n)"; sqlc.embed(t) is t.*.
// pgx's named arguments (@name) read the same way. Nothing inside a
// string, quoted identifier, comment or dollar-quoted body is touched,
// nor an operator that contains @ (@>, <@, @@, @ -5).

// edit is one rewritten span, in the original and the rewritten text.
type edit struct {
	oldStart, oldEnd int
	newStart, newEnd int
}

// offsetMap maps offsets in a rewritten text back to the original.
type offsetMap []edit

// origin is where offset lies in the original text: an offset inside a
// replacement maps to the start of what it replaced.
func (m offsetMap) origin(offset int) int {
	delta := 0
	for _, e := range m {
		if offset < e.newStart {
			break
		}
		if offset < e.newEnd {
			return e.oldStart
		}
		delta += (e.oldEnd - e.oldStart) - (e.newEnd - e.newStart)
	}
	return offset + delta
}

type macroKind int

const (
	macroArg macroKind = iota
	macroNarg
	macroSlice
	macroEmbed
	macroNative // a $n the user wrote
)

// macro is one piece of sqlc syntax (or native $n) found in a statement.
type macro struct {
	kind       macroKind
	start, end int    // the span it replaces, in the statement
	name       string // parameter name, or the embedded table
	number     int
	inList     bool // sqlc.slice as the whole of an IN list: "= ANY($n)"
	notIn      bool // … of a NOT IN list: "<> ALL($n)"
}

// MacroError is sqlc syntax that cannot be read (an unknown sqlc.*
// function, a wrong argument); Offset is in the translated statement.
type MacroError struct {
	Offset  int
	Message string
}

func (e *MacroError) Error() string { return e.Message }

// translated is one statement rewritten to plain PostgreSQL.
type translated struct {
	sql   string
	names []string // index n-1: the name of $n, "" when written as $n
	edits offsetMap
}

// translateNamed rewrites the sqlc syntax of one statement (no top-level
// semicolon inside) and names its parameters.
func translateNamed(src string) (translated, error) {
	macros, err := findMacros(src)
	if err != nil || len(macros) == 0 {
		return translated{sql: src}, err
	}
	names := numberMacros(macros)
	var b strings.Builder
	var edits offsetMap
	prev := 0
	for _, m := range macros {
		b.WriteString(src[prev:m.start])
		newStart := b.Len()
		var repl string
		switch {
		case m.kind == macroNative:
			repl = src[m.start:m.end]
		case m.kind == macroEmbed:
			repl = m.name + ".*"
		case m.inList && m.notIn:
			repl = "<> ALL($" + strconv.Itoa(m.number) + ")"
		case m.inList:
			repl = "= ANY($" + strconv.Itoa(m.number) + ")"
		default:
			repl = "$" + strconv.Itoa(m.number)
		}
		b.WriteString(repl)
		if repl != src[m.start:m.end] {
			edits = append(edits, edit{oldStart: m.start, oldEnd: m.end, newStart: newStart, newEnd: b.Len()})
		}
		prev = m.end
	}
	b.WriteString(src[prev:])
	return translated{sql: b.String(), names: names, edits: edits}, nil
}

// findMacros lists the sqlc syntax and the $n of src in source order.
func findMacros(src string) ([]macro, error) {
	var out []macro
	for i := 0; i < len(src); {
		if stop := skipRegion(src, i); stop >= 0 {
			i = stop
			continue
		}
		c := src[i]
		switch {
		case isIdentStart(c):
			j := identEnd(src, i)
			if strings.EqualFold(src[i:j], "sqlc") && !isQualified(src, i) {
				m, next, err := sqlcCall(src, i, j)
				if err != nil {
					return nil, err
				}
				if next > 0 {
					out = append(out, m)
					i = next
					continue
				}
			}
			i = j
		case c == '@' && isIdentStart(at(src, i+1)) && !isOperatorChar(at(src, i-1)):
			j := identEnd(src, i+1)
			out = append(out, macro{kind: macroArg, start: i, end: j, name: src[i+1 : j]})
			i = j
		case c == '$' && isDigit(at(src, i+1)) && !isIdentPart(at(src, i-1)):
			j := i + 1
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			n, _ := strconv.Atoi(src[i+1 : j])
			out = append(out, macro{kind: macroNative, start: i, end: j, number: n})
			i = j
		case isDigit(c):
			// A number, so that "1e5" or "0x1F" is not read as an identifier.
			for i < len(src) && (isIdentPart(src[i]) || src[i] == '.') {
				i++
			}
		default:
			i++
		}
	}
	return out, nil
}

// isOperatorChar: an @ right after one of these is part of an operator
// ("<@", "@@", "^@"…), not a parameter; after "=", "(" or "," it is one
// ("id=@id").
func isOperatorChar(c byte) bool {
	return c != 0 && strings.IndexByte("@<^&|#~?!`", c) >= 0
}

// withoutComments drops the comments of a macro's argument.
func withoutComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], "--") || strings.HasPrefix(s[i:], "/*") {
			i = skipRegion(s, i) - 1
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isQualified: the identifier at i follows a dot ("x.sqlc"), so it is not
// sqlc's own namespace.
func isQualified(src string, i int) bool {
	return at(src, i-1) == '.'
}

// sqlcCall reads "sqlc.fn(arg)" starting at start, afterSqlc being just
// past "sqlc". next is 0 when the text is not a call at all.
func sqlcCall(src string, start, afterSqlc int) (m macro, next int, err error) {
	i := skipSpace(src, afterSqlc)
	if at(src, i) != '.' {
		return macro{}, 0, nil
	}
	i = skipSpace(src, i+1)
	if !isIdentStart(at(src, i)) {
		return macro{}, 0, nil
	}
	fnEnd := identEnd(src, i)
	fn := strings.ToLower(src[i:fnEnd])
	open := skipSpace(src, fnEnd)
	if at(src, open) != '(' {
		return macro{}, 0, nil
	}
	closing := matchParen(src, open)
	if closing < 0 {
		return macro{}, 0, nil
	}
	m = macro{start: start, end: closing + 1}
	switch fn {
	case "arg":
		m.kind = macroArg
	case "narg":
		m.kind = macroNarg
	case "slice":
		m.kind = macroSlice
	case "embed":
		m.kind = macroEmbed
	default:
		return macro{}, 0, &MacroError{Offset: start, Message: fmt.Sprintf("sqlc.%s: not a sqlc macro (sqlc.arg, sqlc.narg, sqlc.slice, sqlc.embed)", fn)}
	}
	arg := strings.TrimSpace(withoutComments(src[open+1 : closing]))
	name, ok := macroArgument(arg, m.kind == macroEmbed)
	if !ok {
		return macro{}, 0, &MacroError{Offset: start, Message: fmt.Sprintf("sqlc.%s(%s): write one name, e.g. sqlc.%s(id) or sqlc.%s('id')", fn, arg, fn, fn)}
	}
	m.name = name
	if m.kind == macroSlice {
		m.start, m.end, m.inList, m.notIn = sliceInList(src, m.start, m.end)
	}
	return m, closing + 1, nil
}

// macroArgument is the parameter name a macro's argument gives: a bare
// name is folded to lower case and a qualified one joined (a.b is ab), as
// sqlc does; 'name' and "name" are taken as written. An embed keeps the
// table reference as written.
func macroArgument(arg string, embed bool) (string, bool) {
	if arg == "" {
		return "", false
	}
	switch arg[0] {
	case '\'':
		s, ok := unquoteSQL(arg, '\'')
		return s, ok
	case '"':
		s, ok := unquoteSQL(arg, '"')
		if embed {
			return arg, ok
		}
		return s, ok
	}
	if !isIdentStart(arg[0]) {
		return "", false
	}
	for i := 0; i < len(arg); i++ {
		if !isIdentPart(arg[i]) && arg[i] != '.' {
			return "", false
		}
	}
	if embed {
		return arg, true
	}
	return strings.ToLower(strings.ReplaceAll(arg, ".", "")), true
}

func unquoteSQL(s string, quote byte) (string, bool) {
	if len(s) < 2 || s[0] != quote || s[len(s)-1] != quote {
		return "", false
	}
	inner := s[1 : len(s)-1]
	doubled := string([]byte{quote, quote})
	if strings.Count(inner, string(quote)) != 2*strings.Count(inner, doubled) {
		return "", false
	}
	return strings.ReplaceAll(inner, doubled, string(quote)), true
}

// sliceInList widens a sqlc.slice call that is the whole of an IN list,
// "[NOT] IN (sqlc.slice(ids))", to the span from IN to the closing
// parenthesis, which becomes "= ANY($n)" (or "<> ALL($n)"): sqlc's MySQL
// and SQLite form, planned as its PostgreSQL one.
func sliceInList(src string, start, end int) (from, to int, inList, notIn bool) {
	open := lastCode(src, start)
	if open < 0 || src[open] != '(' {
		return start, end, false, false
	}
	close := skipSpace(src, end)
	if at(src, close) != ')' {
		return start, end, false, false
	}
	in := lastCode(src, open)
	if in < 1 || !strings.EqualFold(src[in-1:in+1], "in") || isIdentPart(at(src, in-2)) {
		return start, end, false, false
	}
	from = in - 1
	if not := lastCode(src, from); not >= 2 && strings.EqualFold(src[not-2:not+1], "not") && !isIdentPart(at(src, not-3)) {
		from, notIn = not-2, true
	}
	return from, close + 1, true, notIn
}

// lastCode is the offset of the last non-space character before i, or
// -1. Comments are not skipped: "IN /* x */ (" is left as written.
func lastCode(src string, i int) int {
	for i--; i >= 0 && isSpace(rune(src[i])); i-- {
	}
	return i
}

// numberMacros gives each macro its $n and returns the name of each
// number: the numbers written as $n are kept, and each distinct name
// takes the lowest free number in order of first use.
func numberMacros(macros []macro) []string {
	used := map[int]bool{}
	highest := 0
	for _, m := range macros {
		if m.kind == macroNative {
			used[m.number] = true
			highest = max(highest, m.number)
		}
	}
	byName := map[string]int{}
	next := 1
	for i := range macros {
		m := &macros[i]
		if m.kind == macroNative || m.kind == macroEmbed {
			continue
		}
		if n, ok := byName[m.name]; ok {
			m.number = n
			continue
		}
		for used[next] {
			next++
		}
		m.number, used[next] = next, true
		byName[m.name] = next
		highest = max(highest, next)
	}
	if len(byName) == 0 {
		return nil
	}
	names := make([]string, highest)
	for name, n := range byName {
		names[n-1] = name
	}
	return names
}
