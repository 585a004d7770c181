#!/usr/bin/env bash
# CI step: a few seconds of fuzzing per target (scripts/fuzz-briefly.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"
bash scripts/fuzz-briefly.sh
