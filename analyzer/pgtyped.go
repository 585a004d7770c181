package analyzer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// pgtyped's query files (TypeScript projects): each query is named by a
// block comment above it, which may declare parameter expansions,
//
//	/*
//	  @name selectSomeUsers
//	  @param ages -> (...)              array spread: a list of values
//	  @param user -> (name, age!)       object pick: one row of values
//	  @param users -> ((name, age)...)  spread of picks: a list of rows
//	*/
//	SELECT * FROM users WHERE age IN :ages AND id = :id!;
//
// and its parameters are :name, or :name! for one that must not be null.
// They are rewritten as pgtyped's runtime does (its preprocessor-sql.ts):
// the declared parameters the query uses take $1, $2, … first, in the
// order they are declared, then the others in order of first use; a name
// used twice keeps its number. A pick takes one number per key. What
// pgtyped expands at run time to one $n per element is planned as one
// value: "IN :ages" becomes "= ANY($n)" ("NOT IN", "<> ALL($n)"), a spread
// elsewhere "($n)", a spread of picks one row "($n, $m)". "::" (a cast)
// and ":=" are not parameters, nor anything in a string, quoted
// identifier, comment or dollar-quoted body.

// HeaderPgTyped is pgtyped's "/* @name X */" header.
const HeaderPgTyped = "pgtyped"

type expansionKind int

const (
	expandSpread     expansionKind = iota + 1 // -> (...)
	expandPick                                // -> (a, b)
	expandSpreadPick                          // -> ((a, b)...)
)

// expansion is one "@param name -> …" of a pgtyped header.
type expansion struct {
	kind expansionKind
	keys []string // a pick's keys, "!" dropped
}

