#!/usr/bin/env bash
# CI step: headless Chromium for the HTML report test (cmd/qreview
# report_test.go opens the payments report in it). Debian's package; the
# test skips only where no chromium binary exists. DejaVu so that text
# renders in the screenshot on a machine with no fonts yet.
set -euo pipefail
if command -v chromium >/dev/null; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version
