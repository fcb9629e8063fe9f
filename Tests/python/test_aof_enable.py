"""Turning the AOF on at runtime is a background rewrite (Redis 7.0's AOF_WAIT_REWRITE): CONFIG
SET appendonly yes answers at once while the base is written from a snapshot, other clients are
served meanwhile, and the writes made during the rewrite land in the increment after the new
base (base + increment == the dataset, checked by a restart that loads only the AOF). Also:
appendonly no mid-rewrite cancels cleanly, a BGSAVE running defers it (aof_rewrite_scheduled),
and a replica with appendonly yes rebuilds its AOF the same way after a full sync."""
from __future__ import annotations

import random
import subprocess
import threading
import time
from pathlib import Path

import redis as redispy

from conftest import keyward_binary
from harness.dataset import fill_every_type
from harness.server import Server

KEYS = 300_000
TIMEOUT = 120


def start(tmp_path: Path, name: str, *extra) -> Server:
    d = tmp_path / name
    d.mkdir(exist_ok=True)
    return Server(keyward_binary(), name, ["--enable-debug-command", "yes", *extra], workdir=d).start()


def client(srv: Server, db=0) -> redispy.Redis:
    return redispy.Redis(host=srv.host, port=srv.port, db=db, socket_timeout=60, protocol=2)


def populated(tmp_path: Path, servers, *extra) -> tuple[Server, redispy.Redis]:
    """A server (stopped by the fixture) holding KEYS keys, and a client of it."""
    kw = start(tmp_path, "kw", *extra)
    servers.append(kw)
    r = client(kw)
    r.execute_command("DEBUG", "POPULATE", KEYS, "key", 20)
    return kw, r


def persistence(r: redispy.Redis) -> dict:
    return r.info("persistence")


