#!/usr/bin/env bash
# Prints the Markdown table docs/corpus.md shows, from the summary.json files
# run.sh wrote under CORPUS_DIR (default /tmp/qreview-corpus).
set -euo pipefail
root=${CORPUS_DIR:-/tmp/qreview-corpus}
echo '| app | commit | exit | migrations applied | rows seeded | queries found / planned (named: found / headers) | cold review | max RSS of one process (time -v) | postgres cluster peak PSS | findings by rule (or the error) |'
echo "|---|---|---|---|---|---|---|---|---|---|"
for s in "$root"/*/summary.json; do
	jq -r '"| \(.app) | \((.commit // "")[0:12]) | \(.exit) | \(.migrations_applied // "–") | \(.rows_seeded // "–") | \(.queries_found // "–") / \(.queries_planned // "–") (\(.named_found // "–") / \(.named_in_files // "–")) | \(.wall) | \(.qreview_rss_mb) MB | \(.postgres_pss_mb // "–") MB | \(if .findings then (.findings | to_entries | map("\(.key) \(.value)") | join(", ")) else (.error | gsub("\n"; " ") | gsub("\\|"; "\\|")) end) |"' "$s"
done
