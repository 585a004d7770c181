package explain

import (
	"context"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
)

// ResetSession brings the connection's session settings back to those it
// started with: whatever the migrations SET or set_config'd (search_path,
// work_mem, enable_*, statement_timeout, role), planning must start from
// the session a query gets in production. It works inside a transaction
// (the review's): RESET is transactional, so the migrations' settings come
// back only if that transaction is rolled back to before it.
//
// Temporary tables a migration made are dropped too: they would shadow
// the tables of the same name for every later query of this session,
// and no other session sees them in production.
func ResetSession(ctx context.Context, db DB) error {
	if _, err := db.Exec(ctx, "RESET ALL; RESET ROLE; DISCARD TEMP"); err != nil {
		return fmt.Errorf("reset the session after the migrations: %w", ServerError(err))
	}
	return nil
}

// settings is what a statement does to session settings.
type settings struct {
	local   []string // set for the transaction only: SET LOCAL, set_config(…, true)
	session []string // set for the session: SET, RESET, set_config(…, false)
	all     bool     // RESET ALL
	txOnly  string   // a transaction property the review cannot change (SET TRANSACTION …), "" if none
}

// settingsOf reads from st's tree which settings it changes. Names are
// lower case, as the server keeps them; set_config with a name or flag
// that is not a constant is not seen.
func settingsOf(st *analyzer.Statement) settings {
	var s settings
	if v := st.Tree.GetVariableSetStmt(); v != nil {
		name := strings.ToLower(v.Name)
		switch {
		case v.Kind == pg_query.VariableSetKind_VAR_RESET_ALL:
			s.all = true
		case v.Kind == pg_query.VariableSetKind_VAR_SET_MULTI && name == "transaction",
			strings.HasPrefix(name, "transaction_"):
			s.txOnly = "SET TRANSACTION"
		case v.Kind == pg_query.VariableSetKind_VAR_SET_MULTI:
		case v.IsLocal:
			s.local = append(s.local, name)
		default:
			s.session = append(s.session, name)
		}
		return s
	}
	analyzer.Walk(st.Tree, func(n *pg_query.Node) {
		f := n.GetFuncCall()
		if f == nil || analyzer.FuncName(f).Name != "set_config" || len(f.Args) != 3 {
			return
		}
		name := f.Args[0].GetAConst().GetSval().GetSval()
		if name == "" {
			return
		}
		name = strings.ToLower(name)
		if constTrue(f.Args[2]) {
			s.local = append(s.local, name)
		} else {
			s.session = append(s.session, name)
		}
	})
	return s
}

func constTrue(n *pg_query.Node) bool {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.Arg
	}
	c := n.GetAConst()
	if b := c.GetBoolval(); b != nil {
		return b.Boolval
	}
	switch strings.ToLower(c.GetSval().GetSval()) {
	case "t", "true", "on", "yes", "1":
		return true
	}
	return false
}

// localSettings remembers, for the settings a transaction sets LOCAL, the
// session's value, to restore when the transaction ends: a savepoint
// stands for the transaction, and a SET LOCAL made in a released
// savepoint would otherwise last until the review's own transaction ends.
type localSettings map[string]*string // name → session value; nil when the setting did not exist

// before records the session value of each setting st sets LOCAL for the
// first time in the transaction.
func (l localSettings) before(ctx context.Context, db DB, s settings) error {
	for _, name := range s.local {
		if _, ok := l[name]; ok {
			continue
		}
		if err := l.read(ctx, db, name); err != nil {
			return err
		}
	}
	return nil
}

// read notes the session's current value of the setting name.
func (l localSettings) read(ctx context.Context, db DB, name string) error {
	var value *string
	if err := db.QueryRow(ctx, "SELECT current_setting($1, true)", name).Scan(&value); err != nil {
		return fmt.Errorf("read setting %s: %w", name, err)
	}
	l[name] = value
	return nil
}

// after records a session-level change st made to a setting that is also
// set LOCAL in the transaction: that is the value left when it ends.
func (l localSettings) after(ctx context.Context, db DB, s settings) error {
	names := s.session
	if s.all {
		names = nil
		for name := range l {
			names = append(names, name)
		}
	}
	for _, name := range names {
		if _, ok := l[name]; !ok {
			continue
		}
		if err := l.read(ctx, db, name); err != nil {
			return err
		}
	}
	return nil
}

// restore ends the transaction's SET LOCALs, as its COMMIT does.
func (l localSettings) restore(ctx context.Context, db DB) error {
	for name, value := range l {
		if value == nil {
			continue // a placeholder setting made by SET LOCAL: harmless once empty
		}
		if _, err := db.Exec(ctx, "SELECT set_config($1, $2, false)", name, *value); err != nil {
			return fmt.Errorf("end SET LOCAL %s: %w", name, ServerError(err))
		}
	}
	return nil
}
