package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/rules"
)

func runInit(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := initCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// copyTree copies the example's files (following its symbolic links) so
// that init can write into the copy.
func copyTree(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755)
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

func TestInitWritesAConfigThatLoads(t *testing.T) {
	dir := copyTree(t, filepath.Join(repoRoot, "testdata/payments"))
	path := filepath.Join(dir, config.FileName)
	os.Remove(path)
	out, err := runInit(t, dir)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	if !strings.Contains(out, "wrote "+path+": 4 migrations, 3 tables") {
		t.Errorf("output %q", out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("written config does not load: %v\n%s", err, text)
	}
	if cfg.FailOn != "error" || len(cfg.Scale) != 3 || cfg.Scale["payments"] == nil || len(cfg.Rules) != 0 {
		t.Errorf("loaded %+v from\n%s", cfg, text)
	}
	if !strings.Contains(text, "# Found 4 golang-migrate migrations in migrations/") {
		t.Errorf("does not say what it found:\n%s", text)
	}
	// Every rule is listed, commented out; uncommented, the lines configure
	// the rules at their defaults.
	uncommented := regexp.MustCompile(`(?m)^  # ([a-z-]+: \{.*\})$`).ReplaceAllString(text, "  $1")
	for _, r := range rules.All() {
		if !strings.Contains(text, "  # "+r.ID+": {severity: "+string(r.Severity)) {
			t.Errorf("rule %s is not listed with its default severity", r.ID)
		}
	}
	os.WriteFile(path, []byte(uncommented), 0o644)
	cfg, err = config.Load(path)
	if err != nil {
		t.Fatalf("the config with every rule uncommented does not load: %v", err)
	}
	if _, err := rules.Configure(cfg.Rules); err != nil || len(cfg.Rules) != len(rules.All()) {
		t.Errorf("uncommented rules: %d of %d, Configure: %v", len(cfg.Rules), len(rules.All()), err)
	}
}

func TestInitKeepsAnExistingConfigUnlessForced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, config.FileName)
	os.WriteFile(path, []byte("fail-on: warning\n"), 0o644)
	if _, err := runInit(t, dir); err == nil || !strings.Contains(err.Error(), "exists; --force overwrites it") {
		t.Errorf("init over an existing file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "fail-on: warning\n" {
		t.Errorf("existing file changed to:\n%s", data)
	}
	if _, err := runInit(t, "--force", dir); err != nil {
		t.Fatal(err)
	}
	if cfg, err := config.Load(path); err != nil || cfg.FailOn != "error" || len(cfg.Scale) != 0 {
		t.Errorf("forced init of an empty directory: %+v, %v", cfg, err)
	}
}

func TestRulesCommandListsEveryRule(t *testing.T) {
	cmd := rulesCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.All() {
		if !strings.Contains(out.String(), r.ID+" ("+string(r.Severity)+"): "+r.Summary+"\n") {
			t.Errorf("qreview rules does not list %s", r.ID)
		}
	}
}
