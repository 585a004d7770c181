package provider

import (
	"context"
	"fmt"

	"github.com/moby/moby/client"
)

// startAuto picks the database as DESIGN.md says: the DSN if one is given,
// else a container when an engine answers and the image is there or can be
// pulled, else the local binaries, else an error that says how to get each.
// The container check is an engine ping and an image inspect with a short
// timeout, so a machine without an engine loses no time to it.
func startAuto(ctx context.Context, opts Options) (*Database, error) {
	if opts.DSN != "" {
		return startDSN(ctx, opts)
	}
	noContainer := containerUsable(ctx, opts.Image)
	if noContainer == nil {
		return StartContainer(ctx, opts)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if _, err := FindBinaries(); err != nil {
		return nil, fmt.Errorf("no PostgreSQL to review on; get one of these:\n"+
			"  container: %v\n"+
			"  local: %v\n"+
			"  your own server: pass --dsn (or set QREVIEW_DSN) to one where qreview may create a database", noContainer, err)
	}
	fmt.Fprintf(opts.Log, "qreview: %s; using local PostgreSQL binaries\n", noContainer.reason)
	return startLocal(ctx, opts)
}

// unusable says why no container can be had: reason for the one-line
// note when auto falls back, the whole error for when nothing else works.
type unusable struct {
	reason string
	err    error
}

func (u *unusable) Error() string { return u.err.Error() }

// containerUsable returns nil when an engine answers and image is on it or
// its registry answers for it (testcontainers then pulls it).
func containerUsable(ctx context.Context, image string) *unusable {
	cli, err := connectEngine(ctx)
	if err != nil {
		reason := err.Error()
		if e, ok := err.(*noEngineError); ok {
			reason = "no container engine at " + e.where
		}
		return &unusable{reason: reason, err: err}
	}
	defer cli.Close()
	present, err := imagePresent(ctx, cli, image)
	if err != nil {
		return &unusable{reason: err.Error(), err: err}
	}
	if present {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	if _, err := cli.DistributionInspect(ctx, image, client.DistributionInspectOptions{}); err != nil {
		return &unusable{
			reason: fmt.Sprintf("image %s is not on this machine and cannot be pulled", image),
			err: fmt.Errorf("image %s is not on this machine and its registry does not answer for it (%v): "+
				"pull or build it, or name one you have in database.image", image, err),
		}
	}
	return nil
}
