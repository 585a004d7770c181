// Package gitdiff says which files changed since a base revision, by
// running git: the files a change touches are the ones to review.
package gitdiff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Root is the top directory of the git work tree that holds dir.
func Root(ctx context.Context, dir string) (string, error) {
	out, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", fmt.Errorf("%s is not in a git repository (%w)", dir, err)
	}
	return strings.TrimSpace(out), nil
}

// Changed lists, as absolute paths, the files of the work tree holding dir
// that differ from the merge base of HEAD and base: committed on this
// branch, changed but not committed, or new and untracked (not ignored).
// Deleted files are left out; there is nothing left to review in them.
//
// base is any revision git knows. A bare branch name that exists only as
// origin/<name> (what actions/checkout leaves for a pull request's base
// branch) is taken as that.
func Changed(ctx context.Context, dir, base string) ([]string, error) {
	root, err := Root(ctx, dir)
	if err != nil {
		return nil, err
	}
	rev, err := resolve(ctx, root, base)
	if err != nil {
		return nil, err
	}
	mergeBase, err := git(ctx, root, "merge-base", rev, "HEAD")
	if err != nil {
		return nil, fmt.Errorf("no common history between %s and HEAD; a shallow clone lacks it (actions/checkout: fetch-depth: 0) (%w)", base, err)
	}
	diff, err := git(ctx, root, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", strings.TrimSpace(mergeBase))
	if err != nil {
		return nil, err
	}
	untracked, err := git(ctx, root, "ls-files", "-z", "--others", "--exclude-standard")
	if err != nil {
		return nil, err
	}
	var files []string
	seen := map[string]bool{}
	for _, name := range strings.Split(diff+untracked, "\x00") {
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		files = append(files, filepath.Join(root, filepath.FromSlash(name)))
	}
	return files, nil
}

// resolve finds the commit base names, or says that it does not exist.
func resolve(ctx context.Context, root, base string) (string, error) {
	if strings.HasPrefix(base, "-") {
		return "", fmt.Errorf("base %q: not a revision", base)
	}
	for _, rev := range []string{base, "origin/" + base} {
		if _, err := git(ctx, root, "rev-parse", "--verify", "--quiet", rev+"^{commit}"); err == nil {
			return rev, nil
		}
	}
	return "", fmt.Errorf("base %q: no such branch, tag or commit in %s (fetch it first; actions/checkout needs fetch-depth: 0)", base, root)
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && stderr.Len() > 0 {
			return "", errors.New(strings.TrimSpace(stderr.String()))
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.String(), nil
}
