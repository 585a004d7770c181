package rules

var sqlError = &Rule{
	ID:       "sql-error",
	Severity: Error,
	Summary:  "PostgreSQL rejected the statement",
	Doc: `The statement failed when qreview applied it (migrations) or asked for its plan
(queries) on a database with the reviewed schema: an unknown table or column, a
type mismatch, a syntax PostgreSQL does not accept. What fails here fails in
production.

Fix: correct the statement; the finding carries the server's message.`,
	Check: func(in *Input, _ Options) []Finding {
		if in.Err == nil || in.Cause != nil {
			return nil // a query a change statement broke is plan-regression's, with the cause
		}
		return []Finding{{Message: in.Err.Error()}}
	},
}
