package analyzer

import "testing"

func TestFillTemplates(t *testing.T) {
	tests := []struct {
		sql  string
		with map[string]string
		want string
	}{
		{"SELECT * FROM a ORDER BY %order% LIMIT 1", map[string]string{"%order%": "id"}, "SELECT * FROM a ORDER BY id LIMIT 1"},
		// The longer placeholder wins where one contains another.
		{"WHERE %query% AND %q", map[string]string{"%q": "false", "%query%": "true"}, "WHERE true AND false"},
		{"SELECT 1", nil, "SELECT 1"},
	}
	for _, tt := range tests {
		if got := fillTemplates(tt.sql, tt.with); got != tt.want {
			t.Errorf("fillTemplates(%q) = %q, want %q", tt.sql, got, tt.want)
		}
	}
}
