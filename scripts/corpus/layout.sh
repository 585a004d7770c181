#!/usr/bin/env bash
# Lays a fetched public application out as a repository qreview can review:
# its PostgreSQL migrations under db/migrations, its query files under queries/,
# and the profile written for it (scripts/corpus/<app>.qreview.yaml) as .qreview.yaml.
#
#   scripts/corpus/layout.sh APP [DEST]     (default DEST: /tmp/qreview-corpus/APP)
#   scripts/corpus/layout.sh --list
#
# The application's files are read from a bare git copy (the fetch tool's
# /work/.mirror/<owner>+<name>/repo, or $CORPUS_MIRROR/<owner>+<name>/repo) and
# written only under DEST, never into this repository. DEST/CORPUS-SOURCE records
# the repository and the commit used.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mirror=${CORPUS_MIRROR:-/work/.mirror}
apps="river hatchet minder inngest listmonk sqlc-examples harbor temporal upchieve"

if [[ ${1:-} == --list || $# -lt 1 ]]; then
	echo "$apps"
	[[ $# -ge 1 ]] && exit 0 || { echo "usage: $0 APP [DEST]" >&2; exit 2; }
fi
app=$1
dest=${2:-/tmp/qreview-corpus/$app}
profile=$here/$app.qreview.yaml
[[ -f $profile ]] || { echo "layout: no profile $profile" >&2; exit 2; }

case $app in
river) repo=riverqueue/river ;;
hatchet) repo=hatchet-dev/hatchet ;;
minder) repo=mindersec/minder ;;
inngest) repo=inngest/inngest ;;
listmonk) repo=knadh/listmonk ;;
sqlc-examples) repo=sqlc-dev/sqlc ;;
harbor) repo=goharbor/harbor ;;
temporal) repo=temporalio/temporal ;;
upchieve) repo=UPchieve/subway ;;
*) echo "layout: unknown app $app (known: $apps)" >&2; exit 2 ;;
esac
gitdir=$mirror/${repo/\//+}/repo
[[ -d $gitdir ]] || { echo "layout: no copy of $repo at $gitdir (bring it with the fetch tool)" >&2; exit 2; }
commit=$(git --git-dir="$gitdir" rev-parse HEAD)

# Paths under a directory at the commit, one a line.
files() { git --git-dir="$gitdir" ls-tree -r --name-only "$commit" -- "$1"; }
# take SRC DEST_RELATIVE: one file of the commit into the laid-out tree.
take() {
	mkdir -p "$dest/$(dirname "$2")"
	git --git-dir="$gitdir" show "$commit:$1" >"$dest/$2"
}

rm -rf "$dest"
mkdir -p "$dest/db/migrations" "$dest/queries"

case $app in
river)
	# golang-migrate style NNN_name.up.sql / .down.sql, as river's migrator reads them.
	for f in $(files riverdriver/riverpgxv5/migration/main/); do take "$f" "db/migrations/$(basename "$f")"; done
	# sqlc query files (they also hold the CREATE statements sqlc reads as schema).
	for f in $(files riverdriver/riverpgxv5/internal/dbsqlc/ | grep '\.sql$'); do take "$f" "queries/$(basename "$f")"; done
	;;
hatchet)
	# goose SQL migrations (the few Go migrations cannot be applied without hatchet's binary).
	for f in $(files cmd/hatchet-migrate/migrate/migrations/ | grep '\.sql$'); do take "$f" "db/migrations/$(basename "$f")"; done
	# the query files sqlc.yaml lists under queries:
	d=pkg/repository/sqlcv1
	for q in $(git --git-dir="$gitdir" show "$commit:$d/sqlc.yaml" | sed -n '/^ *queries:/,/^ *schema:/p' | sed -n 's/^ *- *\([^ ]*\.sql\).*/\1/p'); do
		take "$d/$q" "queries/$q"
	done
	;;
