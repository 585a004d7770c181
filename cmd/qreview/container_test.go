package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/qreview/qreview/explain/provider"
	"github.com/qreview/qreview/report"
)

// The container tests run a real engine and image: QREVIEW_TEST_IMAGE, else
// the one scripts/build-pg-image.sh packs from the PostgreSQL installed
// here (CI builds it). They skip only when no engine answers or the image
// is missing.

// containerImage returns the test image and a client for the engine that
// qreview will use (DOCKER_HOST, else the default socket).
func containerImage(t *testing.T) (string, *client.Client) {
	t.Helper()
	image := os.Getenv("QREVIEW_TEST_IMAGE")
	if image == "" {
		image = "qreview-test/postgres:15"
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Skipf("no container engine: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		t.Skipf("no container engine answers at %s: %v", cli.DaemonHost(), err)
	}
	if _, err := cli.ImageInspect(ctx, image); err != nil {
		t.Skipf("test image %s is missing (%v): run scripts/build-pg-image.sh", image, err)
	}
	return image, cli
}

// paymentsConfig is the payments example's config with database.image set
// to image, in a file outside the reviewed tree and the run's TMPDIR, at a
// tenth of its size: these tests are about the container's life, and the
// golden corpus reviews the example at full size in a container.
func paymentsConfig(t *testing.T, image string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "testdata/payments/.qreview.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.NewReplacer("rows: 1000000", "rows: 100000", "rows: 500000", "rows: 50000", "rows: 100000", "rows: 10000",
		"min-rows: 100000", "min-rows: 10000").Replace(string(data)))
	path := filepath.Join(t.TempDir(), "qreview.yaml")
	// The postmortems folder is relative to the config file: keep it found.
	data = []byte(strings.Replace(string(data), "postmortems: postmortems", "postmortems: "+filepath.Join(repoRoot, "testdata/payments/postmortems"), 1))
	data = append(data, "\ndatabase:\n  image: "+image+"\n"...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// containersOf lists the containers that the qreview process pid started
// (running or not).
func containersOf(t *testing.T, cli *client.Client, pid int) []string {
	t.Helper()
	list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", provider.LabelPID+"="+strconv.Itoa(pid)).Add("label", provider.Label+"=1")})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list.Items {
		ids = append(ids, c.ID[:12]+" ("+string(c.State)+")")
	}
	return ids
}

type located struct {
	rule, file string
	line       int
}

// timed are rules whose findings depend on how fast this machine is at
// that moment (slow-plan and pool-saturation time a scan at the start of
// each run to turn cost into milliseconds), so runs that share two cores,
// or a container and a local cluster, may differ on them while their
// plans agree.
var timed = map[string]bool{"slow-plan": true, "pool-saturation": true}

// findingsOf are the plan-based findings of a result, where they are.
func findingsOf(res *report.Result) []located {
	var out []located
	for _, f := range res.Findings {
		if !timed[f.Rule] {
			out = append(out, located{f.Rule, f.File, f.Line})
		}
	}
	return out
}

