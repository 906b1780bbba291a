#!/usr/bin/env bash
# load.sh: the server's load benchmark. Loopback only, every load bounded in time; prints figures, asserts nothing
# timed (exit 1 only if an acknowledged write is missing or a chain breaks).
#
# One run measures, on SQLite and then on a throwaway PostgreSQL cluster (started by server/scripts/with-postgres.sh,
# skipped with a notice without PostgreSQL binaries), each against a fresh server-profile process:
#   1. GET /healthz alone for DURATION (the trivial request: the yardstick),
#   2. POST /api/v1/consents alone for DURATION, each body a new consent id (oha picks lines of a generated file
#      at random, so a few repeat: those are replays, answered 200, and not counted as writes),
# with the same number of connections, then the ratio writes/healthz (the figure that survives a noisy machine),
# write p50/p99, the server's CPU per write (utime+stime from /proc/PID/stat around the write phase), and, after
# the same for /healthz (their quotient is what the server alone would give on an idle machine), and, after
# a graceful stop, the rows `kuki-server verify` finds (every chain checked) against the 201s oha saw.
#
# Env: DURATION (default 10s), CONNECTIONS (default 256), BACKENDS (default "sqlite postgres"),
#      KUKI_SERVER_BIN (default target/server/kuki-server, built if missing; REBUILD=1 rebuilds).
# Goals (issue 12, SQLite, 2 cores shared with oha): writes >= 0.3 of /healthz's rate, p99 < 25 ms, nothing lost;
# 20,000 writes/s or more where the machine allows.
set -euo pipefail
SELF="$(realpath "$0")"
cd "$(dirname "$SELF")/../.."

DURATION="${DURATION:-10s}"
# 256: group commit needs concurrent writers to batch, and with fewer the client's round trips set the pace.
CONNECTIONS="${CONNECTIONS:-256}"
BACKENDS="${BACKENDS:-sqlite postgres}"
BIN="${KUKI_SERVER_BIN:-target/server/kuki-server}"
export PATH="$HOME/.cargo/bin:$PATH"
TICKS="$(getconf CLK_TCK)"