def wait_until(cond, what: str, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def rewrite_landed(r: redispy.Redis) -> dict | None:
    i = persistence(r)
    done = (i["aof_rewrites"] >= 1 and not i["aof_rewrite_in_progress"]
            and not i["aof_rewrite_scheduled"])
    return i if done else None


def keyspace(r: redispy.Redis) -> dict:
    """key -> (type, value) for every key of the client's db, plus the db's key and TTL counts.
    KEYS + MGET for the 300k populated strings keeps it to seconds; the few others (MGET's nil)
    are read by type."""
    out: dict = {}
    keys = sorted(r.keys("*"))
    for i in range(0, len(keys), 10_000):
        chunk = keys[i:i + 10_000]
        for k, v in zip(chunk, r.mget(chunk)):
            if v is not None:
                out[k] = ("string", v)
                continue
            t = r.type(k).decode()
            v = {"list": lambda: r.lrange(k, 0, -1), "hash": lambda: sorted(r.hgetall(k).items()),
                 "set": lambda: sorted(r.smembers(k)),
                 "zset": lambda: r.zrange(k, 0, -1, withscores=True)}[t]()
            out[k] = (t, v)
    db = r.info("keyspace").get(f"db{r.connection_pool.connection_kwargs.get('db', 0)}", {})
    out["#counts"] = (db.get("keys", 0), db.get("expires", 0))
    return out


def aof_files(srv: Server) -> list[str]:
    d = srv.workdir / "appendonlydir"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def temp_files(srv: Server) -> list[str]:
    found = [p.name for p in srv.workdir.iterdir() if p.name.startswith("temp-")]
    return found + [f for f in aof_files(srv) if f.startswith("temp-")]


class Writer(threading.Thread):
    """Overwrites and deletes random populated keys (most not yet reached by the snapshot's
    walk when the rewrite starts), bumps a counter, pushes, and writes in db 1."""

    def __init__(self, srv: Server):
        super().__init__(daemon=True)
        self.r, self.r1 = client(srv), client(srv, 1)
        self.stop = threading.Event()
        self.ops = 0
        self.error: Exception | None = None

    def run(self):
        rng = random.Random(7)
        try:
            while not self.stop.is_set():
                n = self.ops
                self.r.set(f"key:{rng.randrange(KEYS)}", f"new:{n}")
                self.r.delete(f"key:{rng.randrange(KEYS)}")
                self.r.incr("counter")
                self.r.rpush("pushed", n)
                self.r1.set(f"db1:{n % 500}", n)
                self.ops += 1
        except Exception as e:   # surfaced by the test
            self.error = e


def restart_from_aof(srv: Server):
    """kill -9 (no shutdown hook may finish anything), then start loading only the AOF."""
    srv.proc.kill()
    srv.proc.wait(10)
    srv.extra_args = srv.extra_args + ["--appendonly", "yes"]
    srv.start(timeout=TIMEOUT)


def test_enable_is_background_and_keeps_writes_made_during_it(tmp_path, servers):
    kw, r = populated(tmp_path, servers, "--appendfsync", "always")
    other = client(kw)
    fill_every_type(r)
    w = Writer(kw)
    w.start()
    wait_until(lambda: w.ops > 50, "the writer")
    assert r.config_set("appendonly", "yes")
    at_enable = w.ops
    info = persistence(r)
    assert info["aof_enabled"] == 1
    # Another client is served while the base is still being written.
    assert info["aof_rewrite_in_progress"] == 1, info
    assert other.ping()
    assert persistence(r)["aof_rewrite_in_progress"] == 1, "PING answered during the rewrite"
    info = wait_until(lambda: rewrite_landed(r), "the first rewrite")
    assert info["aof_last_bgrewrite_status"] == "ok" and info["aof_rewrites"] == 1
    assert w.ops > at_enable, "writes happened while the rewrite ran"
    wait_until(lambda: w.ops > at_enable + 50 or w.error, "writes after the rewrite")
    w.stop.set()
    w.join()
    assert w.error is None, w.error
    before, before1 = keyspace(r), keyspace(client(kw, 1))
    files = aof_files(kw)
    assert files == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"], files
    log = kw.log_path.read_text()
    assert "Background append only file rewriting started" in log
    assert "Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.1.incr.aof" in log
    restart_from_aof(kw)
    assert keyspace(client(kw)) == before
    assert keyspace(client(kw, 1)) == before1
    assert not temp_files(kw)
    check = subprocess.run(["redis-check-aof", str(kw.workdir / "appendonlydir" / "appendonly.aof.manifest")],
                           capture_output=True, text=True, timeout=TIMEOUT)
    assert check.returncode == 0, check.stdout + check.stderr


def test_appendonly_no_mid_rewrite_cancels_cleanly(tmp_path, servers):
    kw, r = populated(tmp_path, servers)
    assert r.config_set("appendonly", "yes")
    assert persistence(r)["aof_rewrite_in_progress"] == 1
    r.set("during", "1")
    assert r.config_set("appendonly", "no")
    info = persistence(r)
    assert (info["aof_enabled"], info["aof_rewrite_in_progress"], info["aof_rewrite_scheduled"]) == (0, 0, 0)
    assert info["aof_last_bgrewrite_status"] == "ok", "a cancel is not a failure"
    assert not temp_files(kw)
    assert "appendonly.aof.manifest" not in aof_files(kw)
    assert not [f for f in aof_files(kw) if ".base." in f]
    # Nothing is left behind that a later enable or the cron trips over.
    r.set("after", "2")
    assert r.get("during") == b"1" and r.get("after") == b"2"
    time.sleep(1.2)   # a cron pass or more: no retry may start while the AOF is off
    assert persistence(r)["aof_rewrite_in_progress"] == 0
    assert r.config_set("appendonly", "yes")
    wait_until(lambda: rewrite_landed(r), "the rewrite after re-enabling")
    assert not temp_files(kw)
    assert r.dbsize() == KEYS + 2


def test_enable_during_bgsave_is_scheduled_then_runs(tmp_path, servers):
    kw, r = populated(tmp_path, servers, "--appendfsync", "always")
    assert r.execute_command("BGSAVE")
    assert r.config_set("appendonly", "yes")
    info = persistence(r)
    assert info["rdb_bgsave_in_progress"] == 1, "the BGSAVE outlived the CONFIG SET"
    assert (info["aof_enabled"], info["aof_rewrite_scheduled"], info["aof_rewrite_in_progress"]) == (1, 1, 0)
    r.set("while-scheduled", "1")
    wait_until(lambda: rewrite_landed(r), "the scheduled rewrite")
    r.set("after", "2")
    assert "AOF was enabled but there is already another background operation" in kw.log_path.read_text()
    before = keyspace(r)
    restart_from_aof(kw)
    assert keyspace(client(kw)) == before
    assert before["#counts"] == (KEYS + 2, 0)


def test_replica_rebuilds_its_aof_in_the_background_after_full_sync(tmp_path, servers):
    master = start(tmp_path, "master")
    servers.append(master)
    m = client(master)
    m.execute_command("DEBUG", "POPULATE", 100_000, "key", 20)
    fill_every_type(m)
    replica = start(tmp_path, "replica", "--appendonly", "yes", "--appendfsync", "always")
    servers.append(replica)
    rc = client(replica)
    rc.set("stale", "gone after the full sync")
    rewrites_before = persistence(rc)["aof_rewrites"]
    rc.replicaof(master.host, master.port)
    for i in range(200):
        m.set(f"streamed:{i}", i)
    wait_until(lambda: rc.info("replication").get("master_link_status") == "up", "the link")
    wait_until(lambda: rc.info("replication")["master_repl_offset"] == m.info("replication")["master_repl_offset"],
               "the stream")
    wait_until(lambda: (i := rewrite_landed(rc)) and i["aof_rewrites"] > rewrites_before, "the replica's rewrite")
    m.set("after-rewrite", "x")
    wait_until(lambda: rc.get("after-rewrite") == b"x", "the stream after the rewrite")
    log = replica.log_path.read_text()
    assert "Background append only file rewriting started" in log
    assert persistence(rc)["aof_enabled"] == 1
    expected = keyspace(m)
    assert keyspace(rc) == expected
    restart_from_aof(replica)   # comes back as a master with what its AOF holds
    assert keyspace(client(replica)) == expected
    assert not temp_files(replica)


def test_sigterm_during_the_first_rewrite_finishes_it(tmp_path, servers):
    """Redis refuses a non-forced SHUTDOWN while the initial AOF is written; we finish it (the
    dataset must not be lost to a restart with appendonly yes)."""
    kw, r = populated(tmp_path, servers)
    assert r.config_set("appendonly", "yes")
    assert persistence(r)["aof_rewrite_in_progress"] == 1
    r.set("during", "1")
    kw.stop()   # SIGTERM
    assert kw.proc.returncode == 0
    assert "Writing initial AOF before exiting." in kw.log_path.read_text()
    kw.extra_args = kw.extra_args + ["--appendonly", "yes"]
    kw.start(timeout=TIMEOUT)
    r = client(kw)
    assert r.dbsize() == KEYS + 1 and r.get("during") == b"1"
    assert not temp_files(kw)


def test_enable_continues_the_manifest_left_by_an_earlier_run(tmp_path, servers):
    """Started with appendonly no over an AOF directory of an earlier run: enabling continues
    its numbering (Redis always reads the manifest) and the old files become history and go.
    BGREWRITEAOF with the AOF off writes the files but leaves it off, as Redis."""
    kw = start(tmp_path, "kw", "--appendonly", "yes")
    servers.append(kw)
    r = client(kw)
    r.set("old", "1")
    assert aof_files(kw) == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]
    kw.stop()
    kw.extra_args = ["--enable-debug-command", "yes"]
    kw.start()
    r = client(kw)
    r.set("new", "2")
    assert r.bgrewriteaof()
    assert persistence(r)["aof_enabled"] == 0
    assert r.config_set("appendonly", "yes")
    wait_until(lambda: rewrite_landed(r), "the rewrite")
    r.set("after", "3")
    assert aof_files(kw) == ["appendonly.aof.3.base.rdb", "appendonly.aof.3.incr.aof", "appendonly.aof.manifest"]
    restart_from_aof(kw)
    r = client(kw)
    assert sorted(r.keys("*")) == [b"after", b"new"]
