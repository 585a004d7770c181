package explain

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Calibrate measures what one unit of planner cost takes on this server,
// in milliseconds: a full scan of the largest table timed by EXPLAIN
// ANALYZE, divided by its estimated cost. It is 0 when no table is large
// enough (10,000 rows) to time.
//
// Deprecated: the runner's momentary speed says nothing about production's
// and varies with its load (67 to 472 ms for the same plan); a review must
// not decide on it. Reviews use Speed (config.Config.Speed: production's
// calibration, else DefaultSpeed). Kept only until the pipeline stops
// calling it; it decides no finding (rules.Input.MsPerCost is ignored).
func Calibrate(ctx context.Context, db DB, tables map[string]Table) (float64, error) {
	var largest Table
	for _, t := range tables {
		if t.Rows > largest.Rows {
			largest = t
		}
	}
	if largest.Rows < 10_000 {
		return 0, nil
	}
	var text string
	err := db.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM "+pgx.Identifier{largest.Name}.Sanitize(),
		pgx.QueryExecModeSimpleProtocol).Scan(&text)
	if err != nil {
		return 0, fmt.Errorf("calibrate on %s: %w", largest.Name, err)
	}
	plan, err := ParsePlan([]byte(text))
	if err != nil || plan.Root.TotalCost == 0 {
		return 0, err
	}
	return plan.ExecutionMS / plan.Root.TotalCost, nil
}
