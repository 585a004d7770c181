package explain

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/analyzer"
)

// Prepared is a parameterized statement prepared inside a savepoint, to
// be planned as PostgreSQL's plan cache would plan it: generically and
// with values (custom plans). Close rolls the savepoint back: planning
// can run functions, and nothing a reviewed statement does may persist.
type Prepared struct {
	tx     pgx.Tx
	conn   DB
	name   string
	params int
	types  []string // read on first use
}

// Prepare prepares st (which has parameters) in a savepoint of conn.
func Prepare(ctx context.Context, conn DB, st *analyzer.Statement) (*Prepared, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	p := &Prepared{tx: tx, conn: conn, name: "qreview_" + strings.ToLower(st.ID), params: st.Params}
	if _, err := tx.Exec(ctx, "PREPARE "+p.name+" AS "+st.SQL); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return nil, ServerError(err)
	}
	return p, nil
}

// withPrepared prepares st, hands it to fn and closes it; a failing
// close is the error when fn succeeded.
func withPrepared[T any](ctx context.Context, db DB, st *analyzer.Statement, fn func(*Prepared) (T, error)) (out T, err error) {
	p, err := Prepare(ctx, db, st)
	if err != nil {
		return out, err
	}
	defer func() {
		if cErr := p.Close(ctx); cErr != nil && err == nil {
			var zero T
			out, err = zero, cErr
		}
	}()
	return fn(p)
}

// Types are the parameter types PREPARE inferred, $1 first.
func (p *Prepared) Types(ctx context.Context) ([]string, error) {
	if p.types == nil {
		err := p.tx.QueryRow(ctx, "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = $1", p.name).Scan(&p.types)
		if err != nil {
			return nil, ServerError(err)
		}
	}
	return p.types, nil
}

// Generic is the generic plan: the one the plan cache keeps for every
// execution once it judges it cheaper than planning each call.
func (p *Prepared) Generic(ctx context.Context) (*Plan, error) {
	plans, err := p.Plans(ctx, nil)
	if len(plans) == 0 {
		return nil, err
	}
	return plans[0], nil
}

// Custom is the plan made for these values.
func (p *Prepared) Custom(ctx context.Context, set ParamSet) (*Plan, error) {
	plans, err := p.plans(ctx, false, []ParamSet{set})
	if len(plans) == 0 {
		return nil, err
	}
	return plans[0], nil
}

// Plans returns the generic plan, then the custom plan of each set, all
// asked for in one round trip. On an error it returns the plans made
// before it: the savepoint is aborted and takes nothing more.
func (p *Prepared) Plans(ctx context.Context, sets []ParamSet) ([]*Plan, error) {
	plans, err := p.plans(ctx, true, sets)
	if len(plans) > 0 {
		plans[0].Generic = true
	}
	return plans, err
}

func (p *Prepared) plans(ctx context.Context, generic bool, sets []ParamSet) ([]*Plan, error) {
	var script strings.Builder
	if generic {
		nulls := strings.TrimSuffix(strings.Repeat("NULL, ", p.params), ", ")
		fmt.Fprintf(&script, "SET LOCAL plan_cache_mode = force_generic_plan; EXPLAIN (FORMAT JSON) EXECUTE %s(%s);\n", p.name, nulls)
	}
	if len(sets) > 0 {
		script.WriteString("SET LOCAL plan_cache_mode = force_custom_plan;\n")
	}
	for _, set := range sets {
		fmt.Fprintf(&script, "EXPLAIN (FORMAT JSON) EXECUTE %s(%s);\n", p.name, set.literals())
	}
	// One simple-protocol message: the statements run in order, and the
	// first error stops the rest.
	results, err := p.tx.Conn().PgConn().Exec(ctx, script.String()).ReadAll()
	var plans []*Plan
	for _, r := range results {
		if r.Err != nil {
			return plans, ServerError(r.Err)
		}
		if len(r.Rows) == 0 {
			continue // a SET
		}
		plan, err := ParsePlan(r.Rows[0][0])
		if err != nil {
			return plans, err
		}
		plans = append(plans, plan)
	}
	return plans, ServerError(err)
}

// CheckValue says whether v is a valid value of parameter $n's type,
// without disturbing the savepoint when it is not.
func (p *Prepared) CheckValue(ctx context.Context, n int, v *string) error {
	types, err := p.Types(ctx)
	if err != nil {
		return err
	}
	if n < 1 || n > len(types) {
		return fmt.Errorf("the statement has no $%d", n)
	}
	sp, err := p.tx.Begin(ctx)
	if err != nil {
		return err
	}
	defer sp.Rollback(context.WithoutCancel(ctx))
	_, err = sp.Exec(ctx, "SELECT CAST("+literal(v)+" AS "+types[n-1]+")", pgx.QueryExecModeSimpleProtocol)
	return ServerError(err)
}

// Close rolls back the savepoint and drops the prepared statement, which
// outlives a rollback. Only one that exists is deallocated: a failing
// DEALLOCATE would abort the caller's transaction.
func (p *Prepared) Close(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	err := p.tx.Rollback(ctx)
	if _, dErr := p.conn.Exec(ctx, "DEALLOCATE "+p.name); err == nil {
		err = dErr
	}
	return err
}
