package report

import (
	"html"
	"html/template"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// highlightSQL marks up SQL for the HTML report with PostgreSQL's own
// scanner (pg_query, which the analyzer already uses), so that strings,
// comments, dollar quotes and keywords are split exactly as the server
// splits them. Reserved keywords are always marked; the others ("name",
// "set", "time") are column names as often as keywords, and are marked
// only when written in capitals, as SQL's keywords conventionally are. SQL the scanner rejects
// is shown plain.
func highlightSQL(sql string) template.HTML {
	res, err := pg_query.Scan(sql)
	if err != nil {
		return template.HTML(html.EscapeString(sql))
	}
	var b strings.Builder
	at := 0
	for _, tok := range res.Tokens {
		start, end := int(tok.Start), int(tok.End)
		if start < at || end > len(sql) || start > end {
			return template.HTML(html.EscapeString(sql)) // not what the scanner promises; show it plain
		}
		b.WriteString(html.EscapeString(sql[at:start]))
		text := sql[start:end]
		if class := tokenClass(tok, text); class != "" {
			b.WriteString(`<span class="` + class + `">` + html.EscapeString(text) + `</span>`)
		} else {
			b.WriteString(html.EscapeString(text))
		}
		at = end
	}
	b.WriteString(html.EscapeString(sql[at:]))
	return template.HTML(b.String())
}

func tokenClass(tok *pg_query.ScanToken, text string) string {
	switch tok.Token {
	case pg_query.Token_SQL_COMMENT, pg_query.Token_C_COMMENT:
		return "c"
	case pg_query.Token_SCONST, pg_query.Token_USCONST, pg_query.Token_BCONST, pg_query.Token_XCONST:
		return "s"
	case pg_query.Token_ICONST, pg_query.Token_FCONST:
		return "n"
	case pg_query.Token_PARAM:
		return "p"
	}
	switch {
	case tok.KeywordKind == pg_query.KeywordKind_RESERVED_KEYWORD:
		return "k"
	case tok.KeywordKind != pg_query.KeywordKind_NO_KEYWORD && text == strings.ToUpper(text):
		return "k"
	}
	return ""
}
