#!/usr/bin/env bash
# Replication figures on a 3-node cluster of real daemons (127.0.0.2-4), all measured in one run:
#   P3   4 KiB random write IOPS and 1 MiB sequential write MB/s with write concern `replicated` on a
#        3-replica volume, as a ratio to the same bench on a 1-replica volume (no replication) in the same cluster;
#   rebuild  MB/s of a full rebuild (allocated blocks only) vs a plain loopback TCP copy of the same byte count;
#   failover seconds from `kill -9` of the primary until a read through another node succeeds (median of 5);
#   P7   delta-resync bytes sent / bytes written while a replica was down.
# Usage: bench/replication.sh            (needs the node and CLI built: ./mvnw install -DskipTests)
# Environment: BENCH_TOTAL (default 256M per bench), WORK (default: a temp dir, removed at exit).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=/dev/null
. "$ROOT/bin/jdk-env"
TOTAL="${BENCH_TOTAL:-256M}"
WORK="${WORK:-$(mktemp -d /tmp/galleon-repl-bench.XXXXXX)}"
JARS="$WORK/jars"
mkdir -p "$JARS"
cp -r "$ROOT/galleon-node/target/quarkus-app" "$JARS/node"
cp -r "$ROOT/galleon-cli/target/cli-app" "$JARS/cli"
export GALLEON_JAR_DIR="$JARS"
PIDS=()
HOSTS=(127.0.0.2 127.0.0.3 127.0.0.4)
BIND_PORT=7481
IPC_PORT=7491

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "${KEEP:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT

