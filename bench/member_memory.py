#!/usr/bin/env python3
"""Memory of one big hash, set and sorted set: keyward-server vs redis-server.

Each server starts empty (no persistence) on a free port; redis-benchmark fills one value with
~1M distinct members (`-t sadd|hset|zadd -r 1000000`), and the growth of VmRSS is divided by the
member count. Prints a Markdown table.

    python3 bench/member_memory.py --keyward .build/release/keyward-server [-n 3000000] [-r 1000000]
"""
import argparse, os, shutil, socket, subprocess, sys, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0

def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True).stdout.strip()

def measure(binary, test, key, count_cmd, n, r):
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if cli(port, "PING") == "PONG": break
            time.sleep(0.05)
        before = rss(proc.pid)
        t0 = time.time()
        subprocess.run(["redis-benchmark", "-p", str(port), "-t", test, "-r", str(r), "-n", str(n), "-P", "16", "-q"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        secs = time.time() - t0
        members = int(cli(port, count_cmd, key) or 0)
        enc = cli(port, "OBJECT", "ENCODING", key)
        grown = rss(proc.pid) - before
        return members, enc, grown, secs
    finally:
        proc.terminate(); proc.wait(timeout=20)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keyward", required=True)
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("-n", type=int, default=3_000_000)
    ap.add_argument("-r", type=int, default=1_000_000)
    a = ap.parse_args()
    cases = [("sadd", "myset", "SCARD", "set"), ("hset", "myhash", "HLEN", "hash"), ("zadd", "myzset", "ZCARD", "sorted set")]
    print(f"### Memory of one big value (redis-benchmark -t <cmd> -r {a.r} -n {a.n} -P 16; VmRSS growth)\n")
    print("| type | server | members | encoding | VmRSS growth | bytes/member | load s | keyward/redis |")
    print("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for test, key, count_cmd, name in cases:
        rows = {}
        for who, binary in (("keyward", a.keyward), ("redis", a.redis)):
            rows[who] = measure(binary, test, key, count_cmd, a.n, a.r)
        kb = rows["keyward"][2] / max(rows["keyward"][0], 1)
        rb = rows["redis"][2] / max(rows["redis"][0], 1)
        for who in ("keyward", "redis"):
            m, enc, grown, secs = rows[who]
            ratio = f"**{kb / rb:.2f}**" if who == "keyward" else ""
            print(f"| {name} | {who} | {m:,} | {enc} | {grown / 1048576:.1f} MiB | {grown / max(m, 1):.1f} | {secs:.1f} | {ratio} |")
        sys.stdout.flush()

if __name__ == "__main__":
    main()