minder)
	for f in $(files database/migrations/); do take "$f" "db/migrations/$(basename "$f")"; done
	for f in $(files database/query/ | grep '\.sql$'); do take "$f" "queries/$(basename "$f")"; done
	;;
inngest)
	for f in $(files pkg/db/postgres/migrations/); do take "$f" "db/migrations/$(basename "$f")"; done
	take pkg/db/postgres/sqlc/queries.sql queries/queries.sql
	;;
listmonk)
	# listmonk installs schema.sql, then upgrades with Go code: the schema is the one migration.
	take schema.sql db/migrations/0001_schema.up.sql
	for f in $(files queries/); do take "$f" "queries/$(basename "$f")"; done
	;;
sqlc-examples)
	# the PostgreSQL examples whose tables do not collide, one migration per schema file.
	take examples/booktest/postgresql/schema.sql db/migrations/0001_booktest.up.sql
	take examples/ondeck/postgresql/schema/0001_city.sql db/migrations/0002_ondeck_city.up.sql
	take examples/ondeck/postgresql/schema/0002_venue.sql db/migrations/0003_ondeck_venue.up.sql
	take examples/ondeck/postgresql/schema/0003_add_column.sql db/migrations/0004_ondeck_add_column.up.sql
	take examples/jets/postgresql/schema.sql db/migrations/0005_jets.up.sql
	take examples/booktest/postgresql/query.sql queries/booktest.sql
	take examples/ondeck/postgresql/query/city.sql queries/ondeck_city.sql
	take examples/ondeck/postgresql/query/venue.sql queries/ondeck_venue.sql
	take examples/jets/postgresql/query-building.sql queries/jets.sql
	;;
harbor)
	# golang-migrate; harbor's queries live in Go (beego ORM), so there are no query files.
	for f in $(files make/migrations/postgresql/); do take "$f" "db/migrations/$(basename "$f")"; done
	rmdir "$dest/queries"
	;;
temporal)
	# temporal-sql-tool applies versioned/vX.Y/ in version order, each manifest's files in order.
	# Queries live in Go constants: no query files.
	base=schema/postgresql/v12/temporal/versioned
	n=0
	for v in $(git --git-dir="$gitdir" ls-tree --name-only "$commit" "$base/" | sed 's#.*/v##' | sort -t. -k1,1n -k2,2n); do
		for f in $(git --git-dir="$gitdir" show "$commit:$base/v$v/manifest.json" | jq -r '.SchemaUpdateCqlFiles[]'); do
			n=$((n + 1))
			take "$base/v$v/$f" "$(printf 'db/migrations/%04d_v%s_%s' "$n" "${v/./_}" "${f%.sql}").up.sql"
		done
	done
	rmdir "$dest/queries"
	;;
upchieve)
	# UPchieve sets a database up from its pg_dump (database/db_init/schema.sql, as its
	# docker-compose does), which already holds all 282 dbmate migrations (their versions are
	# in the dump's schema_migrations): the dump is the one migration. The history itself no
	# longer replays (files reformatted after they ran: an indented "-- migrate:down").
	take database/db_init/schema.sql db/migrations/20260701000000_schema.sql
	# pgtyped query files (/* @name x */ headers, :param! parameters), one per model
	# directory, flattened as <Model>_<file>.sql
	for f in $(files server/models/ | grep '\.sql$'); do
		take "$f" "queries/$(basename "$(dirname "$f")")_$(basename "$f")"
	done
	;;
esac

cp "$profile" "$dest/.qreview.yaml"
printf 'repository: https://github.com/%s\ncommit: %s\ndate: %s\n' "$repo" "$commit" \
	"$(git --git-dir="$gitdir" log -1 --format=%cs "$commit")" >"$dest/CORPUS-SOURCE"
echo "$app: $repo@$commit -> $dest ($(find "$dest/db/migrations" -name '*.sql' | wc -l) migration files, $(find "$dest" -path "$dest/db" -prune -o -name '*.sql' -print | wc -l) query files)"
