#!/usr/bin/env bash
# with-postgres.sh CMD...: runs CMD with KUKI_TEST_POSTGRES_URL pointing at a throwaway PostgreSQL cluster.
#
# The cluster lives in a temp dir, listens on a free 127.0.0.1 port only, and is stopped and removed when this
# script exits, whatever CMD did. PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` user and is driven through runuser. Without PostgreSQL binaries, CMD runs without the variable and
# the PostgreSQL tests skip themselves with a notice. CMD's exit status is this script's.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && bindir="$d"
done
if [[ -z "$bindir" ]] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  bindir="$(dirname "$(command -v initdb)")"
fi
if [[ -z "$bindir" ]]; then
  echo "with-postgres: no PostgreSQL binaries found (apt-get install postgresql): running without KUKI_TEST_POSTGRES_URL" >&2
  exec "$@"
fi

as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root without a postgres user: running without KUKI_TEST_POSTGRES_URL" >&2
    exec "$@"
  fi
  as_pg=(runuser -u postgres --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/kuki-pg.XXXXXX")"
chmod 755 "$dir"
[[ ${#as_pg[@]} -gt 0 ]] && chown postgres: "$dir"
data="$dir/data"

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))"

"${as_pg[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-sync >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  echo "with-postgres: initdb failed" >&2
  exit 1
}
# fsync stays on: the store tests check durability semantics, and the cluster is small.
"${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=200 -c shared_buffers=64MB" start >/dev/null || {
  cat "$dir/server.log" >&2
  echo "with-postgres: the server did not start" >&2
  exit 1
}
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

export KUKI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
set +e
"$@"
status=$?
set -e
exit $status
