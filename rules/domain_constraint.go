package rules

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

var domainConstraint = &Rule{
	ID:       "domain-constraint",
	Severity: Error,
	Summary:  "a CHECK on a domain is validated against every column of every table that uses it",
	Doc: `A domain's constraint applies to every column of that domain in every table.
ALTER DOMAIN … ADD CONSTRAINT checks all of their rows before it commits,
locking each of those tables against writes meanwhile (error unless NOT VALID);
and PostgreSQL reasons poorly about domain constraints, so changing a column to
or from such a domain rewrites the table. CREATE DOMAIN with a CHECK sets up
that trap for every later change (warning; judged in the change under review
only). Squawk's
ban-alter-domain-with-add-constraint and ban-create-domain-with-constraint.

ALTER DOMAIN … ADD CONSTRAINT … NOT VALID skips the check of existing rows,
but the constraint still reaches every table that uses the domain: a warning.

Fix: put the CHECK on the columns themselves: ALTER TABLE … ADD CONSTRAINT …
CHECK (…) NOT VALID, then VALIDATE CONSTRAINT in a later migration (see
constraint-without-not-valid). Keep domains, if at all, without constraints.

Example: ALTER DOMAIN email ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');`,
	Check: func(in *Input, _ Options) []Finding {
		if _, ok := migrationOf(in); !ok {
			return nil
		}
		switch v := in.Statement.Tree.Node.(type) {
		case *pg_query.Node_AlterDomainStmt:
			d := v.AlterDomainStmt
			con := d.Def.GetConstraint()
			if d.Subtype != "C" || con == nil {
				return nil
			}
			name := lastName(d.TypeName)
			f := Finding{
				Message:    fmt.Sprintf("ALTER DOMAIN %s ADD CONSTRAINT checks every row of every column of type %s, locking those tables against writes while it does", name, name),
				Suggestion: "put the CHECK on the columns: ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a later migration",
				Evidence:   map[string]any{"domain": name, "constraint": con.Conname},
			}
			if con.SkipValidation {
				f.Severity = Warning
				f.Message = fmt.Sprintf("ALTER DOMAIN %s ADD CONSTRAINT … NOT VALID: the constraint reaches every table that uses %s, and changing a column to or from the domain rewrites its table", name, name)
			}
			return []Finding{f}
		case *pg_query.Node_CreateDomainStmt:
			if !in.InChange {
				return nil // a domain the deployed history made is not news
			}
			d := v.CreateDomainStmt
			for _, c := range d.Constraints {
				if c.GetConstraint().GetContype() != pg_query.ConstrType_CONSTR_CHECK {
					continue
				}
				name := lastName(d.Domainname)
				return []Finding{{
					Severity:   Warning,
					Message:    fmt.Sprintf("CREATE DOMAIN %s with a CHECK: every later change to the constraint is validated against every table that uses it, and converting columns to it rewrites them", name),
					Suggestion: "a domain without constraints, or the plain type with the CHECK on each column",
					Evidence:   map[string]any{"domain": name},
				}}
			}
		}
		return nil
	},
}
