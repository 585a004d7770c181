#!/usr/bin/env bash
# Reviews corpus applications one after the other (never side by side: the
# machine is shared), cold, and records what each review did and cost.
#
#   scripts/corpus/run.sh [APP...]        (default: every app layout.sh knows)
#
# Env: QREVIEW_BIN (default /tmp/qreview-corpus-bin, build it with
#   go build -o /tmp/qreview-corpus-bin ./cmd/qreview), CORPUS_DIR (default
#   /tmp/qreview-corpus), CORPUS_KEEP_LAYOUT=1 (review CORPUS_DIR/APP as it is,
#   without laying it out again: for variants edited by hand). Per app, CORPUS_DIR/APP/ gets result.json, stderr.txt,
#   time.txt (/usr/bin/time -v), pg-peak.txt and summary.json; CORPUS_DIR/summary.tsv
#   gets one line per run.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${QREVIEW_BIN:-/tmp/qreview-corpus-bin}
root=${CORPUS_DIR:-/tmp/qreview-corpus}
[[ -x $bin ]] || { echo "run: no qreview binary at $bin" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "run: /usr/bin/time missing (apt-get install -y time)" >&2; exit 2; }
apps=${*:-$("$here/layout.sh" --list)}

# /usr/bin/time's maximum RSS is that of the largest single process among
# qreview and the postgres it starts (the postmaster is qreview's child), shared
# buffers included. The postgres cluster as a whole is sampled here: the sum of
# the PSS of the postmaster whose data dir is under our TMPDIR and of its children.
sample_pg() {
	local tmp=$1 out=$2 peak=0 pss pids
	while :; do
		pids=$(pgrep -f "postgres.*$tmp" | head -1)
		if [[ -n $pids ]]; then
			pids="$pids $(pgrep -P "$pids" | tr '\n' ' ')"
			pss=0
			for p in $pids; do
				v=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
				pss=$((pss + ${v:-0}))
			done
			((pss > peak)) && peak=$pss && echo "$peak" >"$out"
		fi
		sleep 0.5
	done
}

for app in $apps; do
	dir=$root/$app
	# CORPUS_KEEP_LAYOUT=1 reviews an already laid-out (e.g. hand-edited variant) directory as is
	if [[ ${CORPUS_KEEP_LAYOUT:-} != 1 || ! -d $dir ]]; then
		"$here/layout.sh" "$app" "$dir" || continue
	fi
	tmp=$root/.tmp-$app
	cache=$root/.cache-$app
	rm -rf "$tmp" "$cache"
	mkdir -p "$tmp" "$cache"
	chmod 0755 "$root" "$tmp" "$cache" # the postgres user must traverse them
	echo 0 >"$dir/pg-peak.txt"
	sample_pg "$tmp" "$dir/pg-peak.txt" &
	sampler=$!
	(cd "$dir" && TMPDIR=$tmp QREVIEW_CACHE_DIR=$cache /usr/bin/time -v -o time.txt \
		"$bin" review --db local --no-cache --format json -o result.json . 2>stderr.txt)
	rc=$?
	kill "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	rm -rf "$tmp" "$cache"

	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time.txt")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
	migrations=$(sed -n 's/^qreview: applied \([0-9]*\) migrations.*/\1/p' "$dir/stderr.txt" | head -1)
	seeded=$(grep -m1 '^qreview: seeded and analyzed' "$dir/stderr.txt" | sed 's/^qreview: //')
	seedmem=$(sed -n "s/.*(qreview's peak memory \([0-9]*\) MB).*/\1/p" "$dir/stderr.txt" | head -1)
	rows=$(sed -n 's/^qreview: seeded [^ ]*: \([0-9,]*\) rows.*/\1/p' "$dir/stderr.txt" | tr -d , | awk '{n += $1} END {print n + 0}')
	# every "-- name:" (sqlc, yesql…) or "@name" (pgtyped: "/* @name x */", or on a line of its own in a longer comment) header of the query files,
	# to check each named query is found
	# (counted file by file: a file without a final newline must not glue its last line to the next file's header)
	named=$(awk '/^-- name:|^\/\* *@name|^ *@name +[A-Za-z_][A-Za-z0-9_]* *(\*\/)? *$/ {n++} END {print n + 0}' "$dir"/queries/*.sql 2>/dev/null || echo 0)
	if [[ -s $dir/result.json ]] && jq -e . "$dir/result.json" >/dev/null 2>&1; then
		jq --arg app "$app" --argjson rc "$rc" --arg wall "$wall" --argjson rss "${rss:-0}" \
			--argjson pg "$(cat "$dir/pg-peak.txt")" --arg migrations "${migrations:-?}" --arg seeded "$seeded" --argjson rows "$rows" --arg seedmem "${seedmem:-}" \
			--argjson named "$named" \
			--arg commit "$(sed -n 's/^commit: //p' "$dir/CORPUS-SOURCE")" '
			{app: $app, commit: $commit, exit: $rc, wall: $wall, qreview_rss_mb: ($rss / 1024 | floor),
			 qreview_seed_peak_mb: $seedmem,
			 postgres_pss_mb: ($pg / 1024 | floor), migrations_applied: $migrations, rows_seeded: $rows, seeded: $seeded,
			 named_in_files: $named,
			 named_found: ([.statements[] | select(.kind == "query" and (.name // "") != "")] | length),
			 queries_found: ([.statements[] | select(.kind == "query")] | length),
			 queries_planned: ([.statements[] | select(.kind == "query" and .plan != null and .error == null)] | length),
			 migration_statements: ([.statements[] | select(.kind == "migration")] | length),
			 verdict: .verdict, change: .change,
			 findings: ([.findings[] | .rule] | group_by(.) | map({(.[0]): length}) | add // {})}' \
			"$dir/result.json" >"$dir/summary.json"
	else
		jq -n --arg app "$app" --argjson rc "$rc" --arg wall "$wall" --argjson rss "${rss:-0}" \
			--argjson pg "$(cat "$dir/pg-peak.txt")" --arg migrations "${migrations:-?}" \
			--arg commit "$(sed -n 's/^commit: //p' "$dir/CORPUS-SOURCE")" \
			--arg err "$(grep -v -E '^qreview: ( |local PostgreSQL|applied|seeded|change:|planned|compared)' "$dir/stderr.txt" | head -3)" --argjson named "$named" --argjson rows "$rows" \
			'{app: $app, commit: $commit, exit: $rc, wall: $wall, qreview_rss_mb: ($rss / 1024 | floor),
			  postgres_pss_mb: ($pg / 1024 | floor), migrations_applied: $migrations, rows_seeded: $rows,
			  named_in_files: $named, error: $err}' >"$dir/summary.json"
	fi
	jq -r '[.app, .exit, .wall, .qreview_rss_mb, .postgres_pss_mb, .migrations_applied, .queries_found,
		.queries_planned, (.findings // {} | tojson), (.error // "")] | @tsv' "$dir/summary.json" | tee -a "$root/summary.tsv"
	if pgrep -f "postgres.*$tmp" >/dev/null; then
		echo "run: postgres left running under $tmp" >&2
	fi
done
