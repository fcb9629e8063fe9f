#!/usr/bin/env bash
# Benchmark keyward-server against redis-server (see bench/bench.py for what is
# measured). Builds the release binary first unless KEYWARD_SERVER names one.
#
#   bash bench/bench.sh                      defaults: 3 rounds, -n 200000, 1M-key load, 8M-SET growth,
#                                            BGSAVE of 1M keys (--bgsave-keys, --bgsave-value)
#   bash bench/bench.sh --skip throughput,commands,memory,members,growth   (the BGSAVE part only)
#   bash bench/bench.sh --rounds 5 -n 500000
#   bash bench/bench.sh --skip growth --out BENCH-notes.md
#   KEYWARD_SERVER=/usr/bin/redis-server bash bench/bench.sh -n 2000 --load-n 20000 \
#       --load-r 10000 --growth-n 50000 --growth-r 30000 --bgsave-keys 20000   (a quick self-check)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${KEYWARD_SERVER:-}" ]; then
    bin=$KEYWARD_SERVER
else
    swift build -c release --product keyward-server
    bin="$(swift build -c release --show-bin-path)/keyward-server"
fi
command -v redis-benchmark >/dev/null || { echo "redis-benchmark not found (apt-get install redis-tools)" >&2; exit 1; }
exec python3 bench/bench.py --keyward "$bin" "$@"
