#!/usr/bin/env bash
# CI step: staticcheck must be clean (the brief's standard), pinned so a
# new release cannot turn CI red by itself. Built from the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"
command -v staticcheck >/dev/null || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
staticcheck ./...
