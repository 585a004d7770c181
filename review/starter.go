package review

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain/seed"
	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/rules"
)

// StarterConfig is the text of a commented .qreview.yaml for what was
// found under dir. Every value it sets is a default (tables at the
// assumed size a review without a profile gives them), so the file reviews
// as no file would until someone edits it.
func StarterConfig(dir string, src *analyzer.Source, tables []string) string {
	var b strings.Builder
	b.WriteString("# qreview configuration, written by `qreview init`. Every key is optional;\n")
	b.WriteString("# `qreview rules` documents each rule.\n#\n")
	for _, line := range foundLines(dir, src) {
		b.WriteString("# " + line + "\n")
	}
	fmt.Fprintf(&b, `
# The lowest severity that fails the gate: error, warning or notice.
fail-on: error

database:
  # auto: the DSN when --dsn or QREVIEW_DSN gives one, else local PostgreSQL
  # binaries (or a container where one is available).
  provider: auto

# Production sizes, so that the planner makes the plans production gets.
# Until you set them every table gets an assumed %s rows, enough to
# catch a full-table read on the first run; replace each with the table's
# row count in production (SELECT reltuples FROM pg_class WHERE relname =
# '…'), or export them all: qreview profile export --dsn PROD. Columns can
# be shaped too, e.g. status: {values: [paid, pending], weights: [95, 5]}.
`, format.Count(seed.DefaultAssumedRows))
	if len(tables) == 0 {
		b.WriteString("# No migration creates a table; add them as <table>: {rows: N}.\nscale: {}\n")
	} else {
		b.WriteString("scale:\n")
		for _, t := range tables {
			fmt.Fprintf(&b, "  %s:\n    rows: %d # assumed: production's row count goes here\n", t, seed.DefaultAssumedRows)
		}
	}
	b.WriteString("\n# Every rule at its default; uncomment a line to change its severity or\n")
	b.WriteString("# options, or write {enabled: false} to turn it off.\nrules:\n")
	for _, r := range rules.All() {
		settings := []string{"severity: " + string(r.Severity)}
		var keys []string
		for k := range r.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			settings = append(settings, k+": "+strconv.FormatFloat(r.Options[k], 'f', -1, 64))
		}
		fmt.Fprintf(&b, "  # %s: {%s}\n", r.ID, strings.Join(settings, ", "))
	}
	return b.String()
}

// foundLines say what init found: migrations by format and directory, and
// query files.
func foundLines(dir string, src *analyzer.Source) []string {
	type place struct {
		format analyzer.Format
		dir    string
	}
	count := map[place]int{}
	var places []place
	for _, m := range src.Migrations {
		rel, err := filepath.Rel(dir, filepath.Dir(m.File))
		if err != nil {
			rel = filepath.Dir(m.File)
		}
		p := place{m.Format, filepath.ToSlash(rel) + "/"}
		if count[p] == 0 {
			places = append(places, p)
		}
		count[p]++
	}
	var lines []string
	for _, p := range places {
		lines = append(lines, fmt.Sprintf("Found %d %s migrations in %s, applied in version order.", count[p], p.format, p.dir))
	}
	queryFiles := map[string]bool{}
	for _, st := range src.Queries {
		queryFiles[st.File] = true
	}
	lines = append(lines, fmt.Sprintf("Found %d queries in %d other .sql files.", len(src.Queries), len(queryFiles)))
	if len(src.Migrations) == 0 {
		lines = append(lines, "No migrations found: qreview looks for golang-migrate, goose, dbmate and Flyway",
			"files, and plain .sql files in directories named migrations, migrate or schema.")
	}
	return lines
}

// CreatedTables are the tables the migrations leave behind, in the order
// they were created, named as the scale profile names them (qualified
// outside the public schema). Partitions are sized through their parent.
func CreatedTables(src *analyzer.Source) []string {
	var tables []string
	without := func(name string) []string {
		out := tables[:0:0]
		for _, t := range tables {
			if t != name {
				out = append(out, t)
			}
		}
		return out
	}
	for _, m := range src.Migrations {
		for _, st := range m.Statements {
			switch v := st.Tree.Node.(type) {
			case *pg_query.Node_CreateStmt:
				rv := v.CreateStmt.Relation
				if rv.GetRelpersistence() != "t" && v.CreateStmt.Partbound == nil {
					tables = append(without(profileName(rv)), profileName(rv))
				}
			case *pg_query.Node_DropStmt:
				if v.DropStmt.RemoveType == pg_query.ObjectType_OBJECT_TABLE {
					for _, obj := range v.DropStmt.Objects {
						tables = without(profileName(rangeVar(obj.GetList().GetItems())))
					}
				}
			case *pg_query.Node_RenameStmt:
				if r := v.RenameStmt; r.RenameType == pg_query.ObjectType_OBJECT_TABLE {
					old := profileName(r.Relation)
					renamed := profileName(&pg_query.RangeVar{Schemaname: r.Relation.GetSchemaname(), Relname: r.Newname})
					for i, t := range tables {
						if t == old {
							tables[i] = renamed
						}
					}
				}
			}
		}
	}
	return tables
}

func rangeVar(names []*pg_query.Node) *pg_query.RangeVar {
	rv := &pg_query.RangeVar{}
	if n := len(names); n > 0 {
		rv.Relname = names[n-1].GetString_().GetSval()
		if n > 1 {
			rv.Schemaname = names[n-2].GetString_().GetSval()
		}
	}
	return rv
}

func profileName(rv *pg_query.RangeVar) string {
	if s := rv.GetSchemaname(); s != "" && s != "public" {
		return s + "." + rv.GetRelname()
	}
	return rv.GetRelname()
}