g() { "$ROOT/bin/galleonfs" --daemon-address "${HOSTS[0]}:$IPC_PORT" "$@"; }
gv() { local via="$1"; shift; "$ROOT/bin/galleonfs" --daemon-address "$via:$IPC_PORT" "$@"; }
log() { printf '[replication-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

start() {
  local i="$1"; shift
  local h="${HOSTS[$i]}"
  "$ROOT/bin/galleonfs" -d --storage-path "$WORK/n$i" --bind-address "$h:$BIND_PORT" --ipc-address "$h:$IPC_PORT" "$@" \
    >> "$WORK/n$i.log" 2>&1 &
  PIDS[$i]=$!
  for _ in $(seq 600); do curl -fsS "http://$h:$IPC_PORT/q/health/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "node $i not ready: $(tail -3 "$WORK/n$i.log")"; exit 1
}
peers() { echo "${HOSTS[0]}:$BIND_PORT"; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k)
print(d)' "$1"; }
primary_index() {
  local id; id="$(g volume get "$1" -o json | python3 -c 'import json,sys; print(next(r["node"] for r in json.load(sys.stdin)["replicas"] if r["primary"]))')"
  for i in 0 1 2; do
    [ "$(gv "${HOSTS[$i]}" daemon status -o json 2>/dev/null | json node_id)" = "$id" ] && { echo "$i"; return; }
  done
}
await_healthy() {
  local via="$1" vol="$2"
  for _ in $(seq 900); do
    [ "$(gv "$via" volume get "$vol" -o json 2>/dev/null | json state)" = healthy ] && return 0; sleep 0.2
  done
  log "$vol not healthy"; return 1
}
metric() { curl -fsS "http://$1:$IPC_PORT/q/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }

log "starting 3 nodes in $WORK"
start 0
start 1 --peer-addresses "$(peers)"
start 2 --peer-addresses "$(peers)"
sleep 3

bench() { # VOL TYPE SIZE PATTERN -> prints IOPS and MB/s
  g bench "$1" --io-type write --io-size "$2" --io-pattern "$3" --io-threads 16 --io-total "$TOTAL" --write-concern replicated -o json \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["iops"], r["mb_per_second"])'
}

g volume create --name single --size 2G --storage-class fast-local-ssd --replicas 1 >/dev/null
g volume create --name triple --size 2G --storage-class fast-local-ssd --replicas 3 >/dev/null
await_healthy "${HOSTS[0]}" triple
read -r s4 _ < <(bench single 4K rand)
read -r t4 _ < <(bench triple 4K rand)
read -r _ s1 < <(bench single 1M seq)
read -r _ t1m < <(bench triple 1M seq)

# Full rebuild: wipe one replica's copy of `triple` (1 GiB allocated above) while its node is down.
vid="$(g volume get triple -o json | json id)"
p="$(primary_index triple)"; r=$(( (p + 1) % 3 ))
kill -9 "${PIDS[$r]}"; wait "${PIDS[$r]}" 2>/dev/null || true
rm -rf "$WORK/n$r/engine/volumes/$vid"
before="$(metric "${HOSTS[$p]}" galleon_replication_rebuild_bytes_total)"
start "$r" --peer-addresses "$(peers)"
await_healthy "${HOSTS[$p]}" triple
after="$(metric "${HOSTS[$p]}" galleon_replication_rebuild_bytes_total)"
rebuilt=$(python3 -c "print(int(float('$after') - float('$before')))")
# The copy itself (reset to last block acknowledged), as the primary logged it; the node restart is not included.
rebuild_s=$(grep -o 'rebuilt: [0-9]* bytes of allocated blocks in [0-9.]* s' "$WORK/n$p.log" | tail -1 | awk '{print $(NF-1)}')
# The baseline: the same number of bytes through one loopback TCP connection (python sockets, 1 MiB writes).
tcp_s=$(python3 - "$rebuilt" <<'PY'
import socket, sys, threading, time
n = int(sys.argv[1]); buf = b"\x5a" * (1 << 20)
srv = socket.socket(); srv.bind(("127.0.0.2", 0)); srv.listen(1); port = srv.getsockname()[1]
def sink():
    c, _ = srv.accept(); got = 0
    while got < n:
        d = c.recv(1 << 20)
        if not d: break
        got += len(d)
    c.close()
t = threading.Thread(target=sink); t.start()
s = socket.create_connection(("127.0.0.2", port)); t0 = time.time(); sent = 0
while sent < n:
    k = min(len(buf), n - sent); s.sendall(buf[:k]); sent += k
s.close(); t.join(); print(time.time() - t0)
PY
)

# Delta resync (P7): a replica down while 32 MiB of 64 KiB random writes go to the primary.
p="$(primary_index triple)"; r=$(( (p + 1) % 3 ))
kill -9 "${PIDS[$r]}"; wait "${PIDS[$r]}" 2>/dev/null || true
before="$(metric "${HOSTS[$p]}" galleon_replication_resync_bytes_total)"
head -c $((64 * 1024)) /dev/urandom > "$WORK/chunk"
for k in $(seq 0 511); do
  off=$(( (RANDOM * 32768 + RANDOM) % 16384 * 65536 ))
  curl -fsS -X PUT --data-binary @"$WORK/chunk" -H 'Content-Type: application/octet-stream' \
    "http://${HOSTS[$p]}:$IPC_PORT/api/v1/volumes/triple/data?offset=$off&write_concern=replicated" >/dev/null
done
written=$((512 * 65536))
start "$r" --peer-addresses "$(peers)"
await_healthy "${HOSTS[$p]}" triple
after="$(metric "${HOSTS[$p]}" galleon_replication_resync_bytes_total)"
resync=$(python3 -c "print(int(float('$after') - float('$before')))")

# Failover: kill -9 the primary, time until a read through another node answers; restart; 5 times.
fails=()
for k in 1 2 3 4 5; do
  await_healthy "${HOSTS[0]}" triple || true
  p="$(primary_index triple)"; o=$(( (p + 1) % 3 ))
  t0=$(date +%s.%N)
  kill -9 "${PIDS[$p]}"
  until curl -fsS -o /dev/null --max-time 30 "http://${HOSTS[$o]}:$IPC_PORT/api/v1/volumes/triple/data?offset=0&length=4096"; do sleep 0.05; done
  t1=$(date +%s.%N)
  fails+=("$(python3 -c "print(float('$t1') - float('$t0'))")")
  wait "${PIDS[$p]}" 2>/dev/null || true
  start "$p" --peer-addresses "${HOSTS[$o]}:$BIND_PORT"
done
median=$(printf '%s\n' "${fails[@]}" | sort -g | sed -n 3p)

python3 - "$s4" "$t4" "$s1" "$t1m" "$rebuilt" "$rebuild_s" "$tcp_s" "$resync" "$written" "$median" "${fails[*]}" <<'PY'
import sys
s4, t4, s1, t1, rebuilt, rs, ts, resync, written, med, all5 = sys.argv[1:]
s4, t4, s1, t1, rs, ts = map(float, (s4, t4, s1, t1, rs, ts)); rebuilt, resync, written = int(rebuilt), int(resync), int(written)
print("| Figure | GalleonFS | Baseline (same run) | Ratio | Bar |")
print("|---|---|---|---|---|")
print(f"| P3 4K random write, replicated, 3 copies vs 1 copy | {t4:,.0f} IOPS | {s4:,.0f} IOPS | {t4/s4:.2f} | >= 0.50 |")
print(f"| P3 1M sequential write, replicated, 3 copies vs 1 copy | {t1:,.1f} MB/s | {s1:,.1f} MB/s | {t1/s1:.2f} | >= 0.50 |")
mbs = rebuilt / 1e6 / rs; tcp = rebuilt / 1e6 / ts
print(f"| Full rebuild of {rebuilt/2**20:,.0f} MiB allocated vs the same bytes over one loopback TCP connection | {mbs:,.1f} MB/s | {tcp:,.1f} MB/s | {mbs/tcp:.3f} | - |")
print(f"| P7 delta resync bytes / bytes written while a replica was down | {resync:,} B | {written:,} B | {resync/written:.2f} | <= 1.2 |")
print(f"| Failover: kill -9 primary -> read through another node (median of 5) | {float(med):.2f} s | runs: {' '.join(f'{float(x):.2f}' for x in all5.split())} | - | <= 10 s |")
PY
