"""The append-only file with real processes: durability across kill -9, the multi-part layout
real Redis 7.0 and redis-check-aof understand (both ways), torn and corrupt files, rewrites."""
from __future__ import annotations

import random
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis as redispy

from conftest import keyward_binary, redis_binary
from harness.dataset import fill_every_type, snapshot
from harness.server import Server

AOF_ARGS = ["--appendonly", "yes", "--appendfsync", "always"]


def start(tmp_path: Path, name="kw", binary=None, args=AOF_ARGS) -> Server:
    srv = Server(binary or keyward_binary(), name, args, workdir=tmp_path)
    return srv.start()


def client(srv: Server) -> redispy.Redis:
    return redispy.Redis(host=srv.host, port=srv.port, socket_timeout=30)


def kill9(srv: Server):
    srv.proc.kill()
    srv.proc.wait(10)






def test_every_type_survives_kill9_and_restart(tmp_path):
    srv = start(tmp_path)
    try:
        r = client(srv)
        fill_every_type(r)
        db3 = redispy.Redis(host=srv.host, port=srv.port, db=3)
        db3.set("in-db3", "x")
        before = snapshot(client(srv))
        kill9(srv)
        srv.start()
        assert snapshot(client(srv)) == before
        assert redispy.Redis(host=srv.host, port=srv.port, db=3).get("in-db3") == b"x"
        assert "DB loaded from append only file" in srv.log_path.read_text()
    finally:
        srv.stop()


def test_rewrite_compacts_and_keeps_data(tmp_path):
    srv = start(tmp_path)
    try:
        r = client(srv)
        for _ in range(2000):
            r.incr("counter")
        fill_every_type(r)
        size_before = int(r.info("persistence")["aof_current_size"])
        assert r.bgrewriteaof()
        # The rewrite runs in the background (a snapshot walked between commands), as in Redis.
        deadline = time.monotonic() + 30
        while r.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.02)
        info = r.info("persistence")
        assert info["aof_rewrites"] == 1
        assert info["aof_current_size"] < size_before
        r.set("after", "rewrite")
        before = snapshot(r)
        kill9(srv)
        srv.start()
        assert snapshot(client(srv)) == before
        files = sorted(p.name for p in (tmp_path / "appendonlydir").iterdir())
        assert files == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    finally:
        srv.stop()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_real_redis_loads_our_aof_and_check_aof_accepts_it(tmp_path, preamble):
    srv = start(tmp_path, args=AOF_ARGS + ["--aof-use-rdb-preamble", preamble])
    try:
        r = client(srv)
        fill_every_type(r)
        r.function_load("#!lua name=lib\nredis.register_function('f', function() return 7 end)")
        r.bgrewriteaof()
        r.set("in-incr", "1")
        r.zadd("zset", {"late": 99})
        before = snapshot(r)
    finally:
        srv.stop()
    check = subprocess.run(["redis-check-aof", str(tmp_path / "appendonlydir" / "appendonly.aof.manifest")],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "All AOF files and manifest are valid" in check.stdout
    real = start(tmp_path, "redis", redis_binary(), ["--appendonly", "yes"])
    try:
        assert snapshot(client(real)) == before
        assert client(real).fcall("f", 0) == 7
    finally:
        real.stop()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_real_redis_aof_loads_into_keyward(tmp_path, preamble):
    real = start(tmp_path, "redis", redis_binary(), ["--appendonly", "yes", "--aof-use-rdb-preamble", preamble])
    try:
        r = client(real)
        fill_every_type(r)
        r.bgrewriteaof()
        deadline = time.monotonic() + 30
        while r.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.05)
        r.set("in-incr", "1")
        r.pexpire("str", 500_000)
        before = snapshot(r)
    finally:
        real.stop()
    srv = start(tmp_path)
    try:
        assert snapshot(client(srv)) == before
    finally:
        srv.stop()


def incr_file(tmp_path: Path) -> Path:
    return sorted((tmp_path / "appendonlydir").glob("*.incr.aof"))[-1]


