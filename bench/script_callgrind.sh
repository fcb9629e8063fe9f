#!/usr/bin/env bash
# Instructions per request of one scripting load under callgrind (stable on a noisy shared
# machine, unlike req/s). The server runs with instrumentation off until a 2,000-request
# warm-up is done, then redis-benchmark sends the measured requests.
#
#   bash bench/script_callgrind.sh <server binary> <incr|eval|lock> [requests=20000] [pipeline=16]
#   bash bench/script_callgrind.sh .build/release/keyward-server lock
#   bash bench/script_callgrind.sh /usr/bin/redis-server lock
#
# Prints the total and per-request Ir; the callgrind file stays for callgrind_annotate.
set -u
bin=$(realpath "$1"); kind=$2; n=${3:-20000}; P=${4:-16}
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
dir=$(mktemp -d "${TMPDIR:-/tmp}/script-callgrind.XXXX")
out=$dir/callgrind.out
(cd "$dir" && exec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$bin" --port "$port" --save '' --appendonly no >"$dir/server.log" 2>&1) &
vpid=$!
for _ in $(seq 1 300); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
redis-cli -p "$port" ping 2>/dev/null | grep -q PONG || { echo "server did not start: $dir/server.log" >&2; kill "$vpid"; exit 1; }
INCR="return redis.call('incr', KEYS[1])"
LOCK="if (redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1) then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; return redis.call('pttl', KEYS[1]);"
case $kind in
    incr) args=(evalsha "$(redis-cli -p "$port" script load "$INCR")" 1 bench:lua) ;;
    eval) args=(eval "$INCR" 1 bench:lua) ;;
    lock) args=(evalsha "$(redis-cli -p "$port" script load "$LOCK")" 1 bench:lock 30000 client:1) ;;
    *) echo "unknown kind $kind" >&2; exit 2 ;;
esac
redis-benchmark -p "$port" -n 2000 -c 10 -P "$P" -q "${args[@]}" >/dev/null
callgrind_control -i on "$vpid" >/dev/null
redis-benchmark -p "$port" -n "$n" -c 10 -P "$P" -q "${args[@]}" >/dev/null
callgrind_control -i off "$vpid" >/dev/null
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
wait "$vpid"
total=$(callgrind_annotate "$out" 2>/dev/null | grep -m1 "PROGRAM TOTALS" | awk '{gsub(",", "", $1); print $1}')
echo "$(basename "$bin") $kind n=$n P=$P Ir=$total per_request=$((total / n)) file=$out"
