// Package config reads .qreview.yaml. Every key has a default; an unknown
// key is an error that names it and its line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/explain/seed"
	"github.com/qreview/qreview/rules"
	"gopkg.in/yaml.v3"
)

// FileName is the config file qreview looks for.
const FileName = ".qreview.yaml"

// Config is the whole file.
type Config struct {
	FailOn   string       `yaml:"fail-on"`
	Database Database     `yaml:"database"`
	Scale    seed.Profile `yaml:"scale"`
	// ScaleDefaultRows is every table's assumed size when scale: is empty
	// (seed.DefaultAssumedRows when 0): never review on empty tables.
	ScaleDefaultRows int64                   `yaml:"scale-default-rows"`
	Rules            map[string]rules.Config `yaml:"rules"`

	// Calibration: production's milliseconds per cost unit and call
	// rates, exported from pg_stat_statements with the profile
	// (calibration.go); without it reviews use explain.DefaultMsPerCost.
	Calibration *seed.Calibration `yaml:"calibration"`

	// Services: each one's connection pool and calls per second by query
	// name, for pool-saturation and qreview load (services.go).
	Services map[string]Service `yaml:"services"`

	Change Change `yaml:"change"`

	// Globs on paths relative to each reviewed directory: only matching
	// .sql files are read (include; default all), never excluded ones.
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
	// Templates: placeholders the application fills in before running a
	// query (%order%, %s), with the SQL reviewed in their place.
	Templates map[string]string `yaml:"templates"`

	// Analyze: which statements run under EXPLAIN ANALYZE for actual rows
	// and times (always in a rolled-back transaction; never those with
	// parameters): off, select (read-only queries) or all.
	Analyze string `yaml:"analyze"`

	// Limits for every statement of the reviewed SQL: a timeout the SQL
	// cannot lift (qreview cancels it from outside) and the lock wait.
	StatementTimeout time.Duration `yaml:"statement_timeout"`
	LockTimeout      time.Duration `yaml:"lock_timeout"`

	// How parameterized queries are planned (see "Plans" in the README):
	// plan_cache_mode as production's connections set it (auto, or
	// force_generic_plan behind a pooler that keeps prepared statements),
	// the page size and depth LIMIT $n and OFFSET $n get, and values
	// pinned per query name: params: {ListPayments: {$1: pending}}.
	PlanCacheMode string                        `yaml:"plan_cache_mode"`
	PageSize      int                           `yaml:"page_size"`
	PageOffset    int                           `yaml:"page_offset"`
	Params        map[string]map[string]*string `yaml:"params"`

	// Postmortems is the folder of incident records (postmortem/), relative
	// to the config file's directory: findings that repeat their query
	// shapes fail the gate citing them.
	Postmortems string `yaml:"postmortems"`

	Path string `yaml:"-"` // where it was read from, "" for defaults
}

// PostmortemDir is the postmortems folder as a path from the working
// directory, "" when none is configured.
func (c *Config) PostmortemDir() string {
	if c.Postmortems == "" || filepath.IsAbs(c.Postmortems) {
		return c.Postmortems
	}
	return filepath.Join(filepath.Dir(c.Path), c.Postmortems)
}

// Change says which migrations are the change under review: they are
// applied after the data is seeded, timed, with the locks they take.
type Change struct {
	// AfterMigration: the migrations after this version are the change.
	// Unset: the newest migration file.
	AfterMigration string `yaml:"after-migration"`
}

// Database chooses the scratch database (see explain/provider).
type Database struct {
	Provider string            `yaml:"provider"`
	Image    string            `yaml:"image"`    // container image, e.g. postgres:17
	Version  string            `yaml:"version"`  // shorthand: 16 means image postgres:16
	Settings map[string]string `yaml:"settings"` // server settings, e.g. work_mem: 64MB
}

// Default is the config when no file is found.
func Default() *Config {
	return &Config{FailOn: "error", Analyze: "select", Database: Database{Provider: "auto"}, StatementTimeout: 2 * time.Minute, LockTimeout: 10 * time.Second,
		PlanCacheMode: "auto", PageSize: 50, PageOffset: 100}
}

// Find returns the config file to use: explicit if given, else
// .qreview.yaml in the first reviewed directory that has one, else in the
// working directory. "" means none: use the defaults.
func Find(explicit string, reviewed []string) string {
	if explicit != "" {
		return explicit
	}
	for _, dir := range append(reviewed, ".") {
		if info, err := os.Stat(dir); err == nil && !info.IsDir() {
			dir = filepath.Dir(dir)
		}
		if _, err := os.Stat(filepath.Join(dir, FileName)); err == nil {
			return filepath.Join(dir, FileName)
		}
	}
	return ""
}

// Load reads the config at path over the defaults ("" gives the defaults).
func Load(path string) (*Config, error) {
	cfg := Default()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %s", path, yamlMessage(err))
	}
	cfg.Path = path
	if _, err := rules.ParseSeverity(cfg.FailOn); err != nil {
		return nil, fmt.Errorf("%s: fail-on: %w", path, err)
	}
	if cfg.Analyze != "off" && cfg.Analyze != "select" && cfg.Analyze != "all" {
		return nil, fmt.Errorf("%s: analyze: %q: use off, select or all", path, cfg.Analyze)
	}
	if cfg.StatementTimeout <= 0 || cfg.LockTimeout <= 0 {
		return nil, fmt.Errorf("%s: statement_timeout and lock_timeout must be positive durations such as 30s", path)
	}
	if err := cfg.checkPlanning(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Database.Image != "" && cfg.Database.Version != "" {
		return nil, fmt.Errorf("%s: database: give image or version, not both", path)
	}
	if err := checkServices(cfg.Services); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkCalibration(cfg.Calibration); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if dir := cfg.PostmortemDir(); dir != "" {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return nil, fmt.Errorf("%s: postmortems: %s is not a directory (the path is relative to the config file's directory)", path, dir)
		}
	}
	return cfg, nil
}

var unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)

// yamlMessage rewrites yaml.v3's Go-flavoured errors in the config's terms.
func yamlMessage(err error) string {
	msg := err.Error()
	msg = unknownField.ReplaceAllString(msg, "line $1: unknown key \"$2\"")
	return regexp.MustCompile(`^yaml: (unmarshal errors:\n\s*)?`).ReplaceAllString(msg, "")
}

// DefaultImage is the container image when the config names none.
const DefaultImage = "postgres:17"

// ContainerImage is the image to run: database.image, else
// postgres:<database.version>, else DefaultImage.
func (d Database) ContainerImage() string {
	switch {
	case d.Image != "":
		return d.Image
	case d.Version != "":
		return "postgres:" + d.Version
	}
	return DefaultImage
}

// Filter is what the config says of which SQL to read and how: the
// include/exclude globs and the template stand-ins.
func (c *Config) Filter() analyzer.Filter {
	return analyzer.Filter{Include: c.Include, Exclude: c.Exclude, Templates: c.Templates}
}