var (
	pgtypedName  = regexp.MustCompile(`@name\s+([A-Za-z_][A-Za-z0-9_]*)`)
	pgtypedParam = regexp.MustCompile(`@param\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:->\s*)?`)
	spreadRule   = regexp.MustCompile(`^\(\s*\.\.\.\s*\)`)
	spreadPick   = regexp.MustCompile(`^\(\s*\(([^()]*)\)\s*\.\.\.\s*\)`)
	pickRule     = regexp.MustCompile(`^\(([^()]*)\)`)
	pickKey      = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)!?$`)
)

// readPgTypedHeader reads the block comment comment (from "/*" to "*/")
// as a pgtyped header, if it has an @name. A malformed @param is kept in
// the header's problem, reported when its query is parsed.
func readPgTypedHeader(comment string, line int) (*Header, bool) {
	m := pgtypedName.FindStringSubmatch(comment)
	if m == nil {
		return nil, false
	}
	h := &Header{Line: line, Name: m[1], Style: HeaderPgTyped, expansions: map[string]expansion{}}
	for _, p := range pgtypedParam.FindAllStringSubmatchIndex(comment, -1) {
		name, rule := comment[p[2]:p[3]], comment[p[1]:]
		e, ok := readExpansion(rule)
		if !ok {
			rule, _, _ = strings.Cut(rule, "\n")
			h.problem = fmt.Sprintf("pgtyped @param %s -> %s: write -> (...) for a list, -> (a, b) for a row or -> ((a, b)...) for a list of rows",
				name, strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rule), "*/")))
			return h, true
		}
		h.expansions[name] = e
		h.order = append(h.order, name)
	}
	return h, true
}

func readExpansion(rule string) (expansion, bool) {
	if spreadRule.MatchString(rule) {
		return expansion{kind: expandSpread}, true
	}
	kind, m := expandSpreadPick, spreadPick.FindStringSubmatch(rule)
	if m == nil {
		kind, m = expandPick, pickRule.FindStringSubmatch(rule)
	}
	if m == nil {
		return expansion{}, false
	}
	e := expansion{kind: kind}
	for _, k := range strings.Split(strings.TrimSuffix(strings.TrimSpace(m[1]), ","), ",") {
		km := pickKey.FindStringSubmatch(strings.TrimSpace(k))
		if km == nil {
			return expansion{}, false
		}
		e.keys = append(e.keys, km[1])
	}
	return e, true
}

// pgtypedUse is one :name in a statement.
type pgtypedUse struct {
	start, end int // the span it replaces: ":name!", or "IN :name" for a spread
	name       string
	inList     bool // "IN :name" of a spread
	notIn      bool
}

// findPgTypedParams lists the :name parameters of src in source order.
func findPgTypedParams(src string, h *Header) []pgtypedUse {
	var out []pgtypedUse
	for i := 0; i < len(src); {
		if stop := skipRegion(src, i); stop >= 0 {
			i = stop
			continue
		}
		switch {
		case src[i] == ':' && at(src, i+1) == ':':
			i += 2 // a cast
			for i < len(src) && src[i] == ':' {
				i++
			}
		case src[i] == ':' && isPgTypedIdentStart(at(src, i+1)):
			j := i + 1
			for j < len(src) && (isPgTypedIdentStart(src[j]) || isDigit(src[j])) {
				j++
			}
			u := pgtypedUse{start: i, end: j, name: src[i+1 : j]}
			if at(src, j) == '!' { // pgtyped's "not null" mark, even before "="
				u.end++
			}
			if h.expansions[u.name].kind == expandSpread {
				u.start, u.inList, u.notIn = inBefore(src, i)
			}
			out = append(out, u)
			i = u.end
		default:
			i++
		}
	}
	return out
}

// isPgTypedIdentStart: pgtyped's parameter names are ASCII.
func isPgTypedIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// inBefore widens a spread parameter at start to "[NOT] IN :name" when
// IN stands just before it.
func inBefore(src string, start int) (from int, inList, notIn bool) {
	p := lastCode(src, start)
	if p < 1 || !strings.EqualFold(src[p-1:p+1], "in") || isIdentPart(at(src, p-2)) {
		return start, false, false
	}
	from = p - 1
	if q := lastCode(src, from); q >= 2 && strings.EqualFold(src[q-2:q+1], "not") && !isIdentPart(at(src, q-3)) {
		from, notIn = q-2, true
	}
	return from, true, notIn
}

// translatePgTyped rewrites the pgtyped parameters of one statement to
// $n and names them ("user.name" for a pick's key).
func translatePgTyped(src string, h *Header) translated {
	uses := findPgTypedParams(src, h)
	if len(uses) == 0 {
		return translated{sql: src}
	}
	used := map[string]bool{}
	for _, u := range uses {
		used[u.name] = true
	}
	// pgtyped numbers its declared parameters first, then the others.
	var order []string
	seen := map[string]bool{}
	for _, name := range h.order {
		if used[name] && !seen[name] {
			order, seen[name] = append(order, name), true
		}
	}
	for _, u := range uses {
		if !seen[u.name] {
			order, seen[u.name] = append(order, u.name), true
		}
	}
	var names []string
	numbers := map[string][]int{}
	for _, name := range order {
		e := h.expansions[name]
		if e.kind == expandPick || e.kind == expandSpreadPick {
			for _, k := range e.keys {
				names = append(names, name+"."+k)
				numbers[name] = append(numbers[name], len(names))
			}
			continue
		}
		names = append(names, name)
		numbers[name] = []int{len(names)}
	}
	var b strings.Builder
	var edits offsetMap
	prev := 0
	for _, u := range uses {
		b.WriteString(src[prev:u.start])
		newStart := b.Len()
		b.WriteString(pgtypedReplacement(u, h.expansions[u.name].kind, numbers[u.name]))
		edits = append(edits, edit{oldStart: u.start, oldEnd: u.end, newStart: newStart, newEnd: b.Len()})
		prev = u.end
	}
	b.WriteString(src[prev:])
	return translated{sql: b.String(), names: names, edits: edits}
}

func pgtypedReplacement(u pgtypedUse, kind expansionKind, numbers []int) string {
	params := make([]string, len(numbers))
	for i, n := range numbers {
		params[i] = "$" + strconv.Itoa(n)
	}
	list := strings.Join(params, ", ")
	switch {
	case u.notIn:
		return "<> ALL(" + list + ")"
	case u.inList:
		return "= ANY(" + list + ")"
	case kind == 0:
		return list
	}
	return "(" + list + ")"
}
