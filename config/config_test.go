package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, content string) string {
	t.Helper()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFindPrefersExplicitThenReviewedDirThenWorkingDir(t *testing.T) {
	reviewed, other := t.TempDir(), t.TempDir()
	inReviewed := write(t, reviewed, "fail-on: warning\n")
	if got := Find("custom.yaml", []string{reviewed}); got != "custom.yaml" {
		t.Errorf("explicit: %q", got)
	}
	if got := Find("", []string{other, reviewed}); got != inReviewed {
		t.Errorf("reviewed dir: %q, want %q", got, inReviewed)
	}
	query := filepath.Join(reviewed, "q.sql")
	os.WriteFile(query, []byte("SELECT 1;"), 0o644)
	if got := Find("", []string{query}); got != inReviewed {
		t.Errorf("a reviewed file's dir: %q, want %q", got, inReviewed)
	}
}

func TestDefaultsAndDurations(t *testing.T) {
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FailOn != "error" || cfg.Analyze != "select" || cfg.StatementTimeout != 2*time.Minute || cfg.Database.ContainerImage() != DefaultImage {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, err = Load(write(t, t.TempDir(), "statement_timeout: 30s\nlock_timeout: 500ms\ndatabase: {version: \"16\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StatementTimeout != 30*time.Second || cfg.LockTimeout != 500*time.Millisecond || cfg.Database.ContainerImage() != "postgres:16" {
		t.Errorf("read: %+v", cfg)
	}
}

func TestBadConfigsNameTheKey(t *testing.T) {
	tests := map[string]string{
		"analyze: sometimes\n":                              `analyze: "sometimes"`,
		"statement_timeout: 0s\n":                           "statement_timeout and lock_timeout must be positive",
		"database: {image: postgres:16, version: \"16\"}\n": "give image or version, not both",
		"scale:\n  payments:\n    rowz: 5\n":                `line 3: unknown key "rowz"`,
		"fail-on: fatal\n":                                  `fail-on: severity "fatal"`,
	}
	for content, want := range tests {
		if _, err := Load(write(t, t.TempDir(), content)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("config %q: error %v, want %q", content, err, want)
		}
	}
}
