package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Cache asks a provider for a seeded database kept by an earlier run with
// the same key (migrations, scale profile, generator), and to keep the
// one this run seeds. The provider adds the server version to the key.
type Cache struct {
	Key string // from the pipeline: what the seeded data depends on
	Dir string // where local clusters are kept; DefaultCacheDir() when ""
}

// keepEntries is how many seeded clusters the local cache keeps.
const keepEntries = 3

// DefaultCacheDir is $QREVIEW_CACHE_DIR, else the user's cache dir. Run
// as root, the server runs as "postgres", which cannot enter /root, so
// root's cache is /var/cache/qreview.
func DefaultCacheDir() string {
	if dir := os.Getenv("QREVIEW_CACHE_DIR"); dir != "" {
		return dir
	}
	if os.Geteuid() == 0 {
		return "/var/cache/qreview"
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "qreview")
	}
	return filepath.Join(os.TempDir(), "qreview-cache")
}

// entryName is the cache entry of a key for one server version.
func entryName(key, serverVersion string) string {
	sum := sha256.Sum256([]byte(key + "\x00" + serverVersion))
	return hex.EncodeToString(sum[:12])
}

// lockEntry takes an exclusive lock on an entry for the whole run, so that
// two runs never start servers on one data dir. ok is false when another
// run holds it; that run's cache is then left alone.
func lockEntry(dir, name string) (unlock func(), ok bool, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, false, fmt.Errorf("cache dir %s: %w", dir, err)
	}
	os.Chmod(dir, 0o755) // the server user must be able to enter it
	f, err := os.OpenFile(filepath.Join(dir, name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("cache lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false, nil
	}
	return func() { f.Close() }, true, nil
}

// CacheEntry is one kept cluster, for listing and pruning.
type CacheEntry struct {
	Path  string
	Bytes int64
	Mod   int64 // unix seconds of the last use
}

// CacheEntries lists the kept clusters in dir, newest first.
func CacheEntries(dir string) ([]CacheEntry, error) {
	names, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var entries []CacheEntry
	for _, n := range names {
		path := filepath.Join(dir, n.Name())
		if !n.IsDir() || !complete(path) {
			continue
		}
		info, _ := os.Stat(filepath.Join(path, completeMarker))
		entries = append(entries, CacheEntry{Path: path, Bytes: dirSize(path), Mod: info.ModTime().Unix()})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Mod > entries[j].Mod })
	return entries, nil
}

// stagingSuffix names the data dir of a run that will store its cluster
// as an entry when it succeeds.
const stagingSuffix = ".staging"

// completeMarker is written last when an entry is stored: an entry
// without it is a crashed run's leftover.
const completeMarker = "qreview-seeded.json"

func complete(path string) bool {
	_, err := os.Stat(filepath.Join(path, completeMarker))
	return err == nil
}

// Prune removes all but the newest keep entries in dir, and leftovers of
// runs that died while storing one. It takes each entry's lock first: an
// entry a running review holds is skipped and listed in inUse. It goes on
// past a failure and returns the first.
func Prune(dir string, keep int) (removed, inUse []string, err error) {
	note := func(e error) {
		if err == nil {
			err = e
		}
	}
	names, rerr := os.ReadDir(dir)
	if rerr != nil && !os.IsNotExist(rerr) {
		return nil, nil, fmt.Errorf("cache dir %s: %w", dir, rerr)
	}
	remove := func(name, path string) {
		unlock, ok, lerr := lockEntry(dir, name)
		switch {
		case lerr != nil:
			note(lerr)
			return
		case !ok:
			inUse = append(inUse, path)
			return
		}
		defer unlock()
		if rerr := os.RemoveAll(path); rerr != nil {
			note(fmt.Errorf("remove %s: %w", path, rerr))
			return
		}
		if !strings.HasSuffix(path, stagingSuffix) {
			os.Remove(filepath.Join(dir, name+".lock"))
		}
		removed = append(removed, path)
	}
	for _, n := range names {
		path := filepath.Join(dir, n.Name())
		if n.IsDir() && !complete(path) {
			// A staging dir is locked under its entry's name while in use.
			remove(strings.TrimSuffix(n.Name(), stagingSuffix), path)
		}
	}
	entries, lerr := CacheEntries(dir)
	if lerr != nil {
		note(lerr)
	}
	for i := keep; i < len(entries); i++ {
		remove(filepath.Base(entries[i].Path), entries[i].Path)
	}
	return removed, inUse, err
}

// CleanCache removes every entry in dir that no review holds; those in
// use are listed in inUse and left alone.
func CleanCache(dir string) (removed, inUse []string, err error) {
	return Prune(dir, 0)
}

func dirSize(path string) int64 {
	var total int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

// WriteCacheList writes the kept local clusters in dir, their sizes and
// last use, and the committed container clusters when an engine answers.
func WriteCacheList(ctx context.Context, w io.Writer, dir string) error {
	entries, err := CacheEntries(dir)
	if err != nil {
		return err
	}
	var total int64
	for _, e := range entries {
		total += e.Bytes
		fmt.Fprintf(w, "%s  %6d MB  last used %s\n", e.Path, e.Bytes>>20, time.Unix(e.Mod, 0).Format(time.DateTime))
	}
	fmt.Fprintf(w, "%d kept in %s, %d MB in all\n", len(entries), dir, total>>20)
	if images, err := ListCacheImages(ctx); err == nil {
		for _, im := range images {
			fmt.Fprintf(w, "%s  %6d MB  committed %s\n", im.Tag, im.Bytes>>20, im.Created.Format(time.DateTime))
		}
	}
	return nil
}
