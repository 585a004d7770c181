package provider

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

const (
	// cacheRepo is the repository of committed seeded clusters.
	cacheRepo = "qreview-cache"
	// cachedPGDATA keeps the cluster out of the images' data VOLUME, which
	// docker commit would leave out.
	cachedPGDATA  = "/var/lib/postgresql/qreview-data"
	labelPassword = "qreview.password"
	labelMeta     = "qreview.meta"
	// labelFingerprint is the kept cluster's Fingerprint, checked on
	// every warm start.
	labelFingerprint = "qreview.fingerprint"
)

// containerCache is a run's hold on a committed seeded cluster: warm, the
// image to run; cold, the tag to commit the seeded container as.
type containerCache struct {
	tag         string
	warm        bool
	password    string
	meta        []byte
	fingerprint string
}

// openContainerCache finds the committed cluster for the key and the base
// image (by its ID, so that a re-pulled tag is a new entry).
func openContainerCache(ctx context.Context, cli *client.Client, image string, cache *Cache, skipWarm bool) (*containerCache, error) {
	base, err := cli.ImageInspect(ctx, image)
	if err != nil {
		return nil, fmt.Errorf("inspect image %s: %w", image, err)
	}
	c := &containerCache{tag: cacheRepo + ":" + entryName(cache.Key, base.ID)}
	kept, err := cli.ImageInspect(ctx, c.tag)
	if skipWarm || err != nil || kept.Config == nil || kept.Config.Labels[labelPassword] == "" {
		return c, nil
	}
	labels := kept.Config.Labels
	c.warm, c.password, c.meta, c.fingerprint = true, labels[labelPassword], []byte(labels[labelMeta]), labels[labelFingerprint]
	return c, nil
}

// store stops the seeded container (a clean shutdown leaves a consistent
// cluster) and commits it as the cache entry, then prunes old entries.
func (c *containerCache) store(cli *client.Client, id, password string, meta []byte, fingerprint string, logw io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	timeout := 60
	if _, err := cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &timeout}); err != nil {
		fmt.Fprintf(logw, "qreview: cache: could not stop container %.12s to keep it: %v\n", id, err)
		return
	}
	start := time.Now()
	_, err := cli.ContainerCommit(ctx, id, client.ContainerCommitOptions{
		Reference: c.tag,
		Comment:   "qreview: a seeded cluster kept for warm re-runs",
		Config:    &container.Config{Labels: map[string]string{labelPassword: password, labelMeta: string(meta), labelFingerprint: fingerprint}},
	})
	if err != nil {
		fmt.Fprintf(logw, "qreview: cache: could not commit container %.12s: %v\n", id, err)
		return
	}
	pruneImages(ctx, cli)
	fmt.Fprintf(logw, "qreview: cache: kept the seeded cluster as image %s (committed in %s; qreview cache clean removes it)\n",
		c.tag, time.Since(start).Round(time.Millisecond))
}

// pruneImages removes all but the newest keepEntries committed clusters.
func pruneImages(ctx context.Context, cli *client.Client) {
	pruneCacheImages(ctx, cli, keepEntries)
}

// pruneCacheImages removes all but the newest keep committed clusters. An
// image a container (a running review) uses is the engine's to refuse:
// it is skipped and listed in inUse.
func pruneCacheImages(ctx context.Context, cli *client.Client, keep int) (removed, inUse []string, err error) {
	images, err := CacheImages(ctx, cli)
	if err != nil {
		return nil, nil, err
	}
	for i := keep; i < len(images); i++ {
		tag := images[i].Tag
		if _, rerr := cli.ImageRemove(ctx, tag, client.ImageRemoveOptions{}); rerr != nil {
			if errdefs.IsConflict(rerr) {
				inUse = append(inUse, tag)
				continue
			}
			if err == nil {
				err = fmt.Errorf("remove %s: %w", tag, rerr)
			}
			continue
		}
		removed = append(removed, tag)
	}
	return removed, inUse, err
}

// CleanImages removes every committed cluster on the engine but those a
// container uses, which are listed in inUse.
func CleanImages(ctx context.Context) (removed, inUse []string, err error) {
	cli, err := connectEngine(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer cli.Close()
	return pruneCacheImages(ctx, cli, 0)
}

// CacheImage is one committed cluster.
type CacheImage struct {
	Tag     string
	Bytes   int64
	Created time.Time
}

// CacheImages lists the committed clusters, newest first.
func CacheImages(ctx context.Context, cli *client.Client) ([]CacheImage, error) {
	list, err := cli.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("reference", cacheRepo)})
	if err != nil {
		return nil, err
	}
	var out []CacheImage
	for _, im := range list.Items {
		for _, tag := range im.RepoTags {
			if strings.HasPrefix(tag, cacheRepo+":") {
				out = append(out, CacheImage{Tag: tag, Bytes: im.Size, Created: time.Unix(im.Created, 0)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// ListCacheImages lists the committed clusters on the engine, if one
// answers.
func ListCacheImages(ctx context.Context) ([]CacheImage, error) {
	cli, err := connectEngine(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	return CacheImages(ctx, cli)
}

// CleanCacheImages removes every committed cluster on the engine that no
// container uses.
//
// Deprecated: use CleanImages, which also says which were in use.
func CleanCacheImages(ctx context.Context) ([]string, error) {
	removed, _, err := CleanImages(ctx)
	return removed, err
}
