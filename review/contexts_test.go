package review

// The database contexts the golden corpus runs each case in: a local
// cluster, cold then warm from its cache; a DSN on a server as its
// superuser; a DSN as a non-superuser that owns its own application
// database (appdb), which no review may touch; a container, when an
// engine answers and the test image is there. Each DSN server is one
// local cluster shared by the whole test binary.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/qreview/qreview/explain/provider"
)

// dbContext is one way of getting the scratch database.
type dbContext struct {
	name   string
	db     Database
	cached bool               // a second run must be warm and equal the first
	check  func(t *testing.T) // after every run: nothing escaped or was left
	serial *sync.Mutex        // held around each run on a shared server
}

var allContexts = []string{"local", "dsn-superuser", "dsn-user", "container"}

// contexts make each context for a test; nil when it is not available.
var contexts = map[string]func(t *testing.T) *dbContext{
	"local": func(t *testing.T) *dbContext {
		return &dbContext{name: "local", db: Database{Kind: "local", CacheDir: scratchDir(t)}, cached: true}
	},
	"dsn-superuser": func(t *testing.T) *dbContext {
		s := sharedServer(t, &superServer, false)
		return &dbContext{name: "dsn-superuser", db: Database{Kind: "dsn", DSN: s.dsn, NoCache: true}, check: s.checkClean, serial: &s.mu}
	},
	"dsn-user": func(t *testing.T) *dbContext {
		s := sharedServer(t, &userServer, true)
		return &dbContext{name: "dsn-user", db: Database{Kind: "dsn", DSN: s.dsn, NoCache: true}, check: s.checkClean, serial: &s.mu}
	},
	"container": func(t *testing.T) *dbContext {
		image := testImage()
		if image == "" {
			return nil
		}
		return &dbContext{name: "container", db: Database{Kind: "container", Image: image, NoCache: true}}
	},
}

// scratchDir is a temp dir the "postgres" user can traverse (the local
// provider runs the server as that user when the tests run as root).
func scratchDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qreview-golden-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// testImage is the container image of the container context:
// QREVIEW_TEST_IMAGE, else the one scripts/build-pg-image.sh builds; ""
// when no engine answers or the image is not there.
func testImage() string {
	image := os.Getenv("QREVIEW_TEST_IMAGE")
	if image == "" {
		image = "qreview-test/postgres:15"
	}
	if err := exec.Command("docker", "image", "inspect", image).Run(); err != nil {
		return ""
	}
	return image
}

// server is a local cluster shared by the test binary, reached as a DSN.
type server struct {
	once    sync.Once
	db      *provider.Database
	dsn     string // what the reviews are given
	admin   string // the superuser, for checks
	err     error
	appUser bool
	mu      sync.Mutex
}

var superServer, userServer server

func sharedServer(t *testing.T, s *server, appUser bool) *server {
	t.Helper()
	s.once.Do(func() {
		s.appUser = appUser
		s.db, s.err = provider.StartLocal(context.Background(), nil)
		if s.err != nil {
			return
		}
		s.admin, s.dsn = s.db.DSN, s.db.DSN
		if appUser {
			s.dsn, s.err = makeAppUser(s.admin)
		}
	})
	if s.err != nil {
		t.Fatalf("shared server: %v", s.err)
	}
	return s
}

// makeAppUser makes what a team's CI typically has: a role that is not a
// superuser, may create databases and roles, and owns the application's
// database.
func makeAppUser(admin string) (string, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		"CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB CREATEROLE",
		"CREATE DATABASE appdb OWNER app",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return "", fmt.Errorf("%s: %w", stmt, err)
		}
	}
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("host=%s port=%d user=app password=app dbname=appdb sslmode=disable", cfg.Host, cfg.Port), nil
}

// checkClean: the application database is still there, and no scratch
// database or run role is left (runs on a server are serial).
func (s *server) checkClean(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if s.appUser {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = 'appdb'").Scan(&n); err != nil {
			t.Fatalf("look for appdb: %v", err)
		}
		if n != 1 {
			t.Errorf("the application database appdb is gone")
		}
	}
	var left []string
	rows, err := conn.Query(ctx, `
		SELECT datname::text FROM pg_database WHERE datname LIKE 'qreview\_%' AND datname NOT LIKE 'qreview\_tpl\_%'
		UNION ALL
		SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'qreview\_run\_%'`)
	if err != nil {
		t.Fatalf("list what the review left: %v", err)
	}
	left, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list what the review left: %v", err)
	}
	if len(left) > 0 {
		t.Errorf("left on the server after the review: %s", strings.Join(left, ", "))
	}
}

// closeServers stops the shared servers; TestMain calls it.
func closeServers() {
	for _, s := range []*server{&superServer, &userServer} {
		if s.db != nil {
			s.db.Close()
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	closeServers()
	os.Exit(code)
}
