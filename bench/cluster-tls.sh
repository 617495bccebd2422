#!/usr/bin/env bash
# Cost of mutual TLS between nodes (issue 13), all measured in one run on this machine: the same 3-node cluster
# shape twice, first over plain TCP, then with --tls (JGroups and the data plane over mutual TLS 1.3), and on each a
# 3-copy volume written with the built-in bench (write concern `replicated`, 16 threads): 1 MiB sequential and 4 KiB
# random. Rounds alternate plain/TLS ROUNDS times (default 2) so drift on a shared machine shows up as spread.
# Usage: bench/cluster-tls.sh         (needs the node and CLI built: galleon-node/target/quarkus-app and galleon-cli/...)
# Environment: BENCH_TOTAL_1M (default 256M), BENCH_TOTAL_4K (default 32M), ROUNDS (default 2), WORK (temp dir).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
. "$ROOT/bin/jdk-env"
T1M="${BENCH_TOTAL_1M:-256M}"
T4K="${BENCH_TOTAL_4K:-32M}"
ROUNDS="${ROUNDS:-2}"
WORK="${WORK:-$(mktemp -d /tmp/galleon-tls-bench.XXXXXX)}"
JARS="$WORK/jars"
mkdir -p "$JARS"
cp -r "$ROOT/galleon-node/target/quarkus-app" "$JARS/node"
cp -r "$ROOT/galleon-cli/target/cli-app" "$JARS/cli"
export GALLEON_JAR_DIR="$JARS"
PIDS=()
HOSTS=(127.0.14.2 127.0.14.3 127.0.14.4)
BIND_PORT=7581
IPC_PORT=7591 # plain; TLS runs use 7592, so the CLI's local CA pointer of one mode never meets the other

stop_all() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}
cleanup() {
  stop_all
  rm -f "${GALLEONFS_CONFIG_DIR:-$HOME/.config/galleonfs}"/local/127.0.14.*  # the daemons' local pointers (token, CA)
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
log() { printf '[tls-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

start() { # DIR INDEX FLAGS...
  local d="$1" i="$2"; shift 2
  local h="${HOSTS[$i]}"
  "$ROOT/bin/galleonfs" -d --storage-path "$d/n$i" --bind-address "$h:$BIND_PORT" --ipc-address "$h:$IPC_PORT" "$@" \
    >> "$d/n$i.log" 2>&1 &
  PIDS[$i]=$!
  for _ in $(seq 600); do
    curl -fsS -k "http://$h:$IPC_PORT/q/health/ready" >/dev/null 2>&1 && return 0
    curl -fsS -k "https://$h:$IPC_PORT/q/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "node $i not ready: $(tail -3 "$d/n$i.log")"; exit 1
}

cluster() { # DIR [--tls]
  local d="$1"; shift
  mkdir -p "$d"
  start "$d" 0 "$@"
  for i in 1 2; do
    if [ "${1:-}" = --tls ]; then
      mkdir -p "$d/n$i/tls"; cp "$d/n0/tls/ca.crt" "$d/n0/tls/ca.key" "$d/n$i/tls/"
    fi
    start "$d" "$i" "$@" --peer-addresses "${HOSTS[0]}:$BIND_PORT"
  done
}

g() { "$ROOT/bin/galleonfs" --daemon-address "${HOSTS[0]}:$IPC_PORT" "$@"; }
bench() { # VOL SIZE PATTERN TOTAL -> "IOPS MB/s"
  g bench "$1" --io-type write --io-size "$2" --io-pattern "$3" --io-threads 16 --io-total "$4" --write-concern replicated -o json \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["iops"], r["mb_per_second"])'
}
await_healthy() {
  for _ in $(seq 900); do
    [ "$(g volume get "$1" -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)" = healthy ] && return 0
    sleep 0.2
  done
  log "$1 not healthy"; return 1
}

run() { # NAME FLAGS...
  local name="$1"; shift
  local d="$WORK/$name-$r"
  IPC_PORT=$([ "$name" = tls ] && echo 7592 || echo 7591)
  cluster "$d" "$@"
  g volume create --name v --size 2G --storage-class fast-local-ssd --replicas 3 >/dev/null
  await_healthy v
  read -r _ mb < <(bench v 1M seq "$T1M")
  read -r iops _ < <(bench v 4K rand "$T4K")
  printf '%s %s %s %s\n' "$name" "$r" "$mb" "$iops" | tee -a "$WORK/results"
  stop_all
}

log "git $(git -C "$ROOT" rev-parse --short HEAD), ${ROUNDS} rounds, 1M total $T1M, 4K total $T4K"
for r in $(seq "$ROUNDS"); do
  run plain
  run tls --tls
done
python3 - "$WORK/results" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
def col(name, i): return [float(r[i]) for r in rows if r[0] == name]
for label, i, unit in (("1M sequential write, replicated, 3 copies", 2, "MB/s"), ("4K random write, replicated, 3 copies", 3, "IOPS")):
    p, t = col("plain", i), col("tls", i)
    print(f"{label}: plain {' '.join(f'{x:.1f}' for x in p)} {unit}, tls {' '.join(f'{x:.1f}' for x in t)} {unit}; "
          f"median tls/plain = {statistics.median(t) / statistics.median(p):.2f}")
PY
