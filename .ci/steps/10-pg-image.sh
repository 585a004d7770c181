#!/usr/bin/env bash
# CI step: build the PostgreSQL image the container-provider tests use
# (no registry is needed: it is packed from the PostgreSQL installed
# here). Without a container engine those tests skip, and so does this.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
  echo "no container engine answers; not building the test image (container tests will skip)"
  exit 0
fi
scripts/build-pg-image.sh
