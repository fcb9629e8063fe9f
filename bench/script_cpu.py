"""Server CPU time per request for the scripting rows of bench.py, keyward vs redis-server.

The throughput ratios of bench.py swing by +-30 % on a shared 2-core machine; the server's own
CPU time (user+sys from /proc/<pid>/stat) per request is steadier. Both servers run side by
side; each test alternates between them, median of the repetitions.

    python3 bench/script_cpu.py .build/release/keyward-server [requests=200000] [repetitions=3]
"""
import os, subprocess, sys, time, socket, statistics
INCR = "return redis.call('incr', KEYS[1])"
LOCK = ("if (redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1) "
        "then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); "
        "return nil; end; return redis.call('pttl', KEYS[1]);")
bins = {"keyward": sys.argv[1], "redis": "/usr/bin/redis-server"}
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
tick = os.sysconf("SC_CLK_TCK")
def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
def cli(p, *a):
    return subprocess.run(["redis-cli", "-p", str(p), *a], capture_output=True, text=True).stdout.strip()
servers = {}
for name, b in bins.items():
    p = port()
    proc = subprocess.Popen([b, "--port", str(p), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd="/tmp")
    for _ in range(100):
        if cli(p, "ping") == "PONG": break
        time.sleep(0.1)
    servers[name] = (p, proc)
res = {}
try:
    for P in (1, 16):
        for r in range(reps):
            for label in ("evalsha incr", "eval incr", "evalsha lock"):
                for name, (p, proc) in servers.items():
                    if label == "evalsha incr": args = ["evalsha", cli(p, "script", "load", INCR), "1", "bench:lua"]
                    elif label == "eval incr": args = ["eval", INCR, "1", "bench:lua"]
                    else: args = ["evalsha", cli(p, "script", "load", LOCK), "1", "bench:lock", "30000", "client:1"]
                    c0 = cpu(proc.pid)
                    subprocess.run(["redis-benchmark", "-p", str(p), "-n", str(n), "-c", "50", "-P", str(P), "-q", *args],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                    c1 = cpu(proc.pid)
                    res.setdefault((label, P, name), []).append((c1 - c0) / n * 1e6)
finally:
    for p, proc in servers.values():
        cli(p, "shutdown", "nosave"); proc.wait(timeout=30)
print(f"| test | pipeline | keyward µs/req | redis µs/req | keyward/redis CPU |")
print("| --- | ---: | ---: | ---: | ---: |")
for P in (1, 16):
    for label in ("evalsha incr", "eval incr", "evalsha lock"):
        k = statistics.median(res[(label, P, "keyward")]); r = statistics.median(res[(label, P, "redis")])
        print(f"| {label} | {P} | {k:.2f} | {r:.2f} | {k / r:.2f} |")
