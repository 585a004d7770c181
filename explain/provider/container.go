package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/errdefs"
	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
)

// Labels on every container qreview starts: LabelRun names the run, so
// that Close removes exactly its own, and LabelPID/LabelHost let cleanup
// tell a leftover of a killed run from the container of a live one.
const (
	Label     = "qreview"
	LabelRun  = "qreview.run"
	LabelPID  = "qreview.pid"
	LabelHost = "qreview.host"
)

const (
	// engineTimeout bounds the engine ping and image inspect: auto must
	// not add seconds on a machine with no engine. (A missing socket fails
	// at once; this is for a DOCKER_HOST address that does not answer.)
	engineTimeout = 2 * time.Second
	// readyTimeout is how long the server may take to accept connections
	// (initdb runs inside the container first).
	readyTimeout = 90 * time.Second
)

// StartContainer runs PostgreSQL from opts.Image (an official postgres
// image or one that behaves like it) with the throwaway settings and
// waits until it accepts connections. Close removes the container and its
// volumes; it also does when the start fails or ctx is cancelled.
func StartContainer(ctx context.Context, opts Options) (db *Database, err error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	image := opts.Image
	if image == "" {
		return nil, errors.New("container PostgreSQL: no image: set database.image (or database.version)")
	}
	cli, err := connectEngine(ctx)
	if err != nil {
		return nil, fmt.Errorf("container PostgreSQL: %w", err)
	}
	present, err := imagePresent(ctx, cli, image)
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("container PostgreSQL: %w", err)
	}
	if !present {
		fmt.Fprintf(opts.Log, "qreview: pulling %s\n", image)
		if err := pullImage(ctx, image); err != nil {
			cli.Close()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("container PostgreSQL: image %s is not on this machine and could not be pulled: %w; "+
				"pull it (docker pull %s) or name one you have in database.image", image, err, image)
		}
	}

	var cache *containerCache
	if opts.Cache != nil {
		if cache, err = openContainerCache(ctx, cli, image, opts.Cache, opts.skipWarm); err != nil {
			fmt.Fprintf(opts.Log, "qreview: cache off: %v\n", err)
		}
	}
	run := RunID()
	remove := func() {
		removeRun(cli, run)
		cli.Close()
	}
	retried := false
	defer func() {
		if err != nil && !retried {
			remove()
		}
	}()

	// The password only keeps other local users out of a throwaway server
	// that listens on a published port.
	password := RunID() + RunID()
	env := map[string]string{"POSTGRES_INITDB_ARGS": "--no-sync"}
	runImage := image
	if cache != nil {
		env["PGDATA"] = cachedPGDATA
		if cache.warm {
			runImage, password = cache.tag, cache.password // its cluster has the password it was made with
		}
	}
	cmd := []string{"postgres"}
	for _, kv := range ServerSettings(opts.Settings) {
		cmd = append(cmd, "-c", kv)
	}
	host, _ := os.Hostname()
	// Creating and starting is not cancelled with ctx: the engine finishes
	// a create whose caller went away, and the container would appear
	// after removeRun looked. It takes well under a second once the image
	// is here; a Ctrl-C meanwhile takes effect right after.
	startCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	ctr, err := postgres.Run(startCtx, runImage, // user and database: postgres
		postgres.WithPassword(password),
		testcontainers.WithCmd(cmd...),
		// fsync is off anyway, so initdb need not sync either: this is
		// most of the start time on slow storage.
		testcontainers.WithEnv(env),
		testcontainers.WithLabels(map[string]string{
			Label: "1", LabelRun: run, LabelPID: strconv.Itoa(os.Getpid()), LabelHost: host,
		}),
		// Docker's default 64 MB /dev/shm is too small for parallel
		// query's shared memory at production-sized data.
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) { hc.ShmSize = 1 << 30 }),
		testcontainers.WithLogger(tclog.NewNoopLogger()),
	)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("container PostgreSQL: start %s: %w", image, err)
	}
	id := ctr.GetContainerID()
	dsn, err := waitPublished(ctx, cli, ctr, password)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("container PostgreSQL: PostgreSQL in container %.12s from %s: %w\n%s", id, image, err, containerLog(ctr))
	}
	if cache != nil && cache.warm {
		// A committed image cannot change, but a tag can be made anew by
		// hand: check the cluster is the one that was kept.
		if fp, ferr := Fingerprint(ctx, dsn); ferr != nil || fp != cache.fingerprint {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			fmt.Fprintf(opts.Log, "qreview: cache: image %s no longer equals what was seeded%s; removing it, seeding afresh\n", cache.tag, because(ferr))
			removeRun(cli, run)
			cli.ImageRemove(context.WithoutCancel(ctx), cache.tag, client.ImageRemoveOptions{})
			cli.Close()
			retried, opts.skipWarm = true, true // the tag stays when a container of another run uses it
			return StartContainer(ctx, opts)
		}
	}
	db = &Database{DSN: dsn, Provider: Container, Image: image, Detail: fmt.Sprintf("container %.12s from %s", id, runImage),
		admin: dsn, run: run, cached: cache != nil, log: opts.Log}
	if cache != nil && cache.warm {
		db.Warm, db.Meta, db.fingerprint = true, cache.meta, cache.fingerprint
	}
	db.close = func(intact bool) []LeftBehind {
		if cache != nil && !cache.warm && db.kept != nil && intact {
			cache.store(cli, id, password, db.kept, db.fingerprint, opts.Log)
		}
		defer cli.Close()
		if err := removeRun(cli, run); err != nil {
			return []LeftBehind{{What: fmt.Sprintf("container %.12s (run %s) on %s", id, run, cli.DaemonHost()),
				Remove: fmt.Sprintf("docker rm -f -v %.12s, or qreview cleanup", id), Err: err}}
		}
		return nil
	}
	return db, nil
}

