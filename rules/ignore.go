package rules

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

// Ignore is one inline directive, "-- qreview:ignore rule-id[,rule-id…]
// reason", in the comments directly above a statement or on its last
// line. It drops the statement's findings of the rules it names, but only
// when it gives a reason and names only rules that exist (golangci-lint's
// nolintlint habit: a silenced check says why).
type Ignore struct {
	Line   int
	Rules  []string
	Reason string

	// Problem says why the directive suppresses nothing ("gives no
	// reason"), "" when it suppresses the rules it names.
	Problem string
}

const ignorePrefix = "qreview:ignore"

// ParseIgnore reads a directive from a comment's text (without the
// leading "--"). ok is false when the comment is not a directive. Rule IDs
// are separated by commas, with or without spaces around them; the reason
// is the rest of the comment.
func ParseIgnore(text string) (ig Ignore, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(text), ignorePrefix)
	if !ok {
		return Ignore{}, false
	}
	if r, _ := utf8.DecodeRuneInString(rest); rest != "" && !unicode.IsSpace(r) {
		return Ignore{}, false // "qreview:ignored", "qreview:ignore-next-line"
	}
	rest = strings.TrimSpace(rest)
	for rest != "" {
		end := strings.IndexFunc(rest, unicode.IsSpace)
		if end < 0 {
			end = len(rest)
		}
		word := rest[:end]
		rest = strings.TrimLeftFunc(rest[end:], unicode.IsSpace)
		for _, id := range strings.Split(word, ",") {
			if id != "" {
				ig.Rules = append(ig.Rules, id)
			}
		}
		// The list goes on past a space only next to a comma: "a, b why".
		if !strings.HasSuffix(word, ",") && !strings.HasPrefix(rest, ",") {
			break
		}
	}
	ig.Reason = rest
	return ig, true
}

// problem says why the directive suppresses nothing, or "" when it does
// suppress the rules it names; known holds every rule ID.
func (ig Ignore) problem(known map[string]bool) string {
	if len(ig.Rules) == 0 {
		return "names no rule"
	}
	for _, id := range ig.Rules {
		if !known[id] {
			return fmt.Sprintf("names unknown rule %q", id)
		}
	}
	if ig.Reason == "" {
		return "gives no reason"
	}
	return ""
}

// fileCache holds the lines of the files statements come from: the
// directive on a statement's last line is outside what the parser keeps,
// and a file with many statements is read and split only once.
type fileCache struct {
	mu    sync.Mutex
	lines map[string][]string
}

// of is the file's lines, nil when it cannot be read (the directives
// above a statement are still found in its comments).
func (c *fileCache) of(path string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if lines, ok := c.lines[path]; ok {
		return lines
	}
	var lines []string
	if data, err := os.ReadFile(path); err == nil {
		lines = strings.Split(string(data), "\n")
	}
	if c.lines == nil {
		c.lines = map[string][]string{}
	}
	c.lines[path] = lines
	return lines
}

// ignoresIn lists the directives that apply to st given its file's lines
// (nil when unknown): those in the comments directly above it, except a
// comment that ends the previous statement's last line, and those in a
// comment on its own last line.
func ignoresIn(st *analyzer.Statement, lines []string, known map[string]bool) []Ignore {
	var out []Ignore
	for _, c := range st.Comments {
		if c.Line <= len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[c.Line-1]), "--") {
			continue // "SELECT 1; -- qreview:ignore …" is about SELECT 1
		}
		if ig, ok := ParseIgnore(c.Text); ok {
			ig.Line, ig.Problem = c.Line, ig.problem(known)
			out = append(out, ig)
		}
	}
	for _, c := range lastLineComments(lines, st.Line, st.EndLine) {
		if ig, ok := ParseIgnore(c); ok {
			ig.Line, ig.Problem = st.EndLine, ig.problem(known)
			out = append(out, ig)
		}
	}
	return out
}

// lastLineComments are the texts of the "--" comments on line last of a
// statement that spans lines first…last. The scanner reads from the
// statement's first line so that "--" inside a string is not a comment.
func lastLineComments(lines []string, first, last int) []string {
	if first < 1 || last < first || last > len(lines) || !strings.Contains(lines[last-1], "--") {
		return nil
	}
	text := strings.Join(lines[first-1:last], "\n")
	lastStart := len(text) - len(lines[last-1])
	scan, err := pg_query.Scan(text)
	if err != nil {
		return nil
	}
	var out []string
	for _, tok := range scan.Tokens {
		if tok.Token == pg_query.Token_SQL_COMMENT && int(tok.Start) >= lastStart && int(tok.End) <= len(text) {
			out = append(out, strings.TrimPrefix(text[tok.Start:tok.End], "--"))
		}
	}
	return out
}

// suppressed are the rule IDs whose findings on st are dropped.
func suppressed(igs []Ignore) map[string]bool {
	out := map[string]bool{}
	for _, ig := range igs {
		if ig.Problem == "" {
			for _, id := range ig.Rules {
				out[id] = true
			}
		}
	}
	return out
}
