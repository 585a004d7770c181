package explain

import "testing"

// TestTransactionalForms: what the change applies inside the review's
// transaction for statements that cannot run in one.
func TestTransactionalForms(t *testing.T) {
	tests := []struct {
		sql, want, lock string
		skip            bool
	}{
		{"CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX i ON t USING btree (a)", "ShareUpdateExclusiveLock", false},
		{"DROP INDEX CONCURRENTLY i", "DROP INDEX i", "ShareUpdateExclusiveLock", false},
		{"REINDEX TABLE CONCURRENTLY t", "REINDEX TABLE t", "ShareUpdateExclusiveLock", false},
		{"ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "ALTER TABLE p DETACH PARTITION p1", "ShareUpdateExclusiveLock", false},
		{"VACUUM t", "", "", true},
		{"ALTER TABLE t ADD COLUMN b int", "ALTER TABLE t ADD COLUMN b int", "", false},
	}
	for _, tt := range tests {
		sql, lock, _, skip := transactional(statement(t, "S1", tt.sql))
		if sql != tt.want || lock != tt.lock || skip != tt.skip {
			t.Errorf("transactional(%q) = %q, lock %q, skip %v; want %q, %q, %v", tt.sql, sql, lock, skip, tt.want, tt.lock, tt.skip)
		}
	}
}
