package rules

var dropDatabase = &Rule{
	ID:       "drop-database",
	Severity: Error,
	Summary:  "DROP DATABASE in a migration destroys a whole database",
	Doc: `A migration that drops a database removes every table in it, for good, on every
environment the migration reaches; no down migration brings it back. It is
almost never what a schema change means (squawk's ban-drop-database).

Fix: remove the statement. Retire a database by hand, after a backup, outside
the migration history.

Example: DROP DATABASE analytics;`,
	Check: func(in *Input, _ Options) []Finding {
		_, ok := migrationOf(in)
		drop := in.Statement.Tree.GetDropdbStmt()
		if !ok || drop == nil {
			return nil
		}
		return []Finding{{
			Message:    "DROP DATABASE " + drop.Dbname + " destroys the database and everything in it on every environment the migration reaches",
			Suggestion: "remove it from the migration; retire a database by hand after a backup",
			Evidence:   map[string]any{"database": drop.Dbname},
		}}
	},
}
