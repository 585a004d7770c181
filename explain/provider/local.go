package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// binDirGlob is where Debian and Ubuntu install server binaries, which
// are not on PATH there.
const binDirGlob = "/usr/lib/postgresql/*/bin"

// StartLocal initialises a throwaway cluster from the PostgreSQL server
// binaries on this machine in a temp dir and starts it listening on a
// unix socket in that dir only: no TCP port, so concurrent runs cannot
// collide. Durability is off; the cluster is deleted by Close.
func StartLocal(ctx context.Context, settings map[string]string) (*Database, error) {
	return startLocal(ctx, Options{Settings: settings})
}

// startLocal is StartLocal with a cache: with opts.Cache set, a cluster
// kept by an earlier run with the same key is started instead of a new
// one (Database.Warm), or the new one is kept when the caller calls
// Database.Keep before Close.
func startLocal(ctx context.Context, opts Options) (db *Database, err error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "qreview-pg-")
	if err != nil {
		return nil, fmt.Errorf("local PostgreSQL: temp dir: %w", err)
	}
	var cached *localCache
	defer func() {
		if err != nil {
			cached.release(false)
			os.RemoveAll(dir)
		}
	}()
	if err := chownTo(dir, cred); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if opts.Cache != nil {
		cached = openLocalCache(opts, bin, cred)
		if cached != nil {
			data = cached.data
		}
	}
	srv, err := startServer(ctx, bin, dir, data, cred, opts.Settings, !cached.warm())
	if err != nil {
		return nil, err
	}
	if cached.warm() {
		// The server runs on the kept cluster itself: a run that died
		// before Close could check it may have left it changed.
		if fp, ferr := Fingerprint(ctx, srv.dsn); ferr != nil || fp != cached.fingerprint {
			srv.stop(syscall.SIGQUIT)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			fmt.Fprintf(logOrDiscard(opts.Log), "qreview: cache entry %s no longer equals what was seeded%s; removed it, seeding afresh\n",
				filepath.Join(cached.dir, cached.name), because(ferr))
			data = cached.discard()
			if srv, err = startServer(ctx, bin, dir, data, cred, opts.Settings, true); err != nil {
				return nil, err
			}
		}
	}
	db = &Database{DSN: srv.dsn, Provider: Local, Detail: bin, Warm: cached.warm(), Meta: cached.meta(),
		admin: srv.dsn, run: RunID(), cached: cached != nil, log: opts.Log}
	if cached.warm() {
		db.fingerprint = cached.fingerprint
	}
	db.close = func(intact bool) []LeftBehind {
		var left []LeftBehind
		keep := db.kept != nil && cached != nil && !cached.warm() && intact
		if keep || cached.warm() {
			srv.stop(syscall.SIGINT) // fast shutdown: the data dir stays consistent
		} else {
			srv.stop(syscall.SIGQUIT) // immediate: nothing is worth a checkpoint
		}
		if keep {
			cached.store(db.kept, db.fingerprint, opts.Log)
		}
		if cached.warm() && !intact {
			fmt.Fprintf(logOrDiscard(opts.Log), "qreview: cache: removed entry %s: the review changed it\n", filepath.Join(cached.dir, cached.name))
			cached.discard()
		}
		if err := cached.release(keep); err != nil {
			left = append(left, LeftBehind{What: "cache staging dir " + cached.data, Remove: "rm -rf " + cached.data, Err: err})
		}
		if err := os.RemoveAll(dir); err != nil {
			left = append(left, LeftBehind{What: "temp dir " + dir, Remove: "rm -rf " + dir, Err: err})
		}
		return left
	}
	return db, nil
}

func because(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}

// server is a postgres process qreview started on a data dir.
type server struct {
	dsn    string
	stop   func(syscall.Signal)
	exited chan struct{}
}

// startServer starts postgres on data (running initdb first when fresh)
// with its socket in dir, and waits until it accepts connections.
func startServer(ctx context.Context, bin, dir, data string, cred *syscall.Credential, settings map[string]string, fresh bool) (*server, error) {
	if fresh {
		if err := initCluster(ctx, bin, data, cred); err != nil {
			return nil, err
		}
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("local PostgreSQL: %w", err)
	}
	defer logFile.Close()
	args := []string{"-D", data, "-k", dir, "-c", "listen_addresses="}
	for _, kv := range ServerSettings(settings) {
		args = append(args, "-c", kv)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttr(cred)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("local PostgreSQL: start %s/postgres: %w", bin, err)
	}
	s := &server{exited: make(chan struct{}),
		dsn: fmt.Sprintf("host=%s port=5432 user=postgres dbname=postgres sslmode=disable", dir)}
	go func() { cmd.Wait(); close(s.exited) }()
	s.stop = func(signal syscall.Signal) {
		cmd.Process.Signal(signal)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
		}
	}
	if err := waitReady(ctx, s.dsn, s.exited); err != nil {
		s.stop(syscall.SIGQUIT)
		log, _ := os.ReadFile(logPath)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("local PostgreSQL (%s) did not start: %w\n%s", bin, err, tail(log, 10))
	}
	return s, nil
}

// initCluster runs initdb into data as the server's user.
func initCluster(ctx context.Context, bin, data string, cred *syscall.Credential) error {
	// initdb takes an existing empty dir; making it here lets it live in a
	// directory the server user could not create entries in.
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("local PostgreSQL: %w", err)
	}
	if err := chownTo(data, cred); err != nil {
		return err
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C")
	initdb.SysProcAttr = childAttr(cred)
	initdb.Cancel = func() error { return syscall.Kill(-initdb.Process.Pid, syscall.SIGKILL) }
	if out, err := initdb.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("local PostgreSQL: initdb in %s: %w\n%s", bin, err, tail(out, 10))
	}
	return nil
}

func chownTo(path string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	if err := os.Chown(path, int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("local PostgreSQL: chown %s: %w", path, err)
	}
	return nil
}

// waitReady polls until the server accepts a connection, the server
// process exits, or ctx ends.
func waitReady(ctx context.Context, dsn string, exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(attempt, dsn)
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-exited:
			return errors.New("the server exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no connection after 60 s: %w", err)
		}
	}
}

// FindBinaries returns the directory holding initdb and postgres:
// QREVIEW_PG_BINDIR when set (and then only it), else from PATH, else the
// newest major version under /usr/lib/postgresql.
func FindBinaries() (string, error) {
	if dir := os.Getenv("QREVIEW_PG_BINDIR"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
			return "", fmt.Errorf("QREVIEW_PG_BINDIR=%s holds no initdb: point it at the directory with PostgreSQL's initdb and postgres, or unset it", dir)
		}
		return dir, nil
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(initdb); err == nil {
			initdb = real
		}
		dir := filepath.Dir(initdb)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(binDirGlob)
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries: initdb is neither on PATH nor under " + binDirGlob +
		"; install them (e.g. apt-get install postgresql), or use --db container with a container engine, or --dsn with a server you have")
}

func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// serverCredential: initdb and postgres refuse to run as root, so a root
// qreview runs them as the "postgres" user that server packages create.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("local PostgreSQL: running as root, and PostgreSQL refuses to run as root; there is no \"postgres\" user to run it as: create one, or run qreview as another user")
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(bytes.ToValidUTF8(out, nil))), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  " + strings.Join(lines, "\n  ")
}
