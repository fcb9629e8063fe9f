#!/usr/bin/env python3
"""Lock benchmark: keyward-server and redis-server in the same run (issue 8).

N processes (keyward-lockprobe contend) x M tasks each, every task taking the same lock
I times; under the lock each does GET + SET of a counter (the work the lock protects), then
unlocks. Reports, per server (median of the rounds, servers alternating A B A B):
- acquisitions/s: total lock cycles / the slowest process's elapsed time;
- acquire latency p50 / p99 / max: time from calling lock() to holding it, pooled over all
  tasks (under contention this is mostly waiting for the others, woken by pub/sub);
and checks the counter ended exact (mutual exclusion held).

Standard library only:
  python3 bench/locks.py --keyward .build/release/keyward-server --probe .build/release/keyward-lockprobe
  python3 bench/locks.py --procs 4 --tasks 4 --iterations 200 --rounds 3
"""
from __future__ import annotations

import argparse
import os
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "python"))
from harness.resp import Conn  # noqa: E402
from harness.server import Server  # noqa: E402


def pct(sorted_values: list[int], p: float) -> float:
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[i]


def one_round(srv: Server, probe: str, procs: int, tasks: int, iterations: int, fencing: bool) -> dict:
    with Conn(srv.host, srv.port) as c:
        c.call("FLUSHALL")
    args = ["contend", "--addr", f"{srv.host}:{srv.port}", "--name", "bench-lock", "--counter", "bench-ctr",
            "--iterations", str(iterations), "--tasks", str(tasks)] + ([] if fencing else ["--no-fencing"])
    ps = [subprocess.Popen([probe, *args], stdout=subprocess.PIPE, text=True) for _ in range(procs)]
    lat, elapsed, acquired = [], [], 0
    for p in ps:
        out, _ = p.communicate(timeout=600)
        doc = json.loads(out.strip().splitlines()[-1])
        if doc.get("event") != "done":
            raise RuntimeError(f"probe failed: {doc}")
        lat += doc["lat_us"]
        elapsed.append(doc["elapsed_ms"])
        acquired += doc["acquired"]
    with Conn(srv.host, srv.port) as c:
        counter = int(c.call("GET", "bench-ctr").to_py())
    lat.sort()
    return {"acq_per_s": acquired / (max(elapsed) / 1000), "p50_us": pct(lat, 50), "p99_us": pct(lat, 99),
            "max_us": lat[-1], "exact": counter == acquired, "acquired": acquired}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keyward", default=str(REPO / ".build" / "release" / "keyward-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--probe", default=str(REPO / ".build" / "release" / "keyward-lockprobe"))
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--tasks", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-fencing", action="store_true")
    a = ap.parse_args()
    # Servers start in their own working folders: relative paths would not resolve there.
    a.keyward, a.probe = os.path.abspath(a.keyward), os.path.abspath(a.probe)
    servers = {"keyward": Server(a.keyward, "keyward").start(), "redis": Server(a.redis, "redis").start()}
    results: dict[str, list[dict]] = {k: [] for k in servers}
    try:
        for r in range(a.rounds):
            for name, srv in servers.items():
                res = one_round(srv, a.probe, a.procs, a.tasks, a.iterations, not a.no_fencing)
                print(f"[round {r + 1}] {name}: {res}", file=sys.stderr, flush=True)
                results[name].append(res)
    finally:
        for srv in servers.values():
            srv.stop()
    print(f"\nLocks: {a.procs} processes x {a.tasks} tasks x {a.iterations} acquisitions, one lock, "
          f"GET+SET under it, fencing {'off' if a.no_fencing else 'on'}; median of {a.rounds} rounds.\n")
    print("| server | acquisitions/s | acquire p50 (ms) | acquire p99 (ms) | max (ms) | counter exact |")
    print("|---|---:|---:|---:|---:|---|")
    for name, rs in results.items():
        med = lambda k: statistics.median(x[k] for x in rs)  # noqa: E731
        print(f"| {name} | {med('acq_per_s'):.0f} | {med('p50_us') / 1000:.2f} | {med('p99_us') / 1000:.2f} | "
              f"{med('max_us') / 1000:.2f} | {all(x['exact'] for x in rs)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
