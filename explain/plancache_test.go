package explain

import "testing"

// TestChoosePlan follows plancache.c's choose_custom_plan: the generic
// plan runs when its cost is below the custom plans' average, planning
// charge included; the modes force either way.
func TestChoosePlan(t *testing.T) {
	tests := []struct {
		name     string
		mode     string
		generic  float64
		custom   []float64
		planning float64
		want     string
		avg      float64
	}{
		{"optional filter: generic scan, custom lookups", CacheAuto, 18_000, []float64{8, 8, 8}, 5, "custom", 13},
		{"same lookup both ways: planning tips it to generic", CacheAuto, 8, []float64{8, 8}, 5, "generic", 13},
		{"generic dearer by less than planning", CacheAuto, 12, []float64{10}, 5, "generic", 15},
		{"equal to the average is not below it", CacheAuto, 15, []float64{10}, 5, "custom", 15},
		{"one costly custom plan lifts the average", CacheAuto, 4_000, []float64{100, 100, 18_000}, 7.5, "generic", 6_074.166666666667},
		{"seq scan everywhere: generic", CacheAuto, 18_410, []float64{18_438, 18_522, 18_342}, 5, "generic", 18_439},
		{"forced generic", CacheForceGeneric, 18_000, []float64{8}, 5, "generic", 13},
		{"forced custom", CacheForceCustom, 8, []float64{8}, 5, "custom", 13},
		{"no custom plan", CacheAuto, 100, nil, 5, "generic", 0},
		{"forced custom, yet no custom plan", CacheForceCustom, 100, nil, 5, "generic", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ChoosePlan(tt.mode, tt.generic, tt.custom, tt.planning)
			if c.Choice != tt.want || c.AvgCustomCost != tt.avg || c.Reason == "" {
				t.Errorf("choice %s, average %v (%s); want %s, %v", c.Choice, c.AvgCustomCost, c.Reason, tt.want, tt.avg)
			}
		})
	}
}

// TestPlanningCost: 1000 × cpu_operator_cost per range table entry, plus one.
func TestPlanningCost(t *testing.T) {
	tests := []struct {
		sql  string
		want float64
	}{
		{"SELECT 1", 2.5},
		{"SELECT * FROM a WHERE id = $1", 5},
		{"SELECT * FROM a JOIN b ON a.id = b.a_id WHERE a.id = $1", 10}, // a, b and the join
		{"UPDATE a SET x = 1 WHERE id = $1", 5},
	}
	for _, tt := range tests {
		st := statement(t, "S1", tt.sql)
		if got := PlanningCost(st, 0.0025); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.sql, got, tt.want)
		}
	}
}