// waitPublished waits until the server accepts a connection through its
// published port and returns the DSN that worked.
//
// Where a published port can be reached is not always where testcontainers
// thinks: when /.dockerenv exists it assumes it runs inside a container
// and dials the engine's gateway, which on a machine that merely has that
// file (some CI sandboxes) never answers. So with a local engine (a unix
// socket) qreview tries 127.0.0.1 as well, at the same time, and uses the
// first that answers. TESTCONTAINERS_HOST_OVERRIDE, when set, is the only
// address tried.
func waitPublished(ctx context.Context, cli *client.Client, ctr testcontainers.Container, password string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	host, err := ctr.Host(ctx)
	if err != nil {
		return "", fmt.Errorf("find the engine's address: %w", err)
	}
	port, err := ctr.MappedPort(ctx, "5432/tcp")
	if err != nil {
		return "", fmt.Errorf("find the published port: %w", err)
	}
	hosts := []string{host}
	_, override := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE")
	if !override && strings.HasPrefix(cli.DaemonHost(), "unix://") && host != "localhost" && host != "127.0.0.1" {
		hosts = append(hosts, "127.0.0.1")
	}

	ready := make(chan string, len(hosts))
	for _, h := range hosts {
		dsn := (&url.URL{Scheme: "postgres", User: url.UserPassword("postgres", password),
			Host: net.JoinHostPort(h, port.Port()), Path: "/postgres", RawQuery: "sslmode=disable"}).String()
		go func() {
			for ctx.Err() == nil {
				attempt, stop := context.WithTimeout(ctx, 2*time.Second)
				conn, err := pgx.Connect(attempt, dsn)
				stop()
				if err == nil {
					conn.Close(context.Background())
					ready <- dsn
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
		}()
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case dsn := <-ready:
			return dsn, nil
		case <-tick.C:
			if state, err := ctr.State(ctx); err == nil && !state.Running {
				return "", fmt.Errorf("the container exited (status %d)", state.ExitCode)
			}
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), context.Canceled) {
				return "", ctx.Err()
			}
			where := make([]string, len(hosts))
			for i, h := range hosts {
				where[i] = net.JoinHostPort(h, port.Port())
			}
			return "", fmt.Errorf("no connection at %s after %s; if the engine publishes ports on another address, set TESTCONTAINERS_HOST_OVERRIDE to it",
				strings.Join(where, " or "), readyTimeout)
		}
	}
}

// containerLog is the end of the container's output, for error messages.
func containerLog(ctr testcontainers.Container) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := ctr.Logs(ctx)
	if err != nil {
		return ""
	}
	defer r.Close()
	out, _ := io.ReadAll(r)
	return tail(out, 10)
}

