package rules

import (
	"fmt"

	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// maxIdentifier is PostgreSQL's NAMEDATALEN - 1: longer names are cut.
const maxIdentifier = 63

var identifierTooLong = &Rule{
	ID:       "identifier-too-long",
	Severity: Warning,
	Summary:  "a name longer than 63 bytes is silently truncated, and the truncated name is what later migrations must use",
	Doc: `PostgreSQL cuts identifiers to 63 bytes with only a NOTICE. The table, column,
index or constraint gets the truncated name: a later migration or query that
uses the full name fails with "does not exist", and two long names that share
their first 63 bytes collide (squawk's identifier-too-long).

Reported for names of tables, columns, indexes and constraints that a migration
creates or renames to, longer than 63 bytes.

` + changeOnlyDoc + `

Fix: a shorter name.

Example: CREATE INDEX accounts_customer_billing_address_country_code_and_postal_code_idx ON accounts (…);`,
	Check: func(in *Input, _ Options) []Finding {
		if !changeMigration(in) {
			return nil
		}
		switch in.Statement.Tree.Node.(type) {
		case *pg_query.Node_CreateStmt, *pg_query.Node_IndexStmt, *pg_query.Node_RenameStmt, *pg_query.Node_AlterTableStmt:
		default:
			return nil
		}
		// The parser has cut the names already: read them from the text.
		scan, err := pg_query.Scan(in.Statement.SQL)
		if err != nil {
			return nil
		}
		var long []string
		for _, tok := range scan.Tokens {
			if tok.Token != pg_query.Token_IDENT {
				continue
			}
			name := strings.Trim(in.Statement.SQL[tok.Start:tok.End], `"`)
			if len(name) > maxIdentifier {
				long = append(long, name)
			}
		}
		var out []Finding
		for _, name := range long {
			out = append(out, Finding{
				Message:    fmt.Sprintf("%q is %d bytes: PostgreSQL cuts it to %q", name, len(name), name[:maxIdentifier]),
				Suggestion: "a name of at most 63 bytes",
				Evidence:   map[string]any{"name": name},
			})
		}
		return out
	},
}
