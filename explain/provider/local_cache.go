package provider

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// localCache is one run's hold on a cache entry: a kept data dir (warm)
// or the staging dir this run's cluster lives in until it is stored.
type localCache struct {
	dir, name   string // cache dir and entry name
	data        string // the data dir the server runs on
	isWarm      bool
	metadata    []byte
	fingerprint string // stored with the entry when it was kept
	unlock      func()
}

// fingerprintFile holds the entry's Fingerprint, written before the
// marker; an entry without it (an older qreview's) is seeded afresh.
const fingerprintFile = "qreview-fingerprint"

// openLocalCache locks the entry for opts.Cache.Key and this server
// version. It returns nil (no cache, a fresh cluster in the temp dir)
// when the cache cannot be used, and says why on opts.Log.
func openLocalCache(opts Options, bin string, cred *syscall.Credential) *localCache {
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	version, err := exec.Command(filepath.Join(bin, "postgres"), "-V").Output()
	if err != nil {
		fmt.Fprintf(logw, "qreview: cache off: %s/postgres -V: %v\n", bin, err)
		return nil
	}
	c := &localCache{dir: opts.Cache.Dir, name: entryName(opts.Cache.Key, strings.TrimSpace(string(version)))}
	if c.dir == "" {
		c.dir = DefaultCacheDir()
	}
	unlock, ok, err := lockEntry(c.dir, c.name)
	switch {
	case err != nil:
		fmt.Fprintf(logw, "qreview: cache off: %v\n", err)
		return nil
	case !ok:
		fmt.Fprintf(logw, "qreview: cache entry %s is in use by another review; seeding afresh\n", filepath.Join(c.dir, c.name))
		return nil
	}
	c.unlock = unlock
	entry := filepath.Join(c.dir, c.name)
	if meta, err := os.ReadFile(filepath.Join(entry, completeMarker)); err == nil {
		fp, _ := os.ReadFile(filepath.Join(entry, fingerprintFile))
		c.data, c.isWarm, c.metadata, c.fingerprint = entry, true, meta, string(fp)
		now := time.Now()
		os.Chtimes(filepath.Join(entry, completeMarker), now, now) // last use, for pruning
		return c
	}
	c.data = entry + stagingSuffix
	os.RemoveAll(c.data) // a crashed run's leftover
	return c
}

func (c *localCache) warm() bool { return c != nil && c.isWarm }
func (c *localCache) meta() []byte {
	if c == nil {
		return nil
	}
	return c.metadata
}

// store turns the staging dir into the entry, marker last, then prunes
// old entries. The server must be stopped.
func (c *localCache) store(meta []byte, fingerprint string, logw io.Writer) {
	if logw == nil {
		logw = io.Discard
	}
	entry := filepath.Join(c.dir, c.name)
	os.RemoveAll(entry)
	if err := os.Rename(c.data, entry); err != nil {
		fmt.Fprintf(logw, "qreview: cache: could not keep the seeded cluster: %v\n", err)
		return
	}
	err := os.WriteFile(filepath.Join(entry, fingerprintFile), []byte(fingerprint), 0o644)
	if err == nil {
		err = os.WriteFile(filepath.Join(entry, completeMarker), meta, 0o644)
	}
	if err != nil {
		fmt.Fprintf(logw, "qreview: cache: could not keep the seeded cluster: %v\n", err)
		os.RemoveAll(entry)
		return
	}
	if _, _, err := Prune(c.dir, keepEntries); err != nil {
		fmt.Fprintf(logw, "qreview: cache: prune %s: %v\n", c.dir, err)
	}
	entries, _ := CacheEntries(c.dir)
	var total int64
	for _, e := range entries {
		total += e.Bytes
	}
	kept := fmt.Sprintf("%d clusters", len(entries))
	if len(entries) == 1 {
		kept = "1 cluster"
	}
	fmt.Fprintf(logw, "qreview: cache: kept the seeded cluster in %s (%s); %s, %s in all (--no-cache skips, qreview cache clean empties)\n",
		entry, megabytes(dirSize(entry)), kept, megabytes(total))
}

// discard removes a warm entry that no longer equals its seeding; the
// run goes on cold in the staging dir it returns, still under the lock.
func (c *localCache) discard() string {
	os.RemoveAll(filepath.Join(c.dir, c.name))
	c.isWarm, c.metadata, c.fingerprint = false, nil, ""
	c.data = filepath.Join(c.dir, c.name) + stagingSuffix
	os.RemoveAll(c.data)
	return c.data
}

// release unlocks the entry; a staging dir not stored is removed.
func (c *localCache) release(stored bool) error {
	if c == nil {
		return nil
	}
	defer c.unlock()
	if !c.isWarm && !stored {
		return os.RemoveAll(c.data)
	}
	return nil
}

func megabytes(n int64) string { return fmt.Sprintf("%d MB", (n+1<<19)>>20) }
