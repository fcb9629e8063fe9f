#!/usr/bin/env python3
"""Benchmark keyward-server against redis-server on this machine, in one run.

Parts, each printed as a Markdown table (ready for BENCHMARKS.md):
1. Throughput: redis-benchmark against each server alternately (A B A B ...),
   non-pipelined and with -P 16; the median of the rounds and the ratio
   keyward/redis per test. "commands" does the same for commands without a
   -t test (PUBLISH with and without subscribers, EVAL/EVALSHA).
2. Memory: fresh servers each loaded with the same random SETs; DBSIZE, INFO
   memory (used_memory, used_memory_rss) and /proc/<pid>/status VmRSS.
3. Growth latency: while redis-benchmark fills a fresh server with millions of
   keys, a probe connection sends PING in a loop (like redis-cli --latency) and
   records the worst single round trip; a rehash or resize stall shows up here.
4. BGSAVE: the same DEBUG POPULATE dataset in each server, alternating rounds;
   BGSAVE wall time, SET latency (p99/p99.9/max) and rate from a probe process
   while the save runs vs the seconds before (nothing else of the bench runs in
   either window), peak VmRSS during the save (VmHWM; Redis's child from one
   extra polled save, and its rdb_last_cow_size), file size, the startup load
   time, and a save under a saturating redis-benchmark. --bgsave-also adds
   another keyward build to the rounds (A/B of two commits).

Standard library only. Usage: see bench.sh, or `python3 bench/bench.py --help`.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "python"))
from harness.server import Server  # noqa: E402

BENCH = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def log(msg: str):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_benchmark(srv: Server, *args: str, timeout: float = 3600) -> str:
    cmd = [BENCH, "-h", srv.host, "-p", str(srv.port), *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p.stdout


def parse_csv(text: str) -> dict[str, dict[str, float]]:
    """redis-benchmark --csv: "test","rps","avg_latency_ms",...,"max_latency_ms"."""
    rows = {}
    reader = csv.reader(io.StringIO(text.strip()))
    header = None
    for row in reader:
        if not row:
            continue
        if row[0] == "test":
            header = row
            continue
        if header is None:
            continue
        rows[row[0]] = {h: float(v) for h, v in zip(header[1:], row[1:])}
    return rows


def info_fields(srv: Server, section: str) -> dict[str, str]:
    with srv.connect(timeout=60) as c:
        return info_of(c, section)


def info_of(c, section: str) -> dict[str, str]:
    """INFO `section` on an open connection, as field -> value."""
    reply = c.execute("INFO", section)
    if not isinstance(reply, (bytes, str)):
        return {}
    text = reply.decode() if isinstance(reply, bytes) else reply
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k.strip()] = v.strip()
    return out


def dbsize(srv: Server) -> int:
    with srv.connect(timeout=60) as c:
        return int(c.execute("DBSIZE"))


def vm_rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """A kB field of /proc/<pid>/status in bytes: VmRSS, or VmHWM (the peak)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def fmt_bytes(n) -> str:
    if n is None:
        return "n/a"
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return str(n)


def ratio(a, b) -> str:
    return f"{a / b:.2f}" if a and b else "n/a"


# -- parts ---------------------------------------------------------------------

