#!/usr/bin/env bash
# Cold and warm review of the payments example at 10 million payments
# (testdata/bench/payments-10m.qreview.yaml): wall time and the phases
# qreview reports, with its own peak memory (the server's is not in it).
# Goals: cold < 60 s, warm < 5 s on a 2-core machine. QREVIEW_BIN names a
# binary to measure instead of one built from this tree (an older build,
# for a ratio measured in the same session).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
bin=${QREVIEW_BIN:-$dir/qreview}
cache=$(mktemp -d)
chmod 755 "$cache"
trap 'rm -rf "$dir" "$cache"' EXIT
[ -n "${QREVIEW_BIN:-}" ] || go build -o "$bin" ./cmd/qreview
export QREVIEW_CACHE_DIR=$cache
run() {
  local label=$1
  shift
  local out
  out=$( { /usr/bin/time -f "$label: wall %e s" "$bin" review testdata/payments \
      --config testdata/bench/payments-10m.qreview.yaml --db local "$@" >/dev/null; } 2>&1 || true)
  echo "$out" | grep -E "qreview:|wall"
}
run cold
run warm
