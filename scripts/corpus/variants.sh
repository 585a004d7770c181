#!/usr/bin/env bash
# Lays out and reviews the corpus variants docs/corpus.md describes: an application
# with the one file that stops its review edited or left out, to see what comes next.
#
#   scripts/corpus/variants.sh [hatchet|upchieve|listmonk ...]   (default: all three)
#
# Env as run.sh; CORPUS_DIR defaults to /tmp/qreview-corpus-variant.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CORPUS_DIR=${CORPUS_DIR:-/tmp/qreview-corpus-variant}

for app in ${*:-hatchet upchieve listmonk}; do
	dir=$CORPUS_DIR/$app
	"$here/layout.sh" "$app" "$dir"
	case $app in
	hatchet)
		# the migration's temp tables dropped in the migration itself
		f=$dir/db/migrations/20260514175834_v1_0_109.sql
		sed -i 's/^-- +goose Down$/-- +goose StatementBegin\nDROP TABLE IF EXISTS tmp_109_task_event_nulls, tmp_109_task_events_olap_nulls;\n-- +goose StatementEnd\n\n-- +goose Down/' "$f"
		;;
	upchieve)
		# the dump's psql meta-commands removed; the pgtyped query files left out
		sed -i '/^\\\(un\)\?restrict /d' "$dir/db/migrations/20260701000000_schema.sql"
		printf 'exclude: ["queries/**"]\n' >>"$dir/.qreview.yaml"
		;;
	listmonk)
		# the query files holding application placeholders (%order%, %query%, %s) left out
		printf 'exclude: ["queries/bounces.sql", "queries/campaigns.sql", "queries/lists.sql", "queries/subscribers.sql"]\n' >>"$dir/.qreview.yaml"
		;;
	*) echo "variants: no variant for $app" >&2; exit 2 ;;
	esac
	CORPUS_KEEP_LAYOUT=1 "$here/run.sh" "$app"
done