def throughput(servers: dict[str, Server], a) -> str:
    tests = a.tests
    results: dict[tuple[int, str, str], list[dict[str, float]]] = {}
    for pipeline in (1, a.pipeline):
        for rnd in range(a.rounds):
            for name, srv in servers.items():
                args = ["-t", tests, "-n", str(a.n), "-c", str(a.clients), "-q", "--csv"]
                if pipeline > 1:
                    args += ["-P", str(pipeline)]
                log(f"throughput P={pipeline} round {rnd + 1}/{a.rounds}: {name}")
                for test, row in parse_csv(run_benchmark(srv, *args)).items():
                    results.setdefault((pipeline, test, name), []).append(row)
    names = list(servers)
    lines = [f"### Throughput (redis-benchmark -t {tests} -n {a.n} -c {a.clients}; "
             f"median of {a.rounds} alternating rounds)", "",
             "| test | pipeline | keyward req/s | redis req/s | keyward/redis | keyward p50 ms | redis p50 ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    tests_seen = []
    for (pipeline, test, _name) in results:
        if (pipeline, test) not in tests_seen:
            tests_seen.append((pipeline, test))
    for pipeline, test in tests_seen:
        med = {}
        p50 = {}
        for name in names:
            rows = results.get((pipeline, test, name), [])
            med[name] = statistics.median(r["rps"] for r in rows) if rows else None
            p50[name] = statistics.median(r.get("p50_latency_ms", 0) for r in rows) if rows else None
        lines.append(f"| {test} | {pipeline} | {med['keyward'] or 0:,.0f} | {med['redis'] or 0:,.0f} | "
                     f"{ratio(med['keyward'], med['redis'])} | {p50['keyward'] or 0:.3f} | {p50['redis'] or 0:.3f} |")
    return "\n".join(lines)


# Commands redis-benchmark has no -t test for: (label, setup commands, benchmarked argv,
# subscribers). Subscribers are `redis-cli SUBSCRIBE` processes (C, not Python threads, so the
# readers don't bound the publisher on two cores); the PUBLISH rate then includes the fan-out.
INCR_SCRIPT = "return redis.call('incr', KEYS[1])"
LOCK_SCRIPT = ("if (redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1) "
               "then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); "
               "return nil; end; return redis.call('pttl', KEYS[1]);")
COMMAND_TESTS = [
    ("publish, 0 subscribers", [], ["PUBLISH", "bench:ch", "hello"], 0),
    ("publish, 8 subscribers", [], ["PUBLISH", "bench:ch", "hello"], 8),
    ("evalsha incr", [["SCRIPT", "LOAD", INCR_SCRIPT]], ["EVALSHA", "{sha0}", "1", "bench:lua"], 0),
    ("eval incr", [], ["EVAL", INCR_SCRIPT, "1", "bench:lua"], 0),
    ("evalsha redisson lock", [["SCRIPT", "LOAD", LOCK_SCRIPT]],
     ["EVALSHA", "{sha0}", "1", "bench:lock", "30000", "client:1"], 0),
]


def commands(servers: dict[str, Server], a) -> str:
    results: dict[tuple[int, str, str], list[float]] = {}
    for pipeline in (1, a.pipeline):
        for rnd in range(a.rounds):
            for label, setup, argv, subs in COMMAND_TESTS:
                for name, srv in servers.items():
                    shas = []
                    with srv.connect(timeout=60) as c:
                        for cmd in setup:
                            r = c.execute(*cmd)
                            shas.append(r.decode() if isinstance(r, bytes) else str(r))
                    args = [x.format(**{f"sha{i}": v for i, v in enumerate(shas)}) for x in argv]
                    readers = [subprocess.Popen(["redis-cli", "-h", srv.host, "-p", str(srv.port),
                                                 "SUBSCRIBE", "bench:ch"],
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                               for _ in range(subs)]
                    try:
                        deadline = time.monotonic() + 30
                        while subs and time.monotonic() < deadline:
                            with srv.connect(timeout=60) as c:
                                n = c.execute("PUBSUB", "NUMSUB", "bench:ch")[1]
                            if n >= subs:
                                break
                            time.sleep(0.05)
                        log(f"commands P={pipeline} round {rnd + 1}/{a.rounds}: {label} on {name}")
                        out = run_benchmark(srv, "-n", str(a.n), "-c", str(a.clients), "-q", "--csv",
                                            "-P", str(pipeline), *args)
                    finally:
                        for r in readers:
                            r.terminate()
                        for r in readers:
                            r.wait(timeout=30)
                    for _test, row in parse_csv(out).items():
                        results.setdefault((pipeline, label, name), []).append(row["rps"])
    lines = [f"### Commands without a -t test (redis-benchmark -n {a.n} -c {a.clients} <command>; "
             f"median of {a.rounds} alternating rounds)", "",
             "| test | pipeline | keyward req/s | redis req/s | keyward/redis |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for pipeline in (1, a.pipeline):
        for label, *_ in COMMAND_TESTS:
            med = {n: statistics.median(results.get((pipeline, label, n), [0])) for n in servers}
            lines.append(f"| {label} | {pipeline} | {med['keyward']:,.0f} | {med['redis']:,.0f} | "
                         f"{ratio(med['keyward'], med['redis'])} |")
    lines += ["", "Scripts: `" + INCR_SCRIPT + "`; the lock script is Redisson's RLock acquire "
              "(reentrant: every call after the first increments the hash field)."]
    return "\n".join(lines)


def memory(binaries: dict[str, str], workdir: Path, a) -> str:
    rows = {}
    for name, binary in binaries.items():
        srv = Server(binary, f"{name}-mem", workdir=workdir / f"{name}-mem").start()
        try:
            base = vm_rss_bytes(srv.pid)
            log(f"memory: loading {name} (-n {a.load_n} -r {a.load_r} -d 3 -P 16)")
            t0 = time.monotonic()
            run_benchmark(srv, "-t", "set", "-r", str(a.load_r), "-n", str(a.load_n), "-d", "3",
                          "-P", "16", "-q")
            secs = time.monotonic() - t0
            time.sleep(1)   # let lazy work settle before measuring
            keys = dbsize(srv)
            info = info_fields(srv, "memory")
            rss = vm_rss_bytes(srv.pid)
            rows[name] = dict(keys=keys, used=info.get("used_memory"), info_rss=info.get("used_memory_rss"),
                              rss=rss, base=base, secs=secs)
        finally:
            srv.stop()
    lines = [f"### Memory after loading (redis-benchmark -t set -r {a.load_r} -n {a.load_n} -d 3 -P 16)", "",
             "| server | DBSIZE | used_memory | used_memory_rss | VmRSS | VmRSS - start | bytes/key | load s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in rows.items():
        per_key = (r["rss"] - r["base"]) / r["keys"] if r["keys"] else None
        lines.append(f"| {name} | {r['keys']:,} | {fmt_bytes(r['used'])} | {fmt_bytes(r['info_rss'])} | "
                     f"{fmt_bytes(r['rss'])} | {fmt_bytes(r['rss'] - r['base'])} | "
                     f"{per_key:.1f} | {r['secs']:.1f} |" if per_key is not None else
                     f"| {name} | {r['keys']} | n/a | n/a | {fmt_bytes(r['rss'])} | n/a | n/a | {r['secs']:.1f} |")
    if "keyward" in rows and "redis" in rows:
        k, r = rows["keyward"], rows["redis"]
        lines.append("")
        lines.append(f"VmRSS ratio keyward/redis: **{ratio(k['rss'], r['rss'])}** "
                     f"(growth only: {ratio(k['rss'] - k['base'], r['rss'] - r['base'])}). "
                     f"redis-benchmark draws its random keys with its own seed per run, so the "
                     f"DBSIZEs differ slightly; compare bytes/key.")
    return "\n".join(lines)


def members(binaries: dict[str, str], workdir: Path, a) -> str:
    """Memory of one big set, hash and sorted set (~load-r members each): VmRSS growth per member."""
    cases = [("sadd", "myset", "SCARD", "set"), ("hset", "myhash", "HLEN", "hash"),
             ("zadd", "myzset", "ZCARD", "sorted set")]
    lines = [f"### Memory of one big value (redis-benchmark -t <cmd> -r {a.load_r} -n {a.load_n} -P 16; VmRSS growth)", "",
             "| type | server | members | encoding | VmRSS growth | bytes/member | load s | keyward/redis |",
             "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    for test, key, count_cmd, label in cases:
        rows = {}
        for name, binary in binaries.items():
            srv = Server(binary, f"{name}-{test}", workdir=workdir / f"{name}-{test}").start()
            try:
                base = vm_rss_bytes(srv.pid)
                log(f"members: {test} into {name}")
                t0 = time.monotonic()
                run_benchmark(srv, "-t", test, "-r", str(a.load_r), "-n", str(a.load_n), "-P", "16", "-q")
                secs = time.monotonic() - t0
                with srv.connect(timeout=60) as c:
                    n = int(c.execute(count_cmd, key))
                    enc = c.execute("OBJECT", "ENCODING", key)
                grown = vm_rss_bytes(srv.pid) - base
                rows[name] = (n, enc.decode() if isinstance(enc, bytes) else str(enc), grown, secs)
            finally:
                srv.stop()
        per = {k: v[2] / max(v[0], 1) for k, v in rows.items()}
        for name, (n, enc, grown, secs) in rows.items():
            rel = f"**{ratio(per['keyward'], per['redis'])}**" if name == "keyward" and "redis" in per else ""
            lines.append(f"| {label} | {name} | {n:,} | {enc} | {fmt_bytes(grown)} | {per[name]:.1f} | {secs:.1f} | {rel} |")
    return "\n".join(lines)


class Probe(threading.Thread):
    """PING in a loop on one connection; remember every round trip."""

    def __init__(self, srv: Server, interval: float):
        super().__init__(daemon=True)
        self.srv, self.interval = srv, interval
        self.samples: list[float] = []
        self.worst = (0.0, 0.0)   # (latency s, seconds since start)
        self.stop_flag = threading.Event()
        self.error = None

    def run(self):
        try:
            with self.srv.connect(timeout=120) as c:
                t_start = time.perf_counter()
                while not self.stop_flag.is_set():
                    t0 = time.perf_counter()
                    c.call("PING")
                    dt_ = time.perf_counter() - t0
                    self.samples.append(dt_)
                    if dt_ > self.worst[0]:
                        self.worst = (dt_, t0 - t_start)
                    if self.interval:
                        time.sleep(self.interval)
        except Exception as e:  # reported in the table
            self.error = e


def growth(binaries: dict[str, str], workdir: Path, a) -> str:
    rows = {}
    for name, binary in binaries.items():
        srv = Server(binary, f"{name}-growth", workdir=workdir / f"{name}-growth").start()
        try:
            probe = Probe(srv, a.probe_interval)
            probe.start()
            log(f"growth: filling {name} (-r {a.growth_r} -n {a.growth_n} -P 16) with a PING probe")
            t0 = time.monotonic()
            out = run_benchmark(srv, "-t", "set", "-r", str(a.growth_r), "-n", str(a.growth_n),
                                "-P", "16", "-q", "--csv")
            secs = time.monotonic() - t0
            probe.stop_flag.set()
            probe.join(30)
            bench_row = next(iter(parse_csv(out).values()), {})
            s = sorted(probe.samples)
            p999 = s[min(len(s) - 1, int(len(s) * 0.999))] if s else None
            rows[name] = dict(keys=dbsize(srv), secs=secs, rps=bench_row.get("rps"),
                              bench_max=bench_row.get("max_latency_ms"), probes=len(s),
                              worst=probe.worst, p999=p999, error=probe.error,
                              rss=vm_rss_bytes(srv.pid))
        finally:
            srv.stop()
    lines = [f"### Latency while growing (redis-benchmark -t set -r {a.growth_r} -n {a.growth_n} -P 16; "
             f"PING probe every {a.probe_interval * 1000:g} ms)", "",
             "| server | DBSIZE at end | fill req/s | max PING ms (at s) | p99.9 PING ms | PINGs | "
             "benchmark max ms | VmRSS |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in rows.items():
        err = f" (probe error: {r['error']})" if r["error"] else ""
        lines.append(f"| {name} | {r['keys']:,} | {r['rps'] or 0:,.0f} | {r['worst'][0] * 1000:.2f} "
                     f"({r['worst'][1]:.1f}) | {(r['p999'] or 0) * 1000:.2f} | {r['probes']:,} | "
                     f"{r['bench_max'] or 0:.2f} | {fmt_bytes(r['rss'])} |{err}")
    return "\n".join(lines)


def pct(samples: list[float], q: float):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * q))] * 1000 if s else None


def children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def save_done(c) -> dict[str, str]:
    """Waits (polling every 50 ms) until the server says no BGSAVE runs; its INFO persistence."""
    while (info := info_of(c, "persistence"))["rdb_bgsave_in_progress"] != "0":
        time.sleep(0.05)
    return info


def reset_peak_rss(pid: int):
    """VmHWM restarts from the current RSS (Linux 4.0+): the peak of a save without polling."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


class RenameWatch:
    """inotify on a directory: wait() blocks until NAME is renamed into it (a save's temp file
    becoming the dump) and returns the monotonic time it saw that, or None on timeout."""

    IN_MOVED_TO = 0x80

    def __init__(self, directory: Path, name: str):
        import ctypes
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_CLOEXEC)
        if self.fd < 0 or self.libc.inotify_add_watch(self.fd, str(directory).encode(), self.IN_MOVED_TO) < 0:
            raise OSError(ctypes.get_errno(), "inotify")
        self.name = name.encode()

    def wait(self, timeout: float):
        import select
        import struct
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self.fd], [], [], left)[0]:
                break
            at = time.monotonic()
            buf = os.read(self.fd, 65536)
            i = 0
            while i + 16 <= len(buf):
                _, _, _, n = struct.unpack_from("iIII", buf, i)
                if buf[i + 16:i + 16 + n].rstrip(b"\0") == self.name:
                    return at
                i += 16 + n
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


class ProcessProbe:
    """bench/set_probe.py in its own process: (start, latency) pairs on the monotonic clock."""

    def __init__(self, srv: Server, path: Path):
        self.path = path
        self.proc = subprocess.Popen([sys.executable, str(REPO / "bench" / "set_probe.py"),
                                      srv.host, str(srv.port), str(path)])

    def stop(self) -> list[tuple[float, float]]:
        import array
        self.proc.terminate()
        self.proc.wait(60)
        a = array.array("d")
        with open(self.path, "rb") as f:
            a.frombytes(f.read())
        return list(zip(a[0::2], a[1::2]))


def window(samples, t0: float, t1: float) -> list[float]:
    return [lat for (t, lat) in samples if t0 <= t < t1]


def save_under_load(srv: Server, wd: Path, name: str, a, meta: dict):
    """A save while redis-benchmark (SET/GET over the dataset's keys, 50 clients, -P 16) keeps
    the server busy: how long the save takes, and commands/s in the 2 s before it vs during."""
    load = subprocess.Popen([BENCH, "-h", srv.host, "-p", str(srv.port), "-t", "set,get", "-r",
                             str(a.bgsave_keys), "-c", "50", "-P", "16", "-n", "100000000", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with RenameWatch(wd, "dump.rdb") as watch, srv.connect(timeout=60) as c:
            commands = lambda: int(info_of(c, "stats")["total_commands_processed"])
            time.sleep(2.0)
            n0, c0 = time.monotonic(), commands()
            time.sleep(2.0)
            rss_before = vm_rss_bytes(srv.pid)
            reset_peak_rss(srv.pid)
            n1, c1 = time.monotonic(), commands()
            c.execute("BGSAVE")
            t1 = watch.wait(timeout=600)
            n2, c2 = t1 or time.monotonic(), commands()
            info = save_done(c)
            peak = vm_rss_bytes(srv.pid, "VmHWM")
    finally:
        load.terminate()
        load.wait(60)
    cow = int(info.get("rdb_last_cow_size", 0))
    meta[name].update(loaded_secs=(n2 - n1) if t1 else None, rate_before=(c1 - c0) / (n1 - n0),
                      rate_during=(c2 - c1) / (n2 - n1), loaded_extra=peak - rss_before, loaded_cow=cow)
    log(f"bgsave under load {name}: {n2 - n1:.2f} s")


def bgsave(binaries: dict[str, str], workdir: Path, a) -> str:
    """Rounds alternate the servers (keyward, redis, keyward, ...) on one dataset each. In a
    round one probe process writes throughout; its samples in the `idle_secs` before BGSAVE
    are "idle", those between BGSAVE and the rename of the file "during"."""
    servers, rounds, meta = {}, {name: [] for name in binaries}, {}
    try:
        for name, binary in binaries.items():
            wd = workdir / f"{name}-bgsave"
            args = ["--dir", str(wd), "--dbfilename", "dump.rdb", "--enable-debug-command", "yes"]
            srv = Server(binary, f"{name}-bgsave", args, workdir=wd).start()
            servers[name] = (srv, args, wd)
            log(f"bgsave: DEBUG POPULATE {a.bgsave_keys} into {name}")
            with srv.connect(timeout=600) as c:
                c.execute("DEBUG", "POPULATE", str(a.bgsave_keys), "key", str(a.bgsave_value))
            meta[name] = dict(keys=dbsize(srv), before=vm_rss_bytes(srv.pid))
        for r in range(a.bgsave_rounds):
            for name in binaries:
                srv, _, wd = servers[name]
                probe = ProcessProbe(srv, workdir / f"{name}-probe-{r}.bin")
                # Nothing of this process runs in either window: a poll is a burst of its CPU
                # (0.35-0.5 ms after a sleep, perf sched and process_time) that delays whichever
                # of the probe and the server shares its core. Polling INFO every 20 ms during
                # the save only, those bursts *were* the save's p99.9 (perf sched, 11-30).
                time.sleep(0.3 + a.idle_secs)
                rss_before = vm_rss_bytes(srv.pid)
                reset_peak_rss(srv.pid)
                with RenameWatch(wd, "dump.rdb") as watch, srv.connect(timeout=60) as c:
                    t0 = time.monotonic()
                    c.execute("BGSAVE")
                    t1 = watch.wait(timeout=600)
                    # After the window: the server's own account of the save.
                    info = save_done(c)
                    t1 = t1 or time.monotonic()
                samples = probe.stop()
                idle = window(samples, t0 - a.idle_secs, t0)
                during = window(samples, t0, t1)
                size = (wd / "dump.rdb").stat().st_size if (wd / "dump.rdb").exists() else 0
                rounds[name].append(dict(secs=t1 - t0, ok=info["rdb_last_bgsave_status"] == "ok", size=size,
                                         idle=idle, during=during, before=rss_before,
                                         parent=vm_rss_bytes(srv.pid, "VmHWM")))
                log(f"bgsave round {r + 1} {name}: {t1 - t0:.2f} s, p99.9 idle {pct(idle, 0.999):.2f} "
                    f"during {pct(during, 0.999):.2f} ms")
        # One more save per server, polled every 20 ms for the peak VmRSS of parent + child
        # (a forked child's peak can't be read after it exits); no latency taken from it.
        for name in binaries:
            srv, _, wd = servers[name]
            before = vm_rss_bytes(srv.pid)
            peak_sum = before
            with srv.connect(timeout=60) as c:
                c.execute("BGSAVE")
                while True:
                    peak_sum = max(peak_sum, vm_rss_bytes(srv.pid) + sum(vm_rss_bytes(k) for k in children_of(srv.pid)))
                    info = info_of(c, "persistence")
                    if info["rdb_bgsave_in_progress"] == "0":
                        break
                    time.sleep(0.02)
            cow = int(info["rdb_last_cow_size"]) if "rdb_last_cow_size" in info else None
            meta[name].update(mem_before=before, mem_sum=peak_sum, cow=cow)
    finally:
        for srv, _, _ in servers.values():
            srv.stop()
    for name, binary in binaries.items():
        _, args, wd = servers[name]
        # Startup: a fresh process loading the file, until it answers PING.
        t1 = time.monotonic()
        srv2 = Server(binary, f"{name}-bgsave-load", args, workdir=wd).start()
        try:
            meta[name]["load"] = time.monotonic() - t1
            meta[name]["loaded"] = dbsize(srv2)
            save_under_load(srv2, wd, name, a, meta)
        finally:
            srv2.stop()
    lines = [f"### BGSAVE (DEBUG POPULATE {a.bgsave_keys:,} key {a.bgsave_value}; {a.bgsave_rounds} alternating "
             f"rounds; a SET probe in its own process, one connection, {a.idle_secs:g} s idle then the save, nothing else running)", "",
             "| server | round | BGSAVE s | file | SET p99 / p99.9 / max ms idle | SET p99 / p99.9 / max ms during | "
             "p99.9 during/idle | SET rate during/idle | VmRSS before | peak VmRSS (VmHWM) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    f3 = lambda xs: " / ".join(f"{v:.2f}" if v is not None else "n/a"
                               for v in (pct(xs, 0.99), pct(xs, 0.999), max(xs) * 1000 if xs else None))
    summary = {}
    for name in binaries:
        tail_ratios, rate_ratios = [], []
        for i, r in enumerate(rounds[name]):
            st = "" if r["ok"] else " (failed)"
            tail = pct(r["during"], 0.999) / pct(r["idle"], 0.999) if r["idle"] and r["during"] else float("nan")
            rate = (len(r["during"]) / r["secs"]) / (len(r["idle"]) / a.idle_secs) if r["idle"] else float("nan")
            tail_ratios.append(tail)
            rate_ratios.append(rate)
            lines.append(f"| {name} | {i + 1} | {r['secs']:.2f}{st} | {fmt_bytes(r['size'])} | {f3(r['idle'])} | "
                         f"{f3(r['during'])} | {tail:.2f} | {rate:.2f} | {fmt_bytes(r['before'])} | "
                         f"{fmt_bytes(r['parent'])} |")
        # All rounds' samples pooled: p99.9 over every idle request vs every request during a
        # save (one round's p99.9 rests on a handful of samples and this machine's idle tail is
        # bimodal, 0.05 or 0.2 ms, from round to round).
        idle_all = [x for r in rounds[name] for x in r["idle"]]
        during_all = [x for r in rounds[name] for x in r["during"]]
        summary[name] = (statistics.median(tail_ratios), statistics.median(rate_ratios),
                         statistics.median(r["secs"] for r in rounds[name]),
                         meta[name]["mem_sum"] - meta[name]["mem_before"],
                         pct(idle_all, 0.999), pct(during_all, 0.999), pct(idle_all, 0.99), pct(during_all, 0.99))
    lines += ["", "| server | keys | VmRSS before | median BGSAVE s | pooled SET p99 idle / during ms | "
              "pooled SET p99.9 idle / during ms | pooled p99.9 during/idle | median of rounds' p99.9 during/idle | "
              "median SET rate during/idle | peak extra VmHWM - before (parent, max of rounds) | "
              "peak extra parent+child - before (polled save) | rdb_last_cow_size | startup load s |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, (tail, rate, secs, extra, i999, d999, i99, d99) in summary.items():
        m = meta[name]
        lines.append(f"| {name} | {m['keys']:,} | {fmt_bytes(m['before'])} | {secs:.2f} | {i99:.3f} / {d99:.3f} | "
                     f"{i999:.3f} / {d999:.3f} | {d999 / i999:.2f} | {tail:.2f} | {rate:.2f} | "
                     f"{fmt_bytes(max(r['parent'] - r['before'] for r in rounds[name]))} | "
                     f"{fmt_bytes(extra)} | {fmt_bytes(m['cow']) if m['cow'] is not None else 'n/a'} | "
                     f"{m['load']:.2f} ({m['loaded']:,} keys) |")
    lines += ["", "A save under a saturating load (redis-benchmark -t set,get -r KEYS -c 50 -P 16 from 4 s "
              "before the BGSAVE, on the server that just loaded the file; the save's end is the rename):", "",
              "| server | BGSAVE s under load | commands/s before | commands/s during the save | during/before | "
              "extra memory: parent VmHWM - before | + rdb_last_cow_size (forked child's copied pages) |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name in binaries:
        m = meta[name]
        secs = f"{m['loaded_secs']:.2f}" if m.get("loaded_secs") is not None else "timeout"
        lines.append(f"| {name} | {secs} | {m['rate_before']:,.0f} | {m['rate_during']:,.0f} | "
                     f"{m['rate_during'] / m['rate_before']:.2f} | {fmt_bytes(m['loaded_extra'])} | "
                     f"{fmt_bytes(m['loaded_extra'] + m['loaded_cow'])} |")
    lines += ["", "Latency windows: the bench runs nothing in them (the save's end is the rename of "
              "dump.rdb, seen with inotify). Memory comes from one extra polled save per server: "
              "Redis forks, and its child's VmRSS counts pages shared with the parent, so parent+child "
              "overstates the real peak; rdb_last_cow_size is Redis's own count of the pages copied on "
              "write (with this probe's light writes it is small). Keyward does not fork: the "
              "engine thread walks the snapshot in paced slices handing each key to a writer thread "
              "(nice 10) by reference (strings) or as a copy-on-write copy (aggregates); that thread "
              "encodes and writes the file (docs/persistence.md)."]
    return "\n".join(lines)


def info_int(srv: Server, section: str, field: str) -> int:
    try:
        return int(info_fields(srv, section).get(field, "0"))
    except ValueError:
        return 0


def replication(binaries: dict[str, str], workdir: Path, a) -> str:
    """Full-sync time of a populated master into a fresh replica, then replication lag while
    redis-benchmark writes to the master: bytes (master offset - replica offset, sampled) and
    milliseconds (a probe key written to the master, polled on the replica)."""
    rows = {}
    for name, binary in binaries.items():
        # No diskless-sync delay: Redis 7.0 waits 5 s by default for more replicas to join.
        args = ["--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"]
        m = Server(binary, f"{name}-master", args, workdir=workdir / f"{name}-master").start()
        r = Server(binary, f"{name}-replica", [], workdir=workdir / f"{name}-replica").start()
        try:
            log(f"replication: DEBUG POPULATE {a.repl_keys} into the {name} master")
            with m.connect(timeout=600) as c:
                c.execute("DEBUG", "POPULATE", str(a.repl_keys), "key", "16")
            # A SET probe on the master: its latency idle vs while the full sync runs.
            probe = ProcessProbe(m, workdir / f"{name}-repl-probe.bin")
            time.sleep(a.idle_secs + 0.3)
            t0 = time.monotonic()
            with r.connect(timeout=60) as c:
                c.execute("REPLICAOF", m.host, str(m.port))
            while True:
                info = info_fields(r, "replication")
                if info.get("master_link_status") == "up" and info.get("master_sync_in_progress") == "0":
                    break
                if time.monotonic() - t0 > 600:
                    raise RuntimeError("full sync did not finish")
                time.sleep(0.02)
            sync_secs = time.monotonic() - t0
            samples = probe.stop()
            probe_idle = window(samples, t0 - a.idle_secs, t0)
            probe_during = window(samples, t0, t0 + sync_secs)
            # Lag under load.
            bench = subprocess.Popen([BENCH, "-h", m.host, "-p", str(m.port), "-t", "set", "-r", "1000000",
                                      "-n", str(a.repl_load_n), "-c", "50", "-P", "16", "-q"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            lag_bytes, lag_ms = [], []
            n = 0
            with m.connect(timeout=60) as mc, r.connect(timeout=60) as rc:
                while bench.poll() is None:
                    mo = int(info_fields(m, "replication").get("master_repl_offset", "0"))
                    ro = int(info_fields(r, "replication").get("slave_repl_offset", "0"))
                    lag_bytes.append(max(0, mo - ro))
                    n += 1
                    mc.execute("SET", "bench:probe", str(n))
                    t1 = time.monotonic()
                    while time.monotonic() - t1 < 10:
                        v = rc.execute("GET", "bench:probe")
                        if v is not None and (v.decode() if isinstance(v, bytes) else str(v)) == str(n):
                            break
                    lag_ms.append((time.monotonic() - t1) * 1000)
                    time.sleep(0.02)
            rows[name] = dict(sync=sync_secs, bytes=lag_bytes, ms=lag_ms, idle=probe_idle, during=probe_during)
        finally:
            r.stop()
            m.stop()
    lines = [f"### Replication (full sync of {a.repl_keys:,} keys; lag while redis-benchmark -t set -P 16 "
             f"-n {a.repl_load_n:,} writes to the master)", "",
             "| master → replica | full sync s | master SET p99 / p99.9 ms idle | master SET p99 / p99.9 ms during the sync | "
             "lag bytes p50 / p99 / max | lag ms p50 / p99 / max | samples |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in rows.items():
        b, ms = sorted(row["bytes"]), sorted(row["ms"])
        q = lambda xs, p: xs[min(len(xs) - 1, int(p * len(xs)))] if xs else 0
        lines.append(f"| {name} → {name} | {row['sync']:.2f} | {pct(row['idle'], .99):.3f} / {pct(row['idle'], .999):.3f} | "
                     f"{pct(row['during'], .99):.3f} / {pct(row['during'], .999):.3f} | "
                     f"{q(b, .5):,} / {q(b, .99):,} / {max(b) if b else 0:,} | "
                     f"{q(ms, .5):.2f} / {q(ms, .99):.2f} / {max(ms) if ms else 0:.2f} | {len(ms)} |")
    if "keyward" in rows and "redis" in rows:
        lines += ["", f"Full sync keyward/redis: **{ratio(rows['keyward']['sync'], rows['redis']['sync'])}** "
                  "(lower is better). Lag ms is the time until a SET on the master is visible on the replica, "
                  "measured from the benchmark client's side (includes a round trip to each server)."]
    return "\n".join(lines)


def cpu_ticks() -> tuple[int, int]:
    """(steal, total) jiffies over all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[7], sum(v[:8])


def with_steal(make) -> str:
    """Runs one part and notes how much CPU time the hypervisor took meanwhile: on a shared
    VM a run with a few % steal has idle tails of several ms and says little (runs of 11-30
    with 22% steal had idle p99.9 of 1-7 ms against 0.1-0.3 ms in quiet ones)."""
    s0, t0 = cpu_ticks()
    text = make()
    s1, t1 = cpu_ticks()
    share = (s1 - s0) / max(1, t1 - t0)
    return text + f"\n\nCPU steal (time the hypervisor gave to other guests) during this part: {share:.1%}."


def machine_notes(binaries: dict[str, str]) -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip() or "?"
    rv = subprocess.run([binaries["redis"], "--version"], capture_output=True, text=True).stdout.strip()
    return (f"Run {dt.datetime.now().isoformat(timespec='seconds')} on {os.cpu_count()} CPU(s) ({cpu}); "
            f"keyward {rev} (`{binaries['keyward']}`); {rv.split(' sha=')[0]}; "
            f"servers without persistence, each on its own loopback port.")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keyward", required=True, help="keyward-server binary")
    ap.add_argument("--redis", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per server (>= 3 advised)")
    ap.add_argument("-n", type=int, default=200_000, help="requests per throughput run")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("--tests", default="set,get,incr,mset,lpush,rpush,lpop,rpop,lrange_100,lrange_600")
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--load-n", type=int, default=3_000_000)
    ap.add_argument("--load-r", type=int, default=1_000_000)
    ap.add_argument("--growth-n", type=int, default=8_000_000)
    ap.add_argument("--growth-r", type=int, default=5_000_000)
    ap.add_argument("--probe-interval", type=float, default=0.001, help="seconds between PINGs")
    ap.add_argument("--growth-keyward-only", action="store_true", help="skip redis in the growth part")
    ap.add_argument("--bgsave-keys", type=int, default=1_000_000, help="keys for the bgsave part")
    ap.add_argument("--bgsave-value", type=int, default=32, help="value size for the bgsave part")
    ap.add_argument("--idle-secs", type=float, default=2.0, help="seconds of idle SET probing (bgsave part)")
    ap.add_argument("--bgsave-rounds", type=int, default=3, help="alternating BGSAVE rounds per server")
    ap.add_argument("--bgsave-also", action="append", default=[], metavar="NAME=BINARY",
                    help="another keyward build in the bgsave part's rounds (A/B of two commits)")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: throughput,commands,memory,members,growth,bgsave,replication")
    ap.add_argument("--repl-keys", type=int, default=1_000_000, help="keys in the replication part's full sync")
    ap.add_argument("--repl-load-n", type=int, default=2_000_000, help="SETs while measuring replication lag")
    ap.add_argument("--out", help="also write the Markdown here (default bench/out/bench-<time>.md)")
    a = ap.parse_args(argv)
    skip = set(filter(None, a.skip.split(",")))
    # abspath, not resolve(): redis-server is a symlink whose name selects its mode.
    binaries = {"keyward": os.path.abspath(a.keyward), "redis": a.redis}
    workdir = REPO / "bench" / "out" / f"run-{time.strftime('%Y%m%d-%H%M%S')}"
    workdir.mkdir(parents=True, exist_ok=True)

    parts = ["## Keyward vs Redis", "", machine_notes(binaries)]
    for part, fn in (("throughput", throughput), ("commands", commands)):
        if part in skip:
            continue
        servers = {name: Server(b, f"{name}-{part}", workdir=workdir / f"{name}-{part}")
                   for name, b in binaries.items()}
        try:
            for s in servers.values():
                s.start()
            parts += ["", with_steal(lambda: fn(servers, a))]
        finally:
            for s in servers.values():
                s.stop()
    if "memory" not in skip:
        parts += ["", with_steal(lambda: memory(binaries, workdir, a))]
    if "members" not in skip:
        parts += ["", with_steal(lambda: members(binaries, workdir, a))]
    if "growth" not in skip:
        g = {"keyward": binaries["keyward"]} if a.growth_keyward_only else binaries
        parts += ["", with_steal(lambda: growth(g, workdir, a))]
    if "bgsave" not in skip:
        extra = dict(x.split("=", 1) for x in a.bgsave_also)
        parts += ["", with_steal(lambda: bgsave({**binaries, **extra}, workdir, a))]
    if "replication" not in skip:
        parts += ["", with_steal(lambda: replication(binaries, workdir, a))]
    text = "\n".join(parts) + "\n"
    out = Path(a.out) if a.out else workdir.parent / f"bench-{workdir.name[4:]}.md"
    out.write_text(text)
    print(text)
    log(f"written to {out}; server logs in {workdir}")


if __name__ == "__main__":
    main()
