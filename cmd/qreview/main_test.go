package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests run the real binary, built once, against real
// PostgreSQL servers it starts itself.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "qreview-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "qreview")
	// One cache for the whole test binary: the payments example is seeded
	// once and the other tests reuse it warm. A test that must seed gives
	// its own QREVIEW_CACHE_DIR or --no-cache.
	sharedCache = filepath.Join(dir, "cache")
	if err := os.Mkdir(sharedCache, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Chmod(dir, 0o755) // the local provider runs the server as "postgres" when root
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build qreview: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sharedCache is the cache dir runs get unless they name their own.
var sharedCache string

// cacheDirs maps a run's TMPDIR to the cache dir it was given.
var cacheDirs sync.Map

// repoRoot is where the README's commands run.
var repoRoot, _ = filepath.Abs("../..")

type result struct {
	stdout, stderr string
	code           int
}

// scratchTmp makes a TMPDIR for one run that the "postgres" user can
// traverse (qreview runs the server as that user when it is root).
func scratchTmp(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qreview-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// command prepares qreview with args, run from the repository root with
// its own TMPDIR and, unless env names one, its own empty cache dir: every
// run is cold unless a test shares a cache dir on purpose.
func command(t *testing.T, tmp string, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(binary, args...)
	cmd.Dir = repoRoot
	cache := sharedCache
	for _, kv := range env {
		if dir, ok := strings.CutPrefix(kv, "QREVIEW_CACHE_DIR="); ok {
			cache = dir
		}
	}
	cacheDirs.Store(tmp, cache)
	cmd.Env = append(append(os.Environ(), "TMPDIR="+tmp, "QREVIEW_DSN=", "GITHUB_ACTIONS=", "QREVIEW_CACHE_DIR="+cache), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// startReading starts cmd with its standard error as a pipe to read while
// it runs (to signal it at a phase of the run).
func startReading(t *testing.T, cmd *exec.Cmd) io.Reader {
	t.Helper()
	cmd.Stderr = nil
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return stderr
}

// qreview runs the binary to completion and then checks that it left
// nothing behind: no file in its TMPDIR, no server process.
func qreview(t *testing.T, env []string, args ...string) result {
	t.Helper()
	tmp := scratchTmp(t)
	cmd, stdout, stderr := command(t, tmp, env, args...)
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run qreview: %v", err)
	}
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	assertNothingLeft(t, tmp)
	return r
}

// assertNothingLeft fails if tmp holds anything or a process still runs
// with tmp in its command line (a postgres started there). Kept cache
// entries are no leftovers, half-stored ones are.
func assertNothingLeft(t *testing.T, tmp string) {
	t.Helper()
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		t.Errorf("left behind in TMPDIR: %s", e.Name())
	}
	if cache, ok := cacheDirs.Load(tmp); ok {
		staging, _ := filepath.Glob(filepath.Join(cache.(string), "*.staging"))
		for _, s := range staging {
			t.Errorf("left behind in the cache dir: %s", s)
		}
	}
	// A server shutting down may take a moment to leave the process table.
	deadline := time.Now().Add(5 * time.Second)
	for {
		procs := processesMentioning(tmp)
		if len(procs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("processes still running from %s: %v", tmp, procs)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func processesMentioning(s string) []string {
	var found []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range cmdlines {
		data, err := os.ReadFile(path)
		if err != nil || len(data) == 0 {
			continue
		}
		line := strings.ReplaceAll(string(data), "\x00", " ")
		if strings.Contains(line, s) {
			found = append(found, line)
		}
	}
	return found
}

// killedBy reports whether cmd's process ended by sig's default action.
func killedBy(cmd *exec.Cmd, sig os.Signal) bool {
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}
