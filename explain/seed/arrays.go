package seed

import (
	"fmt"
	"strings"
)

// parseArray reads a one-dimensional array literal ('{a,"b c",NULL}')
// into its elements, each parsed as the element type: pgx then writes
// them with the array's binary form.
func parseArray(elem *Column, literal string) (any, error) {
	s := strings.TrimSpace(literal)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, fmt.Errorf("%q is not an array literal like {a,b}", literal)
	}
	s = s[1 : len(s)-1]
	out := []any{}
	for len(strings.TrimSpace(s)) > 0 {
		var item string
		quoted := false
		s = strings.TrimLeft(s, " ")
		if strings.HasPrefix(s, `"`) {
			quoted = true
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("%q: unterminated quote", literal)
			}
			item, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			item, s = strings.TrimSpace(s[:end]), s[end:]
		}
		s = strings.TrimPrefix(strings.TrimLeft(s, " "), ",")
		if !quoted && strings.EqualFold(item, "NULL") {
			out = append(out, nil)
			continue
		}
		v, err := parseValue(elem, item)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", literal, err)
		}
		out = append(out, v)
	}
	return out, nil
}
