#!/usr/bin/env bash
# SPEC P4: fio on a FUSE-mounted volume's data file against the same fio job on a plain file exposed through bindfs,
# in the same run and on the same disk. Prints one line per job and the ratios (bar: >= 0.60 for sequential).
#
#   bench/fuse-p4.sh                      # starts its own daemon from galleon-node/target/quarkus-app
#   SIZE=2G RUNTIME=20 bench/fuse-p4.sh   # bigger file, longer jobs
#   GALLEON_NODE_JAR=... WORK=/var/tmp/p4 bench/fuse-p4.sh
#   GALLEON_NODE_JAVA_OPTS="-XX:StartFlightRecording=..." bench/fuse-p4.sh   # JVM options of the daemon
#   ENGINE_FORMAT=layers bench/fuse-p4.sh # the node's engine format ([storage] engine_format; default: the node's, log)
#
# Needs: JDK 25 (bin/jdk-env), fio, bindfs, curl, python3, /dev/fuse, libfuse2. Cleans up after itself.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/bin/jdk-env"
SIZE="${SIZE:-1G}"
RUNTIME="${RUNTIME:-10}"
NODE_JAR="${GALLEON_NODE_JAR:-$ROOT/galleon-node/target/quarkus-app/quarkus-run.jar}"
WORK="${WORK:-$(mktemp -d "${TMPDIR:-/var/tmp}/galleon-p4.XXXXXX")}"
PORT="${PORT:-18790}"
ENGINE_FORMAT="${ENGINE_FORMAT:-auto}"
API="http://127.0.0.1:$PORT/api/v1"
for tool in fio bindfs curl python3; do
  command -v "$tool" >/dev/null || { echo "fuse-p4: $tool is not installed" >&2; exit 2; }
done
[ -e /dev/fuse ] || { echo "fuse-p4: /dev/fuse is absent" >&2; exit 2; }
[ -f "$NODE_JAR" ] || { echo "fuse-p4: no node jar at $NODE_JAR (build it, or set GALLEON_NODE_JAR)" >&2; exit 2; }

mkdir -p "$WORK/plain" "$WORK/bindfs" "$WORK/mounts"
printf '[storage]\nengine_format = "%s"\n' "$ENGINE_FORMAT" > "$WORK/engine-format.toml"
DAEMON_PID=""
cleanup() {
  set +e
  mountpoint -q "$WORK/bindfs" && umount "$WORK/bindfs"
  if [ -n "$DAEMON_PID" ]; then
    curl -s -X POST "$API/daemon/stop" -H "Authorization: Bearer ${TOKEN:-none}" >/dev/null
    for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$DAEMON_PID" 2>/dev/null
  fi
  grep -q " $WORK/mounts" /proc/self/mounts && umount -l "$WORK/mounts/p4" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
# Killed (Ctrl-C, kill): exit through the EXIT trap too. bindfs daemonizes with every descriptor this script inherited,
# a caller's flock on the bench lock included, so a bindfs left behind would hold that lock for ever.
trap 'exit 130' INT TERM

# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+ExitOnOutOfMemoryError ${GALLEON_NODE_JAVA_OPTS:-} -jar "$NODE_JAR" -d --storage-path "$WORK/node" \
  --ipc-address "127.0.0.1:$PORT" --bind-address "127.0.0.1:$((PORT + 1))" --mount-point "$WORK/mounts" \
  --config "$WORK/engine-format.toml" >"$WORK/node.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null && break
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/node.log" >&2; exit 1; }
  sleep 0.2
done
# The node writes its first admin token there on a new storage path (auth is on by default).
TOKEN="$(tr -d '\n' < "$WORK/node/auth/admin.token")"
AUTH=(-H "Authorization: Bearer $TOKEN")
curl -sf -X POST "$API/volumes" "${AUTH[@]}" -H 'content-type: application/json' \
  -d "{\"name\":\"p4\",\"size\":\"$SIZE\",\"storage_class\":\"fast-local-ssd\"}" >/dev/null
# fs=none: the raw layout (fast-local-ssd would otherwise mount an ext4 file system)
curl -sf -X POST "$API/volumes/p4/mounts" "${AUTH[@]}" -H 'content-type: application/json' \
  -d '{"options":["rw","fs=none"]}' >/dev/null
FUSE_FILE="$WORK/mounts/p4/data"
PLAIN_FILE="$WORK/bindfs/data"
bindfs "$WORK/plain" "$WORK/bindfs"

# name  rw  bs  numjobs
JOBS=("seq-write write 1M 1" "seq-read read 1M 1" "rand-read randread 4k 4" "rand-write randwrite 4k 4")
run() { # file name rw bs jobs
  # Every job starts with no dirty page cache left by anything before it (the other contender's job, an earlier bench):
  # a backlog of another process's writes routes the node's runs around the page cache (RunRouting), so without this
  # the first job's figure depended on what ran before the script (docs/BENCHMARKS.md, 2026-12-07 08:35).
  sync
  fio --name="$2" --filename="$1" --rw="$3" --bs="$4" --numjobs="$5" --size="$SIZE" --direct=1 --ioengine=psync \
      --time_based --runtime="$RUNTIME" --group_reporting --output-format=json \
    | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print(j["read"]["bw_bytes"]+j["write"]["bw_bytes"], j["read"]["iops"]+j["write"]["iops"])'
}
printf '%-11s %14s %14s %10s %10s %7s\n' job "galleonfs MB/s" "bindfs MB/s" "g IOPS" "b IOPS" ratio
for job in "${JOBS[@]}"; do
  set -- $job
  read -r gbw giops < <(run "$FUSE_FILE" "$@")
  read -r bbw biops < <(run "$PLAIN_FILE" "$@")
  python3 -c "import sys; g,b,gi,bi=map(float,sys.argv[2:]); print('%-11s %14.1f %14.1f %10.0f %10.0f %7.2f' % (sys.argv[1], g/1e6, b/1e6, gi, bi, g/b))" \
    "$1" "$gbw" "$bbw" "$giops" "$biops"
done
echo "(fio --direct=1 --ioengine=psync, ${RUNTIME}s per job, ${SIZE} file, engine_format $ENGINE_FORMAT; bar: >= 0.60 for seq-read and seq-write)"
# The engine alone, without FUSE (galleonfs bench inside the daemon), tells how much of a gap is the engine's.
for t in write read; do
  curl -sf -X POST "$API/volumes/p4/bench" "${AUTH[@]}" -H 'content-type: application/json' \
    -d "{\"io_type\":\"$t\",\"io_size\":\"1M\",\"io_threads\":1,\"io_total\":\"$SIZE\",\"io_pattern\":\"seq\"}" \
    | python3 -c 'import json,sys; j=json.load(sys.stdin); print("engine-only seq %s 1M: %s" % (sys.argv[1], {k: v for k, v in j.items() if "mb" in k.lower() or "iops" in k.lower()}))' "$t"
done