# --- one backend: start the server, run both loads, stop it, count ------------------------------------------------
# bench_backend NAME KUKI_DB RESULTS_FILE: appends one tab-separated line of figures to RESULTS_FILE.
bench_backend() {
  local name="$1" db="$2" results="$3"
  local work port base server_pid
  work="$(mktemp -d "${TMPDIR:-/tmp}/kuki-bench.XXXXXX")"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  base="http://127.0.0.1:$port"
  mkdir -p "$work/site"
  # oha stands for many clients from one address: the rate limit and the per-address connection bound are off.
  KUKI_ADDR="127.0.0.1:$port" KUKI_DB="$db" KUKI_SITE_DIR="$work/site" KUKI_RATE_LIMIT=0 KUKI_MAX_CONNECTIONS_PER_IP=100000 \
    RUST_LOG="${RUST_LOG:-warn}" "$BIN" >"$work/server.log" 2>&1 &
  server_pid=$!
  # shellcheck disable=SC2064
  trap "kill $server_pid 2>/dev/null; rm -rf '$work'" EXIT
  for _ in $(seq 1 100); do
    curl -fs "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fs "$base/readyz" >/dev/null || { cat "$work/server.log" >&2; echo "load.sh: the server did not start" >&2; exit 1; }

  echo "load.sh [$name]: $DURATION of GET /healthz, then $DURATION of POST /api/v1/consents, c=$CONNECTIONS, on $base" >&2
  oha --no-tui -z 1s -c 16 "$base/healthz" >/dev/null # warm-up: first connections, page cache
  local hcpu0 hcpu1 cpu0 cpu1
  hcpu0="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
  oha --no-tui -w -z "$DURATION" -c "$CONNECTIONS" --output-format json -o "$work/health.json" "$base/healthz"
  hcpu1="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
  cpu0="$hcpu1"
  thread_ticks "$server_pid" >"$work/threads0"
  oha --no-tui -w -z "$DURATION" -c "$CONNECTIONS" -m POST -T application/json -H "origin: $base" \
    -Z "$EVENTS" --output-format json -o "$work/post.json" "$base/api/v1/consents"
  cpu1="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
  thread_ticks "$server_pid" >"$work/threads1"

  kill -TERM "$server_pid"
  wait "$server_pid" || true
  [[ -n "${KEEP_LOG:-}" ]] && cp "$work/server.log" "$KEEP_LOG.$name"
  local verify_out
  verify_out="$(KUKI_DB="$db" "$BIN" verify)"
  echo "$verify_out" | tail -1 >&2

  python3 - "$name" "$work/health.json" "$work/post.json" "$verify_out" "$((cpu1 - cpu0))" "$TICKS" "$((hcpu1 - hcpu0))" "$work/threads0" "$work/threads1" >>"$results" <<'PY'
import json, re, sys
name, health, post = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
# "verify: N records in M chains, ... K breaks: ok" (the store adds leaves, checkpoints and receipts in between).
m = re.search(r"verify: (\d+) records in (\d+) chains,.*?(\d+) breaks", sys.argv[4])
stored, breaks = int(m.group(1)), int(m.group(3))
cpu, hcpu = int(sys.argv[5]) / int(sys.argv[6]), int(sys.argv[7]) / int(sys.argv[6])
def ticks(path):
    out = {}
    for line in open(path):
        comm, t = line.rsplit(" ", 1)
        out[comm] = out.get(comm, 0) + int(t)
    return out
t0, t1 = ticks(sys.argv[8]), ticks(sys.argv[9])
store_threads = {c: (t1.get(c, 0) - t0.get(c, 0)) / int(sys.argv[6]) for c in t1 if c.startswith("kuki-") and c != "kuki-server"}
codes = {k: int(v) for k, v in post.get("statusCodeDistribution", {}).items()}
acked, replayed, answered = codes.get("201", 0), codes.get("200", 0), sum(codes.values())
secs = post["summary"]["total"]
hcodes = {k: int(v) for k, v in health.get("statusCodeDistribution", {}).items()}
health_rps = hcodes.get("200", 0) / health["summary"]["total"]
ms = lambda d, p: (d["latencyPercentiles"][p] or 0) * 1000
print("\t".join(str(x) for x in [
    name, round(health_rps), round(acked / secs), round(acked / secs / health_rps, 3),
    round(ms(post, "p50"), 2), round(ms(post, "p99"), 2), round(ms(health, "p99"), 2),
    round(cpu * 1e6 / max(1, answered)), round(hcpu * 1e6 / max(1, sum(hcodes.values())), 1), acked, replayed, answered - acked - replayed, stored, breaks,
    json.dumps(post.get("errorDistribution", {})).replace("\t", " "),
    " ".join(f"{c}={v * 1e6 / max(1, answered):.0f}" for c, v in sorted(store_threads.items()))]))
PY
  rm -rf "$work"
  trap - EXIT
}

# thread_ticks PID: "comm ticks" (utime+stime) for each live thread of PID.
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*/stat; do
    sed -E 's/^[0-9]+ \(([^)]*)\) (.*)$/\1 \2/' "$t" 2>/dev/null | awk '{print $1, $13 + $14}'
  done
}

# A body file (one new consent id per line), made once per size and reused: each run starts on a fresh database.
make_events() {
  local seconds="${DURATION%s}" lines
  lines=$(( ${seconds:-10} * 150000 ))
  EVENTS="${TMPDIR:-/tmp}/kuki-bench-events-$lines.jsonl"
  [[ -s "$EVENTS" ]] && return
  python3 - "$EVENTS.tmp" "$lines" <<'PY'
import os, sys, uuid
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n):
        cid = str(uuid.UUID(bytes=os.urandom(16), version=4))
        a = "true" if i % 3 == 0 else "false"
        f.write('{"consentId":"%s","seq":1,"action":"custom","categories":{"necessary":true,"functional":true,'
                '"analytics":%s,"marketing":false},"policyVersion":"2024-01-01","configRevision":0,"lang":"ko",'
                '"gpc":false,"clientTime":1700000000000}\n' % (cid, a))
