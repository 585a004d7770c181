#!/usr/bin/env bash
# Build the container image qreview's tests run PostgreSQL in, from the
# PostgreSQL server installed on this machine, for machines where no
# registry can be reached (nothing can be pulled, so postgres:NN is not
# to be had). The image behaves like the official postgres image as far as
# qreview uses it: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB and
# POSTGRES_INITDB_ARGS are honoured, and arguments (-c name=value) go to
# postgres. It is tagged qreview-test/postgres:MAJOR, never postgres:MAJOR,
# so that it cannot be mistaken for the official image.
#
# Usage: scripts/build-pg-image.sh [--force]
# Skips the build when the image exists, unless --force.
set -euo pipefail

force=false
case "${1:-}" in
  --force) force=true ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

major=${PG_MAJOR:-$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)}
pg=/usr/lib/postgresql/$major
if [ -z "$major" ] || [ ! -x "$pg/bin/postgres" ]; then
  echo "$0: no PostgreSQL server under /usr/lib/postgresql (install postgresql)" >&2
  exit 1
fi
image=qreview-test/postgres:$major

if ! $force && docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image exists (use --force to rebuild)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root     # owned by root in the image
owned=$work/owned   # owned by the postgres user (uid/gid 999, as in the official image)
mkdir -p "$root" "$owned"

# Copy paths, keeping them where they are: symlinks are followed so that
# every library lands as a file at the path the loader looks for.
add() { cp -L --parents -r "$@" "$root/"; }

# Besides PostgreSQL's own binaries, the entrypoint and initdb run only
# a shell and `locale -a` (initdb's list of system collations).
tools="/bin/sh /usr/bin/locale"
# shellcheck disable=SC2086
add "$pg" /usr/share/postgresql/"$major" /usr/share/zoneinfo $tools
[ -e /etc/ld.so.cache ] && add /etc/ld.so.cache
# JIT needs libLLVM (about 100 MB); without llvmjit.so PostgreSQL runs
# with jit off, which changes no plan qreview judges.
rm -f "$root$pg"/lib/llvmjit.so "$root$pg"/lib/llvmjit_types.bc
rm -rf "$root$pg"/lib/bitcode

# Every library the binaries and the loadable modules need, and the
# dynamic loader itself (ldd lists it as a bare path).
libs=$(for f in "$root$pg"/bin/* "$root$pg"/lib/*.so $tools; do
  f=${f#"$root"}
  ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\/[^ ]+ \(/ { print $1 }'
done | sort -u)
for lib in $libs; do add "$lib"; done

mkdir -p "$root/etc" "$root/tmp" "$root/usr/local/bin"
chmod 1777 "$root/tmp"
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/sh
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
postgres:x:999:
GROUP

cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The part of the official image's docker-entrypoint.sh that qreview
# relies on, in plain sh with nothing but shell builtins and PostgreSQL.
set -e
# "-c k=v ..." alone means: run postgres with these arguments.
if [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi
shift
: "${PGDATA:=/var/lib/postgresql/data}"
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then
    echo "docker-entrypoint.sh: POSTGRES_PASSWORD is not set" >&2
    exit 1
  fi
  # POSTGRES_INITDB_ARGS is split on spaces, as the official image does.
  # shellcheck disable=SC2086
  initdb -D "$PGDATA" -U "$user" --pwfile=/dev/stdin --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C $POSTGRES_INITDB_ARGS >/dev/null <<PW
$POSTGRES_PASSWORD
PW
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\"" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
# exec: postgres is PID 1 and gets docker stop's SIGTERM itself.
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
ENTRYPOINT
chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"

mkdir -p "$root/var/lib" "$root/var/run" "$owned/var/lib/postgresql/data" "$owned/var/run/postgresql"
chmod 700 "$owned/var/lib/postgresql/data"
chmod 2775 "$owned/var/run/postgresql"

# Two tar passes fix ownership without needing root to build: system
# files root's, the data and socket dirs the postgres user's.
tar -C "$root" --owner=0 --group=0 --numeric-owner -cf "$work/rootfs.tar" .
tar -C "$owned" --owner=999 --group=999 --numeric-owner -rf "$work/rootfs.tar" \
  var/lib/postgresql var/run/postgresql

# Engine 20.10 rejects --change STOPSIGNAL; postgres is PID 1 instead.
docker import \
  --change "ENV PATH=$pg/bin:/usr/local/bin:/usr/bin:/bin" \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'USER postgres' \
  --change 'VOLUME ["/var/lib/postgresql/data"]' \
  --change 'EXPOSE 5432' \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  "$work/rootfs.tar" "$image" >/dev/null
echo "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%d MB", $1 / 1e6 }'))"
