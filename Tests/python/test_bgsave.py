"""BGSAVE without fork against a real process: 200k+ keys saved while a writer
hammers writes (INCRs, overwrites, deletes, list pushes); the file holds the
keyspace at the instant of the BGSAVE (checked against the writer's own log of
what it did before and after), passes redis-check-rdb and loads in redis-server
7.0. Save points start background saves; SHUTDOWN during a BGSAVE still saves."""
from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis as redispy

from conftest import keyward_binary, redis_binary
from harness.server import Server

CHECK_RDB = shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb"
KEYS = 200_000
DELS = 20_000
OWS = 20_000


def client(srv: Server) -> redispy.Redis:
    return redispy.Redis(host=srv.host, port=srv.port, socket_timeout=60, protocol=2)


def start(binary: str, name: str, workdir: Path, *extra) -> Server:
    srv = Server(binary, name, ["--dir", str(workdir), "--dbfilename", "dump.rdb", *extra], workdir=workdir)
    srv.start()
    return srv


def persistence(r: redispy.Redis) -> dict:
    return r.info("persistence")


def wait_saved(r: redispy.Redis, saves_before: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = persistence(r)
        if info["rdb_bgsave_in_progress"] == 0 and info.get("rdb_saves", 0) > saves_before:
            return info
        time.sleep(0.05)
    raise AssertionError(f"BGSAVE did not finish: {persistence(r)}")


class Writer(threading.Thread):
    """Writes on its own connection, logging (send time, reply time, what) per op."""

    def __init__(self, srv: Server):
        super().__init__(daemon=True)
        self.r = client(srv)
        self.stop = threading.Event()
        self.log: list[tuple[float, float, str, int, object]] = []

    def op(self, kind: str, i: int, fn):
        t0 = time.monotonic()
        v = fn()
        self.log.append((t0, time.monotonic(), kind, i, v))

    def run(self):
        i = 0
        while not self.stop.is_set():
            self.op("incr", i, lambda: self.r.incr("counter"))
            if i < DELS:
                self.op("del", i, lambda i=i: self.r.delete(f"del:{i}"))
            if i < OWS:
                self.op("ow", i, lambda i=i: self.r.set(f"ow:{i}", "new"))
            self.op("push", i, lambda i=i: self.r.rpush("list", i))
            i += 1


def test_bgsave_is_the_instant_while_writes_continue(tmp_path, servers):
    kw = start(keyward_binary(), "keyward", tmp_path / "kw", "--enable-debug-command", "yes")
    servers.append(kw)
    k = client(kw)
    k.execute_command("DEBUG", "POPULATE", KEYS, "key", 20)
    p = k.pipeline(transaction=False)
    for i in range(DELS):
        p.set(f"del:{i}", "here")
    for i in range(OWS):
        p.set(f"ow:{i}", "old")
    p.hset("hash", mapping={f"f{i}": i for i in range(1000)})
    p.execute()
    saves_before = persistence(k).get("rdb_saves", 0)

    w = Writer(kw)
    w.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    assert k.bgsave() in (True, b"Background saving started", "Background saving started")
    t1 = time.monotonic()
    in_progress = persistence(k)["rdb_bgsave_in_progress"]
    with pytest.raises(redispy.ResponseError, match="Background save already in progress"):
        k.bgsave()
    info = wait_saved(k, saves_before)
    w.stop.set()
    w.join()
    assert info["rdb_last_bgsave_status"] == "ok"
    # The walk ran while the writer kept being served (not one blocking pass).
    after_reply = [e for e in w.log if e[0] > t1]
    assert len(after_reply) > 0

    before = [e for e in w.log if e[1] < t0]
    later = [e for e in w.log if e[0] > t1]

    rdb = tmp_path / "kw" / "dump.rdb"
    check = subprocess.run([CHECK_RDB, str(rdb)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "RDB looks OK" in check.stdout

    rd = start(redis_binary(), "redis", tmp_path / "kw", "--dbfilename", "dump.rdb")
    servers.append(rd)
    r = client(rd)
    saved = int(r.get("counter"))
    lo = max((e[4] for e in before if e[2] == "incr"), default=0)
    hi = min((e[4] for e in later if e[2] == "incr"), default=10**12) - 1
    assert lo <= saved <= hi, (lo, saved, hi, in_progress)
    n = r.llen("list")
    lo_n = max((e[4] for e in before if e[2] == "push"), default=0)
    hi_n = min((e[4] for e in later if e[2] == "push"), default=10**12) - 1
    assert lo_n <= n <= hi_n
    assert r.lrange("list", 0, -1) == [str(i).encode() for i in range(n)]
    # Deleted or overwritten after the reply: the file has the old state; before: the new one.
    for e in later:
        if e[2] == "del":
            assert r.get(f"del:{e[3]}") == b"here", e
        elif e[2] == "ow":
            assert r.get(f"ow:{e[3]}") == b"old", e
    for e in before:
        if e[2] == "del":
            assert r.get(f"del:{e[3]}") is None, e
        elif e[2] == "ow":
            assert r.get(f"ow:{e[3]}") == b"new", e
    assert r.hlen("hash") == 1000
    assert r.get("key:12345") == k.get("key:12345")
    assert r.dbsize() >= KEYS
    log = (tmp_path / "kw" / "keyward.log").read_text()
    assert "Background saving started" in log
    assert "Background saving terminated with success" in log


def test_save_points_start_background_saves(tmp_path, servers):
    kw = start(keyward_binary(), "keyward", tmp_path / "kw", "--save", "1", "2")
    servers.append(kw)
    k = client(kw)
    k.set("a", 1)
    k.set("b", 2)
    before = k.lastsave()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and persistence(k).get("rdb_saves", 0) == 0:
        time.sleep(0.1)
    info = persistence(k)
    assert info["rdb_saves"] >= 1 and info["rdb_changes_since_last_save"] == 0
    assert k.lastsave() >= before
    assert (tmp_path / "kw" / "dump.rdb").exists()
    log = (tmp_path / "kw" / "keyward.log").read_text()
    assert "2 changes in 1 seconds. Saving..." in log
    assert "Background saving terminated with success" in log


def test_shutdown_during_bgsave_saves_everything(tmp_path, servers):
    kw = start(keyward_binary(), "keyward", tmp_path / "kw", "--enable-debug-command", "yes")
    servers.append(kw)
    k = client(kw)
    k.execute_command("DEBUG", "POPULATE", 300_000, "key", 10)
    k.bgsave()
    k.set("late", "yes")
    try:
        k.shutdown(save=True)
    except redispy.ConnectionError:
        pass
    kw.proc.wait(timeout=60)
    kw2 = start(keyward_binary(), "keyward", tmp_path / "kw")
    servers.append(kw2)
    k2 = client(kw2)
    assert k2.dbsize() == 300_001
    assert k2.get("late") == b"yes"
    assert not [p.name for p in (tmp_path / "kw").iterdir() if p.name.startswith("temp-")]


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_background_aof_rewrite_keeps_acknowledged_writes(tmp_path, servers, preamble):
    """BGREWRITEAOF of 200k keys while a writer INCRs and pushes: every acknowledged write is
    in base + increments after a kill -9; the manifest is valid for redis-check-aof; BGSAVE and
    BGREWRITEAOF defer to each other as in Redis. Both base forms (RDB preamble or commands)
    are written in the background."""
    kw = start(keyward_binary(), "keyward", tmp_path / "kw", "--enable-debug-command", "yes",
               "--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", preamble)
    servers.append(kw)
    k = client(kw)
    k.execute_command("DEBUG", "POPULATE", KEYS, "key", 20)
    w = Writer(kw)
    w.start()
    time.sleep(0.2)
    assert k.bgrewriteaof()
    info = persistence(k)
    if preamble == "no":
        assert info["aof_rewrite_in_progress"] == 1, "the command-form rewrite runs in the background"
    if info["aof_rewrite_in_progress"]:
        with pytest.raises(redispy.ResponseError, match="Another child process is active"):
            k.execute_command("BGSAVE")   # redis-py's bgsave() sends SCHEDULE
        assert k.execute_command("BGSAVE", "SCHEDULE")   # +Background saving scheduled
        assert persistence(k)["rdb_bgsave_in_progress"] == 0
        with pytest.raises(redispy.ResponseError, match="rewriting already in progress"):
            k.bgrewriteaof()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        info = persistence(k)
        if not info["aof_rewrite_in_progress"] and info["aof_rewrites"] >= 1 and not info["rdb_bgsave_in_progress"]:
            break
        time.sleep(0.05)
    assert info["aof_rewrites"] == 1 and info["aof_last_bgrewrite_status"] == "ok"
    # The scheduled BGSAVE ran after it; a BGREWRITEAOF during a BGSAVE is scheduled in turn.
    k.execute_command("BGSAVE")
    assert k.execute_command("BGREWRITEAOF")   # scheduled behind the BGSAVE (or started)
    time.sleep(0.5)
    w.stop.set()
    w.join()
    last_incr = max(e[4] for e in w.log if e[2] == "incr")
    last_push = max(e[4] for e in w.log if e[2] == "push")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        info = persistence(k)
        if not info["aof_rewrite_in_progress"] and not info["rdb_bgsave_in_progress"] and not info["aof_rewrite_scheduled"]:
            break
        time.sleep(0.05)
    kw.proc.kill()
    kw.proc.wait(10)
    check = subprocess.run(["redis-check-aof", str(tmp_path / "kw" / "appendonlydir" / "appendonly.aof.manifest")],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    kw.start()
    k = client(kw)
    assert int(k.get("counter")) == last_incr
    assert k.llen("list") == last_push
    assert k.dbsize() >= KEYS
    files = sorted(p.name for p in (tmp_path / "kw" / "appendonlydir").iterdir())
    assert not [f for f in files if f.startswith("temp-")], files
    base = [f for f in files if ".base." in f]
    assert len(base) == 1 and base[0].endswith(".base.rdb" if preamble == "yes" else ".base.aof"), files
    head = (tmp_path / "kw" / "appendonlydir" / base[0]).read_bytes()[:5]
    assert (head == b"REDIS") == (preamble == "yes"), head


MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
           "disk. Commands that may modify the data set are disabled, because this instance is configured "
           "to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). "
           "Please check the Redis logs for details about the RDB error.")


@pytest.mark.parametrize("kind", ["keyward", "redis"])
def test_failed_bgsave_stops_writes_with_misconf(tmp_path, servers, kind):
    """stop-writes-on-bgsave-error: once a BGSAVE failed (its directory was removed, which fails
    for root too), writes and PING get Redis's -MISCONF until a save succeeds; reads still work."""
    binary = keyward_binary() if kind == "keyward" else redis_binary()
    gone = tmp_path / "gone"
    gone.mkdir()
    srv = start(binary, kind, tmp_path, "--dir", str(gone), "--save", "3600 1",
                "--enable-protected-configs", "yes")
    servers.append(srv)
    r = client(srv)
    r.set("a", "1")
    shutil.rmtree(gone)
    try:
        r.bgsave()
    except redispy.ResponseError:
        pass   # Keyward fails to open the file at once; Redis's child fails later
    deadline = time.monotonic() + 30
    while persistence(r)["rdb_last_bgsave_status"] != "err" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert persistence(r)["rdb_last_bgsave_status"] == "err"
    for cmd in (("SET", "b", "1"), ("DEL", "a"), ("PING",)):
        with pytest.raises(redispy.ResponseError) as e:
            r.execute_command(*cmd)
        assert str(e.value) == MISCONF
    assert r.get("a") == b"1"
    r.config_set("stop-writes-on-bgsave-error", "no")
    assert r.set("b", "1")
    r.config_set("stop-writes-on-bgsave-error", "yes")
    with pytest.raises(redispy.ResponseError):
        r.set("b", "2")
    # A save that works lifts it.
    back = tmp_path / "back"
    back.mkdir()
    r.config_set("dir", str(back))
    r.bgsave()
    deadline = time.monotonic() + 30
    while persistence(r)["rdb_last_bgsave_status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert r.set("b", "3") and r.ping()
