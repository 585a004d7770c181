// Package review is qreview's pipeline as a library: find and parse the
// SQL, start a production-sized scratch database, apply the change, plan
// every query and judge the plans. cmd/qreview turns flags into Options
// and the result into outputs and an exit code; everything between lives
// here, so that tests run it in-process in any database context.
package review

import (
	"io"
	"os"
)

// Database says which scratch PostgreSQL to start: the flags every command
// that starts one shares (--db, --dsn, --image, --no-cache).
type Database struct {
	Kind    string // auto | local | dsn | container; "" takes the config's
	DSN     string // "" takes QREVIEW_DSN
	Image   string // "" takes the config's
	NoCache bool   // seed afresh instead of reusing a kept database
	// CacheDir keeps local clusters; "" takes $QREVIEW_CACHE_DIR, else
	// the user's cache dir.
	CacheDir string
}

// Options are one review's inputs.
type Options struct {
	Paths    []string // files and folders to review; none means "."
	Config   string   // config file; "" finds .qreview.yaml
	Database Database
	FailOn   string // error | warning | notice; "" takes the config's
	Base     string // review only what changed since this revision
	Verbose  bool   // say how each parameterized query was judged
	Version  string // qreview's version, for the result
	Log      io.Writer

	// Approvals and Baseline name the files whose findings do not count;
	// "" takes .qreview/approvals.yaml and .qreview/baseline.json when
	// they exist. Raw counts every finding (baseline write records them).
	Approvals, Baseline string
	Raw                 bool

	explain string // the one query file Explain reviews on the project's schema
}

// withDefaults fills what the options leave to the environment.
func (o Options) withDefaults() Options {
	if len(o.Paths) == 0 {
		o.Paths = []string{"."}
	}
	if o.Database.DSN == "" {
		o.Database.DSN = os.Getenv("QREVIEW_DSN")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	return o
}