func sameFindings(a, b []located) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestContainerAutoPicks(t *testing.T) {
	image, _ := containerImage(t)
	cfg := paymentsConfig(t, image)

	t.Run("container when the engine and image are there", func(t *testing.T) {
		r := qreview(t, nil, "review", "testdata/payments", "--format", "json", "--config", cfg, "--no-cache")
		if r.code != exitFail {
			t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
		}
		if db := decode(t, r.stdout).Database; db.Provider != "container" || db.Image != image {
			t.Errorf("auto picked %+v, want container %s", db, image)
		}
		if strings.Contains(r.stderr, "using local") {
			t.Errorf("auto explained a fallback it did not make:\n%s", r.stderr)
		}
	})

	t.Run("local when no engine answers", func(t *testing.T) {
		started := time.Now()
		r := qreview(t, []string{"DOCKER_HOST=unix:///nonexistent.sock"}, "review", "testdata/payments", "--format", "json", "--config", cfg, "--no-cache")
		took := time.Since(started)
		if r.code != exitFail {
			t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
		}
		if db := decode(t, r.stdout).Database; db.Provider != "local" {
			t.Errorf("auto picked %+v, want local", db)
		}
		const why = "qreview: no container engine at unix:///nonexistent.sock; using local PostgreSQL binaries\n"
		if !strings.Contains(r.stderr, why) {
			t.Errorf("stderr lacks the one-line reason %q:\n%s", why, r.stderr)
		}
		t.Logf("whole review with the fallback: %s", took.Round(time.Millisecond))
	})

	t.Run("local when the image cannot be had", func(t *testing.T) {
		r := qreview(t, nil, "review", "testdata/payments", "--format", "json", "-q", "--config", paymentsConfig(t, "qreview-test/no-such-image:1"))
		if r.code != exitFail {
			t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
		}
		if db := decode(t, r.stdout).Database; db.Provider != "local" {
			t.Errorf("auto picked %+v, want local", db)
		}
	})

	t.Run("a clear error when neither works", func(t *testing.T) {
		r := qreview(t, []string{"DOCKER_HOST=unix:///nonexistent.sock", "QREVIEW_PG_BINDIR=/nonexistent", "PATH=/usr/bin:/bin"},
			"review", "testdata/payments", "--config", cfg, "--no-cache")
		if r.code != exitBroken {
			t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
		}
		for _, how := range []string{"container:", "DOCKER_HOST", "local:", "QREVIEW_PG_BINDIR", "--dsn"} {
			if !strings.Contains(r.stderr, how) {
				t.Errorf("error does not say %q:\n%s", how, r.stderr)
			}
		}
	})
}

// TestContainerInterruptLeavesNothing sends SIGINT (or SIGTERM) while the
// container starts (before and after it exists) and while the data is seeded: after
// the process exits no container of the run may exist, nor anything in
// its TMPDIR.
func TestContainerInterruptLeavesNothing(t *testing.T) {
	image, cli := containerImage(t)
	cfg := paymentsConfig(t, image)
	for _, tc := range []struct {
		phase string
		sig   os.Signal
	}{
		{"at once", os.Interrupt},
		{"engine checked", os.Interrupt},
		{"container created", os.Interrupt},
		{"ready in", os.Interrupt},
		{"seeded ", os.Interrupt},
		{"seeded ", syscall.SIGTERM},
	} {
		phase := tc.phase
		t.Run(strings.TrimSpace(phase)+" "+tc.sig.String(), func(t *testing.T) {
			tmp := scratchTmp(t)
			cmd, _, _ := command(t, tmp, nil, "review", "testdata/payments", "--db", "container", "--config", cfg, "--no-cache")
			stderr := startReading(t, cmd)
			pid := cmd.Process.Pid
			var mu sync.Mutex
			var seen []string
			lines := make(chan string)
			go func() {
				defer close(lines)
				s := bufio.NewScanner(stderr)
				for s.Scan() {
					mu.Lock()
					seen = append(seen, s.Text())
					mu.Unlock()
					lines <- s.Text()
				}
			}()
			switch phase {
			case "at once":
				// Late enough for the signal handler, early enough
				// for the engine checks.
				time.Sleep(50 * time.Millisecond)
			case "engine checked":
				time.Sleep(150 * time.Millisecond)
			case "container created":
				for deadline := time.Now().Add(30 * time.Second); len(containersOf(t, cli, pid)) == 0; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("no container appeared")
					}
				}
			default:
				for l := range lines {
					if strings.Contains(l, phase) {
						break
					}
				}
				if len(containersOf(t, cli, pid)) == 0 {
					t.Error("no container at this phase; the test proves nothing")
				}
			}
			cmd.Process.Signal(tc.sig)
			for range lines {
			}
			cmd.Wait()
			mu.Lock()
			defer mu.Unlock()
			// A signal that comes before Go has run qreview's main (package
			// initialisation takes ~0.1 s) ends the process as the signal
			// does by default (130 in a shell): nothing was started yet.
			if killedBy(cmd, tc.sig) && len(seen) == 0 {
				assertNothingLeft(t, tmp)
				return
			}
			if code := cmd.ProcessState.ExitCode(); code != exitBroken {
				t.Errorf("exit %d after %s, want 2; stderr:\n%s", code, tc.sig, strings.Join(seen, "\n"))
			}
			if len(seen) == 0 || !strings.Contains(seen[len(seen)-1], "interrupted") {
				t.Errorf("the run does not say it was interrupted:\n%s", strings.Join(seen, "\n"))
			}
			if left := containersOf(t, cli, pid); len(left) > 0 {
				t.Errorf("containers left: %v", left)
			}
			assertNothingLeft(t, tmp)
		})
	}
}