// useTestcontainers sets testcontainers up for qreview. Both settings are
// process-wide and must precede its first use, which reads them once.
func useTestcontainers() {
	// Ryuk, testcontainers' reaper, is one more image to pull, and cannot
	// be where no registry answers; qreview removes its containers itself
	// (Close on every path, labels and `qreview cleanup` after a kill).
	// A user who has Ryuk and wants it says so.
	if _, set := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !set {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// testcontainers reports progress on stderr through its default
	// logger (the engine banner, pulls); qreview's stderr is its own.
	tclog.SetDefault(tclog.NewNoopLogger())
}

// connectEngine returns a client for the container engine that answers:
// the one DOCKER_HOST names, else the one testcontainers finds (the
// default socket, rootless Docker, Docker Desktop, ~/.testcontainers.properties).
// An engine named in DOCKER_HOST that does not answer is an error, not a
// reason to try another, as with the docker CLI.
func connectEngine(ctx context.Context) (*client.Client, error) {
	useTestcontainers()
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	where := os.Getenv("DOCKER_HOST")
	var cli *client.Client
	var err error
	if where != "" {
		cli, err = client.New(client.FromEnv)
	} else {
		where = "unix:///var/run/docker.sock"
		// Not cancelled with ctx: testcontainers panics when its docker
		// info call fails after the engine answered (a Ctrl-C right then).
		tcCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), engineTimeout)
		defer cancel()
		var tc *testcontainers.DockerClient
		if tc, err = testcontainers.NewDockerClientWithOpts(tcCtx); err == nil {
			cli, where = tc.Client, tc.DaemonHost()
		}
	}
	if err == nil {
		if _, err = cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
			cli.Close()
		}
	}
	if err != nil {
		return nil, &noEngineError{where: where, err: err}
	}
	return cli, nil
}

// noEngineError: no container engine answers.
type noEngineError struct {
	where string
	err   error
}

func (e *noEngineError) Error() string {
	// The client's message repeats the address around the dial error;
	// the dial error alone says what happened.
	cause := e.err
	var dial *net.OpError
	if errors.As(e.err, &dial) {
		cause = dial
	}
	return fmt.Sprintf("no container engine at %s: start Docker (or Podman's Docker-compatible service), or set DOCKER_HOST to one (%v)", e.where, cause)
}

// imagePresent says whether image is on the engine already.
func imagePresent(ctx context.Context, cli *client.Client, image string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	_, err := cli.ImageInspect(ctx, image)
	switch {
	case err == nil:
		return true, nil
	case errdefs.IsNotFound(err):
		return false, nil
	}
	return false, fmt.Errorf("inspect image %s on %s: %w", image, cli.DaemonHost(), err)
}

// pullImage pulls image through testcontainers, which finds the
// registry credentials the docker CLI would use. It never pulls a present
// image (nor asks for a platform), so a local image is always what runs.
func pullImage(ctx context.Context, image string) error {
	p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(tclog.NewNoopLogger()))
	if err != nil {
		return err
	}
	defer p.Close()
	return p.PullImage(ctx, image)
}

// removeRun removes every container of one run with its volumes (the
// official image keeps its data in an anonymous volume). It goes by label,
// not by the container's ID, so that a container created by a start that
// was cancelled before testcontainers learned its ID goes too. Its context
// is fresh: the run's own is usually cancelled by now.
func removeRun(cli *client.Client, run string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", LabelRun+"="+run)})
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	var first error
	for _, c := range list.Items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) && first == nil {
			first = fmt.Errorf("remove container %.12s: %w", c.ID, err)
		}
	}
	return first
}

// Leftover is a container that a qreview run started and that still exists.
type Leftover struct {
	ID, Image, Run string
	Created        time.Time
	InUse          string // why it was kept: whose it may still be; "" if removed
}

// CleanupContainers removes the containers that killed qreview runs left
// behind: those labelled qreview=1 whose process no longer runs on this
// machine. It keeps those of live runs, and those started from another
// machine on a shared engine (which cannot be told from live ones),
// unless all is set.
func CleanupContainers(ctx context.Context, all bool) (removed, kept []Leftover, err error) {
	cli, err := connectEngine(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer cli.Close()
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", Label+"=1")})
	if err != nil {
		return nil, nil, fmt.Errorf("list containers on %s: %w", cli.DaemonHost(), err)
	}
	host, _ := os.Hostname()
	for _, c := range list.Items {
		l := Leftover{ID: c.ID, Image: c.Image, Run: c.Labels[LabelRun], Created: time.Unix(c.Created, 0)}
		switch pid := c.Labels[LabelPID]; {
		case c.Labels[LabelHost] != host:
			l.InUse = "started from " + c.Labels[LabelHost]
		case processRuns(pid):
			l.InUse = "its run (pid " + pid + ") is still going"
		}
		if l.InUse != "" && !all {
			kept = append(kept, l)
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
			return removed, kept, fmt.Errorf("remove container %.12s: %w", c.ID, err)
		}
		l.InUse = ""
		removed = append(removed, l)
	}
	return removed, kept, nil
}

// processRuns says whether pid is a running process here.
func processRuns(pid string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return false
	}
	err = syscall.Kill(n, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
