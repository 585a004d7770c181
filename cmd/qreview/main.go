// Command qreview is a query-performance review gate for PostgreSQL.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/qreview/qreview/explain/provider"
	"github.com/spf13/cobra"
)

// Exit codes, as DESIGN.md fixes them.
const (
	exitPass   = 0 // no finding at or above fail-on
	exitFail   = 1 // the gate failed
	exitBroken = 2 // qreview could not do its job
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// errGateFailed is returned by review when findings reach fail-on.
var errGateFailed = errors.New("gate failed")

func main() {
	// Ctrl-C and SIGTERM cancel the context; every started database is
	// then removed by the deferred cleanups before the process exits.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go cutCleanupShort(ctx)
	// A reader that goes away ("qreview review | head -1") must not kill
	// qreview before it has removed its database: writes fail instead.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	root := &cobra.Command{
		Use:           "qreview",
		Short:         "A query-performance review gate for PostgreSQL",
		Long:          "qreview parses new SQL, plans it on a production-sized throwaway PostgreSQL and fails the build on plans that would hurt in production.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(reviewCommand(), explainCommand(), cacheCommand(), profileCommand(), rulesCommand(), versionCommand(), cleanupCommand(), baselineCommand(), initCommand(), reportCommand(), loadCommand())
	root.AddCommand(approveCommand(), evidenceCommand()) // approve.go, evidence.go
	root.AddCommand(postmortemCommand())                 // postmortem.go
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitPass
	case errors.Is(err, errGateFailed):
		return exitFail
	case ctx.Err() != nil:
		var left *provider.CleanupError
		if errors.As(err, &left) {
			fmt.Fprintln(os.Stderr, "qreview: interrupted;", left)
		} else {
			fmt.Fprintln(os.Stderr, "qreview: interrupted; everything it started was removed")
		}
		return exitBroken
	}
	fmt.Fprintln(os.Stderr, "qreview:", err)
	return exitBroken
}

// cutCleanupShort waits for the first interrupt (the run then removes
// what it started) and lets a second one end a cleanup that takes too
// long, saying what may be left and how to remove it.
func cutCleanupShort(ctx context.Context) {
	again := make(chan os.Signal, 1)
	<-ctx.Done()
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	<-again
	fmt.Fprintln(os.Stderr, "qreview: interrupted again: cleanup cut short; this run's scratch database, local cluster or container may be left: qreview cleanup removes them")
	os.Exit(exitBroken)
}

func toolVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print qreview's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "qreview", toolVersion())
			return err
		},
	}
}