PY
  mv "$EVENTS.tmp" "$EVENTS"
}

# --- inner mode: the PostgreSQL run, inside with-postgres.sh ------------------------------------------------------
if [[ "${1:-}" == "--postgres-inside" ]]; then
  results="$2"
  if [[ -z "${KUKI_TEST_POSTGRES_URL:-}" ]]; then
    echo "load.sh: no PostgreSQL (see the notice above): PostgreSQL not measured" >&2
    exit 0
  fi
  make_events
  bench_backend postgres "$KUKI_TEST_POSTGRES_URL" "$results"
  exit 0
fi

# --- the run ---------------------------------------------------------------------------------------------------------
if ! command -v oha >/dev/null; then
  echo "load.sh: installing oha from crates.io" >&2
  cargo install oha --locked
fi
if [[ ! -x "$BIN" || -n "${REBUILD:-}" ]]; then
  cargo build --profile server -p kuki-server
fi
make_events
results="$(mktemp "${TMPDIR:-/tmp}/kuki-bench-results.XXXXXX")"
for backend in $BACKENDS; do
  case "$backend" in
    sqlite)
      dir="$(mktemp -d "${TMPDIR:-/tmp}/kuki-bench-db.XXXXXX")"
      bench_backend sqlite "sqlite://$dir/bench.db" "$results"
      rm -rf "$dir"
      ;;
    postgres) server/scripts/with-postgres.sh "$SELF" --postgres-inside "$results" ;;
    *) echo "load.sh: unknown backend $backend" >&2; exit 2 ;;
  esac
done

echo
echo "load.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; c=$CONNECTIONS, $DURATION per load"
status=0
python3 - "$results" <<'PY' || status=$?
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
head = ["backend", "/healthz req/s", "writes/s (201)", "ratio", "write p50 ms", "write p99 ms", "healthz p99 ms",
        "CPU us/write", "CPU us/healthz", "acked", "replays", "other", "stored", "breaks"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
bad = False
for r in rows:
    print("| " + " | ".join(f"{int(x):,}" if x.isdigit() and i not in (0,) and int(x) >= 1000 else x
                             for i, x in enumerate(r[:14])) + " |")
    if r[14] not in ("{}", ""):
        print(f"  {r[0]}: client errors {r[14]}")
    acked, stored, breaks = int(r[9]), int(r[12]), int(r[13])
    lost = max(0, acked - stored)
    print(f"  {r[0]}: acknowledged {acked}, stored {stored}, lost {lost}, chain breaks {breaks}")
    bad |= lost > 0 or breaks > 0
    if len(r) > 15 and r[15]:  # the main thread only waits; the PostgreSQL writer is a task on the request threads
        print(f"  {r[0]}: of the CPU per write, the store's own threads (us): {r[15]}; the rest is the request threads")
    print(f"  {r[0]}: server CPU per /healthz / per write = {float(r[8]) / max(1, int(r[7])):.3f} "
          "(the ratio the server alone would give if it had the machine to itself)")
    if r[0] == "sqlite":
        ok = float(r[3]) >= 0.3 and float(r[5]) < 25
        print(f"  goal on SQLite (writes >= 0.3 x /healthz, p99 < 25 ms): {'met' if ok else 'NOT met'}"
              f"; 20,000 writes/s: {'met' if int(r[2]) >= 20000 else 'not here'}")
sys.exit(1 if bad else 0)
PY
rm -f "$results"
exit $status
