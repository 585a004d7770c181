#!/usr/bin/env bash
# The same input gives the same verdict on an idle or a busy machine:
# reviews the payments example RUNS times idle and RUNS times with every
# core busy (shell loops), warm from one cache, and prints one line per run
# with the verdict and a digest of the findings (rule, severity, file,
# line, message, evidence). Every line must show the same digest.
# Usage: scripts/determinism.sh [RUNS] [PATH]  (default 5, testdata/payments)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
path=${2:-testdata/payments}
work=$(mktemp -d)
chmod 755 "$work"
burners=()
stop_burners() { for p in "${burners[@]}"; do kill "$p" 2>/dev/null || true; done; burners=(); }
trap 'stop_burners; rm -rf "$work"' EXIT
go build -o "$work/qreview" ./cmd/qreview
export QREVIEW_CACHE_DIR=$work/cache
mkdir -p "$QREVIEW_CACHE_DIR"
digest() {
  python3 -c '
import json, sys, hashlib
r = json.load(open(sys.argv[1]))
keep = [[f["rule"], f["severity"], f["file"], f["line"], f["message"], json.dumps(f.get("evidence"), sort_keys=True)] for f in r["findings"]]
print(r["verdict"], len(keep), hashlib.sha256(json.dumps(keep).encode()).hexdigest()[:16])' "$1"
}
one() {
  "$work/qreview" review "$path" --db local -q --format json -o "$work/r.json" || true
  echo "$1 $(digest "$work/r.json")"
}
one seed >/dev/null # the first run seeds; the rest reuse it, as a CI cache would
for i in $(seq "$runs"); do one "idle-$i"; done
for _ in $(seq "$(nproc)"); do sh -c 'while :; do :; done' & burners+=($!); done
for i in $(seq "$runs"); do one "busy-$i"; done
stop_burners
