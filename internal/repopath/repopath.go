// Package repopath names files relative to the repository root, the way
// baselines, annotations and evidence record them.
package repopath

import (
	"context"
	"os"
	"path/filepath"

	"github.com/qreview/qreview/internal/gitdiff"
)

// Relative makes a file path, as the user named it, relative to the
// repository root: the workspace in GitHub Actions, else the top of the
// git work tree, else the working directory. A file outside it keeps its
// name.
func Relative() func(string) string {
	root := Real(Root())
	return func(file string) string {
		abs, err := filepath.Abs(file)
		if err != nil {
			return file
		}
		r, err := filepath.Rel(root, filepath.Join(Real(filepath.Dir(abs)), filepath.Base(abs)))
		if err != nil || !filepath.IsLocal(r) {
			return file
		}
		return filepath.ToSlash(r)
	}
}

// Root is the directory repository-relative names start from: the
// workspace in GitHub Actions, else the top of the git work tree holding
// the working directory, else the working directory.
func Root() string {
	if root := os.Getenv("GITHUB_WORKSPACE"); root != "" {
		return root
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	if root, err := gitdiff.Root(context.Background(), wd); err == nil {
		return root
	}
	return wd
}

// Real resolves symbolic links in a directory path, so that a workspace
// reached through a link still contains its files.
func Real(dir string) string {
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		return r
	}
	return dir
}
