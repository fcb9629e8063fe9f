#!/usr/bin/env python3
"""BGSAVE of aggregate values, keyward vs redis: 100 hashes, lists, sorted sets and sets of
10,000 elements each (4 M elements), or with --big-list N one list of N elements. Per round and
server: BGSAVE wall time, the CPU time of the server's main thread during the save (Keyward's
engine thread; Redis's parent, its child is another process), and a SET probe process's p99.9
and max while the save runs vs the 1.8 s before. The save's end is the dump's rename (nothing
of this script runs while the probe measures).

    python3 bench/save_objects.py --keyward .build/release/keyward-server [--rounds 3]
        [--big-list 5000000] [--also NAME=BINARY ...]
"""
from __future__ import annotations

import argparse
import array
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "python"))
sys.path.insert(0, str(REPO / "bench"))
import redis  # noqa: E402  (the test venv's redis-py)
from bench import RenameWatch, pct  # noqa: E402
from harness.server import free_port  # noqa: E402


def main_thread_ticks(pid: int) -> int:
    f = open(f"/proc/{pid}/task/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def fill(r):
    for k in range(100):
        p = r.pipeline(transaction=False)
        for j in range(0, 10000, 1000):
            p.hset(f"h{k}", mapping={f"field:{i}": f"value:{i}:{k}" for i in range(j, j + 1000)})
            p.rpush(f"l{k}", *[f"element:{i}:{k}" for i in range(j, j + 1000)])
            p.zadd(f"z{k}", {f"member:{i}:{k}": i * 1.5 for i in range(j, j + 1000)})
            p.sadd(f"s{k}", *[f"member:{i}:{k}" for i in range(j, j + 1000)])
        p.execute()


def fill_big_list(r, n: int):
    for j in range(0, n, 10000):
        r.rpush("big", *[f"element:{i}" for i in range(j, min(n, j + 10000))])


def one_round(binary: str, workdir: str, big_list: int) -> dict:
    port = free_port()
    srv = subprocess.Popen([binary, "--port", str(port), "--dir", workdir, "--save", "", "--appendonly", "no",
                            "--dbfilename", "dump.rdb"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        r = redis.Redis(port=port)
        for _ in range(200):
            try:
                r.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        fill_big_list(r, big_list) if big_list else fill(r)
        out = os.path.join(workdir, "probe.bin")
        probe = subprocess.Popen([sys.executable, str(REPO / "bench" / "set_probe.py"), "127.0.0.1", str(port), out])
        time.sleep(2.0)
        with RenameWatch(Path(workdir), "dump.rdb") as watch:
            ticks0, t0 = main_thread_ticks(srv.pid), time.monotonic()
            r.bgsave()
            t1 = watch.wait(600) or time.monotonic()
        ticks1 = main_thread_ticks(srv.pid)
        while r.info("persistence")["rdb_bgsave_in_progress"]:
            time.sleep(0.05)
        probe.terminate()
        probe.wait(60)
        a = array.array("d")
        a.frombytes(open(out, "rb").read())
        pairs = list(zip(a[0::2], a[1::2]))
        idle = [lat for t, lat in pairs if t0 - 1.8 <= t < t0]
        during = [lat for t, lat in pairs if t0 <= t < t1]
        hz = os.sysconf("SC_CLK_TCK")
        return dict(secs=t1 - t0, cpu=(ticks1 - ticks0) / hz, idle=pct(idle, 0.999), during=pct(during, 0.999),
                    idle_max=max(idle) * 1000, during_max=max(during) * 1000,
                    ok=r.info("persistence")["rdb_last_bgsave_status"] == "ok")
    finally:
        srv.terminate()
        srv.wait(60)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keyward", required=True)
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--big-list", type=int, default=0, help="one list of N elements instead of the 4 M aggregates")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=BINARY", help="another keyward build")
    a = ap.parse_args()
    servers = {"keyward": os.path.abspath(a.keyward), "redis": a.redis,
               **{k: os.path.abspath(v) for k, v in (x.split("=", 1) for x in a.also)}}
    rows = {name: [] for name in servers}
    for rnd in range(a.rounds):
        for name, binary in servers.items():
            with tempfile.TemporaryDirectory() as d:
                res = one_round(binary, d, a.big_list)
            rows[name].append(res)
            print(f"round {rnd + 1} {name}: {res}", file=sys.stderr, flush=True)
    what = f"one list of {a.big_list:,} elements" if a.big_list else "4 M aggregate elements"
    print(f"### BGSAVE of {what} (bench/save_objects.py, {a.rounds} alternating rounds)\n")
    print("| server | BGSAVE s | main-thread CPU s during the save | SET p99.9 ms idle | SET p99.9 ms during | "
          "SET max ms idle | SET max ms during |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, rs in rows.items():
        f = lambda k: " / ".join(f"{r[k]:.2f}" for r in rs)
        bad = "" if all(r["ok"] for r in rs) else " (a save failed)"
        print(f"| {name}{bad} | {f('secs')} | {f('cpu')} | {f('idle')} | {f('during')} | {f('idle_max')} | "
              f"{f('during_max')} |")
    print("\nMedians of main-thread CPU: " + ", ".join(
        f"{name} {statistics.median(r['cpu'] for r in rs):.2f} s" for name, rs in rows.items()) +
        " (all include serving the probe).")


if __name__ == "__main__":
    main()
