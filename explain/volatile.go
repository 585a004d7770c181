package explain

import (
	"context"
	"fmt"
	"strings"

	"github.com/qreview/qreview/analyzer"
)

// SafeToRun says whether st may be executed (EXPLAIN ANALYZE, qreview
// load) on the seeded database: it must only read (analyzer ReadOnly: no
// INSERT/UPDATE/DELETE/MERGE anywhere, no FOR UPDATE/SHARE, no INTO, no
// nextval/setval) and call no volatile function, resolved on db by name
// and schema as the statement's search_path finds it. An overloaded name
// counts as volatile when any of its overloads is, and a function db does
// not know is not run. why says, when it is not safe, what in st stops it.
//
// Functions called from inside views or by operators are not seen here.
func SafeToRun(ctx context.Context, db DB, st *analyzer.Statement) (ok bool, why string, err error) {
	if !st.ReadOnly() {
		return false, "it is not a plain SELECT that only reads (it writes, locks rows or calls nextval/setval)", nil
	}
	funcs := analyzer.Functions(st.Tree)
	if len(funcs) == 0 {
		return true, "", nil
	}
	schemas := make([]string, len(funcs))
	names := make([]string, len(funcs))
	for i, f := range funcs {
		schemas[i], names[i] = f.Schema, f.Name
	}
	rows, err := db.Query(ctx, `
		SELECT f.schema, f.name, count(p.oid), coalesce(bool_or(p.provolatile = 'v'), false)
		FROM unnest($1::text[], $2::text[]) AS f(schema, name)
		LEFT JOIN pg_namespace n ON (f.schema = '' AND n.nspname = ANY (current_schemas(true))) OR n.nspname = f.schema
		LEFT JOIN pg_proc p ON p.pronamespace = n.oid AND p.proname = f.name
		GROUP BY f.schema, f.name
		ORDER BY f.schema, f.name`, schemas, names)
	if err != nil {
		return false, "", fmt.Errorf("look up the functions %s:%d calls: %w", st.File, st.Line, err)
	}
	defer rows.Close()
	var volatile, unknown []string
	for rows.Next() {
		var schema, name string
		var found int
		var isVolatile bool
		if err := rows.Scan(&schema, &name, &found, &isVolatile); err != nil {
			return false, "", fmt.Errorf("look up the functions %s:%d calls: %w", st.File, st.Line, err)
		}
		written := name + "()"
		if schema != "" {
			written = schema + "." + written
		}
		switch {
		case found == 0:
			unknown = append(unknown, written)
		case isVolatile:
			volatile = append(volatile, written)
		}
	}
	if err := rows.Err(); err != nil {
		return false, "", fmt.Errorf("look up the functions %s:%d calls: %w", st.File, st.Line, err)
	}
	switch {
	case len(volatile) > 0:
		return false, "it calls " + strings.Join(volatile, ", ") + ", volatile: it may write or give another result on each call", nil
	case len(unknown) > 0:
		return false, "it calls " + strings.Join(unknown, ", ") + ", which the database does not know", nil
	}
	return true, "", nil
}
