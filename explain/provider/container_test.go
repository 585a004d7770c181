package provider

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/client"
)

// testImage is the image the container tests run: QREVIEW_TEST_IMAGE, else
// the one scripts/build-pg-image.sh builds from the PostgreSQL installed
// here. The tests skip only when no engine answers or the image is missing.
func testImage(tb testing.TB) (string, *client.Client) {
	tb.Helper()
	image := os.Getenv("QREVIEW_TEST_IMAGE")
	if image == "" {
		image = "qreview-test/postgres:15"
	}
	cli, err := connectEngine(context.Background())
	if err != nil {
		tb.Skipf("no container engine: %v", err)
	}
	tb.Cleanup(func() { cli.Close() })
	if ok, err := imagePresent(context.Background(), cli, image); !ok {
		tb.Skipf("image %s is missing (%v): run scripts/build-pg-image.sh", image, err)
	}
	return image, cli
}

// ours lists the containers this test process started that still exist.
func ours(tb testing.TB, cli *client.Client) []string {
	tb.Helper()
	list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", LabelPID+"="+strconv.Itoa(os.Getpid()))})
	if err != nil {
		tb.Fatal(err)
	}
	var ids []string
	for _, c := range list.Items {
		ids = append(ids, c.ID[:12]+" "+string(c.State))
	}
	return ids
}

func TestContainerStartsAndCloseRemovesIt(t *testing.T) {
	image, cli := testImage(t)
	ctx := context.Background()
	db, err := Start(ctx, Options{Kind: Container, Image: image, Settings: map[string]string{"work_mem": "77MB"}})
	if err != nil {
		t.Fatal(err)
	}
	if db.Provider != Container || db.Image != image {
		t.Errorf("got provider %q image %q, want container %q", db.Provider, db.Image, image)
	}
	conn, err := pgx.Connect(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	var workMem, fsync string
	if err := conn.QueryRow(ctx, "SELECT current_setting('work_mem'), current_setting('fsync')").Scan(&workMem, &fsync); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if workMem != "77MB" || fsync != "off" {
		t.Errorf("settings: work_mem %s fsync %s, want the user's 77MB over the throwaway fsync off", workMem, fsync)
	}
	if left := ours(t, cli); len(left) != 1 {
		t.Errorf("want one labelled container while it runs, got %v", left)
	}
	// The data lives in a volume (as in the official image); Close must
	// remove it too.
	id := strings.Fields(db.Detail)[1]
	info, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var volumes []string
	for _, m := range info.Container.Mounts {
		if m.Type == "volume" {
			volumes = append(volumes, m.Name)
		}
	}
	db.Close()
	db.Close() // safe twice
	if left := ours(t, cli); len(left) != 0 {
		t.Errorf("left after Close: %v", left)
	}
	for _, v := range volumes {
		if _, err := cli.VolumeInspect(ctx, v, client.VolumeInspectOptions{}); err == nil {
			t.Errorf("volume %s left after Close", v)
		}
	}
	if len(volumes) == 0 {
		t.Logf("%s keeps its data in no volume", image)
	}
}

// A start cancelled at any point (Ctrl-C) returns an error and leaves no
// container behind, even one created before testcontainers knew its ID.
func TestContainerCancelledStartLeavesNothing(t *testing.T) {
	image, cli := testImage(t)
	for _, after := range []time.Duration{0, 20 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond, time.Second} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(after, cancel)
		db, err := StartContainer(ctx, Options{Image: image})
		cancel()
		if err == nil {
			db.Close()
			t.Errorf("cancelled after %s: started anyway", after)
		}
		if left := ours(t, cli); len(left) != 0 {
			t.Errorf("cancelled after %s: left %v", after, left)
		}
	}
}

func TestContainerMissingImage(t *testing.T) {
	testImage(t)
	_, err := StartContainer(context.Background(), Options{Image: "qreview-test/no-such-image:1"})
	if err == nil {
		t.Fatal("started from an image that does not exist")
	}
	t.Log(err)
}

// BenchmarkStartToReady compares the providers' start-to-ready time
// (until the first connection succeeds), starting a local cluster and a
// container in turn so that both see the same load; Close is not timed.
// It reports each as local-s/op and container-s/op.
func BenchmarkStartToReady(b *testing.B) {
	image, _ := testImage(b)
	if _, err := FindBinaries(); err != nil {
		b.Skip(err)
	}
	took := map[string]time.Duration{}
	n := 0
	for b.Loop() {
		for _, opts := range []Options{{Kind: Local}, {Kind: Container, Image: image}} {
			started := time.Now()
			db, err := Start(context.Background(), opts)
			if err != nil {
				b.Fatal(err)
			}
			took[opts.Kind] += time.Since(started)
			b.StopTimer()
			db.Close()
			b.StartTimer()
		}
		n++
	}
	for kind, d := range took {
		b.ReportMetric(d.Seconds()/float64(n), kind+"-s/op")
	}
}

// The container's server is a superuser DSN in effect: the reviewed SQL
// runs as the run role there too. A kept cluster (a committed image)
// carries its fingerprint and is verified when it is started again.
func TestContainerConfinedAndCacheVerified(t *testing.T) {
	image, cli := testImage(t)
	var log strings.Builder
	opts := Options{Kind: Container, Image: image, Cache: &Cache{Key: "container-k-" + RunID()}, Log: &log}
	db := startSeeded(t, opts)
	run(t, db.AdminDSN, "CREATE DATABASE other")
	tryEscapes(t, db.DSN, "other")
	tryEscapes(t, db.DSN, "postgres")
	closeOK(t, db)
	base, err := cli.ImageInspect(context.Background(), image)
	if err != nil {
		t.Fatal(err)
	}
	tag := cacheRepo + ":" + entryName(opts.Cache.Key, base.ID)
	t.Cleanup(func() { cli.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{}) })
	kept, err := cli.ImageInspect(context.Background(), tag)
	if err != nil || kept.Config.Labels[labelFingerprint] == "" {
		t.Fatalf("no committed cluster with its fingerprint (%v)\n%s", err, log.String())
	}

	db = startSeeded(t, opts)
	if !db.Warm || one[int](t, db.DSN, "SELECT count(*) FROM items") != 1000 {
		t.Fatalf("warm start from %s: warm %v\n%s", tag, db.Warm, log.String())
	}
	closeOK(t, db)
	if left := ours(t, cli); len(left) != 0 {
		t.Errorf("left after Close: %v", left)
	}
}
