#!/usr/bin/env bash
# Runs each fuzz target for a few seconds: a smoke test that the SQL and
# ignore-directive parsers survive input nobody wrote by hand. A failing
# input is saved under the package's testdata/fuzz/ and replays in every
# plain `go test` from then on. FUZZTIME=2m for a longer run.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-5s}"

fuzz() { # target package
  echo "fuzz: $1 in $2 for $fuzztime"
  go test -run='^$' -fuzz="^$1\$" -fuzztime="$fuzztime" "$2"
}

fuzz FuzzParseSQL ./analyzer
fuzz FuzzIgnoreComment ./rules
fuzz FuzzRules ./rules
fuzz FuzzTranslateNamed ./analyzer
