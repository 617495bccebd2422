#!/usr/bin/env bash
# Cost of NBD over TLS (NBD_OPT_STARTTLS), measured in one run on one node started with --tls --nbd-tls optional, so
# plain and TLS clients hit the same daemon, volume and cache state: nbdcopy writes SIZE of random bytes into a
# 1-copy volume and reads them back to null:, through nbd:// and nbds:// alternately, ROUNDS times.
# Usage: bench/nbd-tls.sh   (needs the node and CLI built: galleon-node/target/quarkus-app and galleon-cli/...)
# Environment: SIZE (MiB, default 512), ROUNDS (default 3), WORK (temp dir), KEEP=1 keeps it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
. "$ROOT/bin/jdk-env"
SIZE="${SIZE:-512}"
ROUNDS="${ROUNDS:-3}"
WORK="${WORK:-$(mktemp -d /tmp/galleon-nbd-tls-bench.XXXXXX)}"
JARS="$WORK/jars"
mkdir -p "$JARS"
cp -r "$ROOT/galleon-node/target/quarkus-app" "$JARS/node"
cp -r "$ROOT/galleon-cli/target/quarkus-app" "$JARS/cli"
export GALLEON_JAR_DIR="$JARS"
HOST=127.0.15.2
IPC="$HOST:7691"
NBD="$HOST:7699"
PID=

cleanup() {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f "${GALLEONFS_CONFIG_DIR:-$HOME/.config/galleonfs}"/local/127.0.15.2_*  # the daemon's local pointers (token, CA)
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
log() { printf '[nbd-tls-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

"$ROOT/bin/galleonfs" -d --tls --storage-path "$WORK/n" --bind-address "$HOST:7681" --ipc-address "$IPC" \
  --nbd-address "$NBD" --nbd-tls optional >> "$WORK/n.log" 2>&1 &
PID=$!
for _ in $(seq 600); do
  curl -fsS --cacert "$WORK/n/tls/ca.crt" "https://$IPC/q/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
"$ROOT/bin/galleonfs" --daemon-address "$IPC" volume create --name bench --size "$((SIZE + 64))M" \
  --storage-class fast-local-ssd >/dev/null
mkdir -p "$WORK/pki"
cp "$WORK/n/tls/ca.crt" "$WORK/pki/ca-cert.pem"
head -c "$((SIZE << 20))" /dev/urandom > "$WORK/src.img"
PLAIN="nbd://$NBD/bench"
TLS="nbds://$NBD/bench?tls-certificates=$WORK/pki"

mbps() { # SECONDS
  python3 -c "import sys; print(f'{$SIZE / float(sys.argv[1]):.0f}')" "$1"
}
timed() { # prints seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  python3 -c "print($t1 - $t0)"
}

declare -A W R
for round in $(seq "$ROUNDS"); do
  for mode in plain tls; do
    uri=$PLAIN
    [ "$mode" = tls ] && uri=$TLS
    w=$(timed nbdcopy --flush "$WORK/src.img" "$uri")
    r=$(timed nbdcopy "$uri" null:)
    W[$mode]="${W[$mode]:-} $(mbps "$w")"
    R[$mode]="${R[$mode]:-} $(mbps "$r")"
    log "round $round $mode: write $(mbps "$w") MiB/s, read $(mbps "$r") MiB/s"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for kind in write read; do
  if [ $kind = write ]; then p=$(echo "${W[plain]}" | median); t=$(echo "${W[tls]}" | median);
  else p=$(echo "${R[plain]}" | median); t=$(echo "${R[tls]}" | median); fi
  printf '%s %s MiB: plain %s MiB/s, TLS %s MiB/s, TLS/plain %s (median of %s rounds)\n' "$kind" "$SIZE" "$p" "$t" \
    "$(python3 -c "print(f'{$t / $p:.2f}')")" "$ROUNDS"
done
