#!/usr/bin/env python3
"""BGSAVE of aggregate values, keyward vs redis: 100 hashes, lists, sorted sets and sets of
10,000 elements each (4 M elements). Per round and server: BGSAVE wall time, the CPU time of
the server's main thread during the save (Keyward's engine thread; Redis's parent, its child
is another process), and a SET probe process's p99.9 while the save runs vs the 1.8 s before.

    python3 bench/save_objects.py --keyward .build/release/keyward-server [--rounds 3]
"""
from __future__ import annotations

import argparse
import array
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "python"))
import redis  # noqa: E402  (the test venv's redis-py)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main_thread_ticks(pid: int) -> int:
    f = open(f"/proc/{pid}/task/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))] * 1000 if xs else float("nan")


def fill(r):
    for k in range(100):
        p = r.pipeline(transaction=False)
        for j in range(0, 10000, 1000):
            p.hset(f"h{k}", mapping={f"field:{i}": f"value:{i}:{k}" for i in range(j, j + 1000)})
            p.rpush(f"l{k}", *[f"element:{i}:{k}" for i in range(j, j + 1000)])
            p.zadd(f"z{k}", {f"member:{i}:{k}": i * 1.5 for i in range(j, j + 1000)})
            p.sadd(f"s{k}", *[f"member:{i}:{k}" for i in range(j, j + 1000)])
        p.execute()


def one_round(binary: str, workdir: str) -> dict:
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
        fill(r)
        out = os.path.join(workdir, "probe.bin")
        probe = subprocess.Popen([sys.executable, str(REPO / "bench" / "set_probe.py"), "127.0.0.1", str(port), out])
        time.sleep(2.0)
        ticks0, t0 = main_thread_ticks(srv.pid), time.monotonic()
        r.bgsave()
        while r.info("persistence")["rdb_bgsave_in_progress"]:
            time.sleep(0.02)
        t1, ticks1 = time.monotonic(), main_thread_ticks(srv.pid)
        probe.terminate()
        probe.wait(60)
        a = array.array("d")
        a.frombytes(open(out, "rb").read())
        pairs = list(zip(a[0::2], a[1::2]))
        idle = [lat for t, lat in pairs if t0 - 1.8 <= t < t0]
        during = [lat for t, lat in pairs if t0 <= t < t1]
        hz = os.sysconf("SC_CLK_TCK")
        return dict(secs=t1 - t0, cpu=(ticks1 - ticks0) / hz, idle=pct(idle, 0.999), during=pct(during, 0.999),
                    ok=r.info("persistence")["rdb_last_bgsave_status"] == "ok")
    finally:
        srv.terminate()
        srv.wait(60)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keyward", required=True)
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    rows = {"keyward": [], "redis": []}
    for rnd in range(a.rounds):
        for name, binary in (("keyward", os.path.abspath(a.keyward)), ("redis", a.redis)):
            with tempfile.TemporaryDirectory() as d:
                res = one_round(binary, d)
            rows[name].append(res)
            print(f"round {rnd + 1} {name}: {res}", file=sys.stderr, flush=True)
    print(f"### BGSAVE of 4 M aggregate elements (bench/save_objects.py, {a.rounds} alternating rounds)\n")
    print("| server | BGSAVE s | main-thread CPU s during the save | SET p99.9 ms idle | SET p99.9 ms during |")
    print("| --- | --- | --- | --- | --- |")
    for name, rs in rows.items():
        f = lambda k: " / ".join(f"{r[k]:.2f}" for r in rs)
        bad = "" if all(r["ok"] for r in rs) else " (a save failed)"
        print(f"| {name}{bad} | {f('secs')} | {f('cpu')} | {f('idle')} | {f('during')} |")
    print(f"\nMedians: keyward CPU {statistics.median(r['cpu'] for r in rows['keyward']):.2f} s, "
          f"redis parent CPU {statistics.median(r['cpu'] for r in rows['redis']):.2f} s "
          "(both include serving the probe).")


if __name__ == "__main__":
    main()