func TestContainerConcurrentReviewsDoNotCollide(t *testing.T) {
	image, _ := containerImage(t)
	cfg := paymentsConfig(t, image)
	const n = 4
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			results[i] = qreview(t, nil, "review", "testdata/payments", "--format", "json", "-q", "--db", "container", "--config", cfg, "--no-cache")
		})
	}
	wg.Wait()
	var first []located
	for i, r := range results {
		if r.code != exitFail {
			t.Errorf("run %d: exit %d, want 1\n%s", i, r.code, r.stderr)
			continue
		}
		got := findingsOf(decode(t, r.stdout))
		if first == nil {
			first = got
		}
		if len(got) == 0 || !sameFindings(got, first) {
			t.Errorf("run %d: findings %v, run 0 %v", i, got, first)
		}
	}
}

func TestContainerCleanupRemovesWhatAKilledRunLeft(t *testing.T) {
	image, cli := containerImage(t)
	tmp := scratchTmp(t)
	cmd, _, stderr := command(t, tmp, nil, "review", "testdata/payments", "--db", "container", "--config", paymentsConfig(t, image), "--no-cache")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(30 * time.Second); len(containersOf(t, cli, pid)) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no container appeared\n%s", stderr)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	left := containersOf(t, cli, pid)
	if len(left) == 0 {
		t.Fatal("the killed run left no container; the test proves nothing")
	}

	r := qreview(t, nil, "cleanup")
	if r.code != exitPass {
		t.Fatalf("cleanup: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "removed "+left[0][:12]) {
		t.Errorf("cleanup output does not name %s:\n%s", left[0][:12], r.stdout)
	}
	if still := containersOf(t, cli, pid); len(still) > 0 {
		t.Errorf("still there after cleanup: %v", still)
	}
	assertNothingLeft(t, tmp)
}

// TestContainerWarmRerunFromACommittedImage: a container review keeps its
// seeded cluster as an image; the next review of the same schema starts
// from it and finds the same; qreview cache clean removes it.
func TestContainerWarmRerunFromACommittedImage(t *testing.T) {
	image, _ := containerImage(t)
	cfg := paymentsConfig(t, image)
	qreview(t, nil, "cache", "clean") // no image left by an earlier run
	args := []string{"review", "testdata/payments", "--format", "json", "--db", "container", "--config", cfg}
	cold := qreview(t, nil, args...)
	warm := qreview(t, nil, args...)
	if cold.code != exitFail || warm.code != exitFail {
		t.Fatalf("exits %d, %d\n%s\n%s", cold.code, warm.code, cold.stderr, warm.stderr)
	}
	if !strings.Contains(cold.stderr, "kept the seeded cluster as image qreview-cache:") || !strings.Contains(warm.stderr, "warm: schema and 160,000 seeded rows") {
		t.Fatalf("not kept, or not reused:\ncold:\n%s\nwarm:\n%s", cold.stderr, warm.stderr)
	}
	if c, w := decode(t, cold.stdout), decode(t, warm.stdout); !sameFindings(findingsOf(c), findingsOf(w)) {
		t.Errorf("warm findings %v, cold %v", findingsOf(w), findingsOf(c))
	}
	clean := qreview(t, nil, "cache", "clean")
	if !strings.Contains(clean.stdout, "removed image qreview-cache:") {
		t.Errorf("cache clean removed no image:\n%s%s", clean.stdout, clean.stderr)
	}
	if ls := qreview(t, nil, "cache", "ls"); strings.Contains(ls.stdout, "qreview-cache:") {
		t.Errorf("image still listed after clean:\n%s", ls.stdout)
	}
}