def test_torn_last_command_is_truncated_or_refused(tmp_path):
    srv = start(tmp_path)
    r = client(srv)
    r.set("a", "1")
    r.set("b", "2")
    srv.stop()
    f = incr_file(tmp_path)
    good = f.stat().st_size
    with open(f, "ab") as fh:
        fh.write(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhel")   # a write cut short by a crash
    # aof-load-truncated no: a clear refusal, non-zero exit.
    strict = Server(keyward_binary(), "strict", AOF_ARGS + ["--aof-load-truncated", "no"], workdir=tmp_path)
    with pytest.raises(Exception):
        strict.start(timeout=20)
    assert "Unexpected end of file reading the append only file" in strict.log_path.read_text()
    assert strict.proc.returncode == 1
    # The default (yes): loads what is whole, cuts the tail, logs it.
    srv.start()
    try:
        r = client(srv)
        assert r.mget("a", "b", "c") == [b"1", b"2", None]
        assert "Truncating the AOF" in srv.log_path.read_text()
        assert f.stat().st_size == good
        r.set("c", "3")       # appends after the cut
        srv.stop()
        srv.start()
        assert client(srv).mget("a", "b", "c") == [b"1", b"2", b"3"]
    finally:
        srv.stop()


def test_open_transaction_at_the_end_is_reverted(tmp_path):
    srv = start(tmp_path)
    client(srv).set("a", "1")
    srv.stop()
    with open(incr_file(tmp_path), "ab") as fh:
        fh.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n")
    srv.start()
    try:
        assert client(srv).mget("a", "x") == [b"1", None]
        assert "Revert incomplete MULTI/EXEC transaction" in srv.log_path.read_text()
    finally:
        srv.stop()


def test_corruption_in_the_middle_refuses_to_start(tmp_path):
    srv = start(tmp_path)
    r = client(srv)
    r.set("a", "1")
    r.set("b", "2")
    srv.stop()
    f = incr_file(tmp_path)
    data = bytearray(f.read_bytes())
    at = data.index(b"*3", 20)
    data[at] = ord("X")
    f.write_bytes(bytes(data))
    bad = Server(keyward_binary(), "bad", AOF_ARGS, workdir=tmp_path)
    with pytest.raises(Exception):
        bad.start(timeout=20)
    log = bad.log_path.read_text()
    assert f"Bad file format reading the append only file {f.name} at offset {at}" in log
    assert bad.proc.returncode == 1


def test_enabling_at_runtime_writes_a_base_of_the_current_data(tmp_path):
    srv = start(tmp_path, args=[])
    try:
        r = client(srv)
        fill_every_type(r)
        assert r.config_set("appendonly", "yes")
        assert r.info("persistence")["aof_enabled"] == 1
        r.set("later", "x")
        # The base is written in the background (AOF_WAIT_REWRITE): a kill -9 before it lands
        # would leave no AOF, as in Redis.
        deadline = time.monotonic() + 30
        while r.info("persistence")["aof_rewrites"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.info("persistence")["aof_rewrite_in_progress"] == 0
        before = snapshot(r)
        kill9(srv)
        srv.extra_args = AOF_ARGS
        srv.start()
        assert snapshot(client(srv)) == before
    finally:
        srv.stop()


def test_automatic_rewrite_on_growth(tmp_path):
    srv = start(tmp_path, args=AOF_ARGS + ["--auto-aof-rewrite-min-size", "64kb",
                                           "--auto-aof-rewrite-percentage", "100"])
    try:
        r = client(srv)
        pipe = r.pipeline(transaction=False)
        for i in range(5000):
            pipe.incr("n")
        pipe.execute()
        deadline = time.monotonic() + 30
        while r.info("persistence")["aof_rewrites"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.info("persistence")["aof_rewrites"] >= 1
        assert r.get("n") == b"5000"
    finally:
        srv.stop()


@pytest.mark.parametrize("policy", ["always", "everysec"])
def test_acknowledged_writes_survive_random_kill9(tmp_path, policy):
    """A writer records every acknowledged SET; the server is killed at random moments.
    With `always` nothing acknowledged may be missing; with `everysec` a kill -9 keeps what
    was written (the page cache survives the process), so the loss must stay within the last
    second of writes — in practice none."""
    rng = random.Random(20261130)
    srv = start(tmp_path, args=["--appendonly", "yes", "--appendfsync", policy])
    acked: list[tuple[int, float]] = []
    seq = 0
    try:
        for _round in range(6 if policy == "everysec" else 20):
            stop = threading.Event()

            def writer(port):
                nonlocal seq
                try:
                    c = redispy.Redis(host="127.0.0.1", port=port, socket_timeout=5)
                    while not stop.is_set():
                        seq += 1
                        c.set(f"k{seq}", seq)
                        acked.append((seq, time.monotonic()))
                except Exception:
                    pass          # the kill cuts the connection

            t = threading.Thread(target=writer, args=(srv.port,))
            t.start()
            time.sleep(rng.uniform(0.05, 0.4))
            killed_at = time.monotonic()
            kill9(srv)
            stop.set()
            t.join(10)
            srv.start()
            r = client(srv)
            keys = [f"k{s}" for s, _ in acked]
            values = []
            for i in range(0, len(keys), 1000):
                values += r.mget(keys[i:i + 1000])
            missing = [(s, at) for (s, at), v in zip(acked, values) if v is None]
            if policy == "always":
                assert not missing, f"acknowledged writes lost: {missing[:5]}"
            else:
                assert all(killed_at - at < 1.5 for _, at in missing), missing[:5]
        assert len(acked) > 100
    finally:
        srv.stop()
