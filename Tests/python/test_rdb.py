"""RDB persistence against real processes: keyward's SAVE loads in redis-server
7.0 and passes redis-check-rdb; redis-server's dump loads in keyward; DUMP /
RESTORE both ways; SAVE + restart and DEBUG RELOAD keep the data; a corrupt
file stops keyward at startup with one log line and a non-zero exit."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import redis as redispy

from conftest import keyward_binary, redis_binary
from harness.dataset import snapshot
from harness.server import Server

CHECK_RDB = shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb"


def client(srv: Server) -> redispy.Redis:
    return redispy.Redis(host=srv.host, port=srv.port, socket_timeout=20, protocol=2)


def populate(r: redispy.Redis) -> None:
    """Every type in every encoding Redis 7.0 writes, across the thresholds."""
    r.set("s:small", "hello")
    r.set("s:int", "12345")
    r.set("s:bigint", str(2**40))
    r.set("s:neg", "-7")
    r.set("s:long", "x" * 100)                      # LZF-compressible
    r.set("s:bin", bytes(range(256)) * 3)           # incompressible-ish
    r.set("s:empty", "")
    r.set("s:ttl", "v", px=500_000)
    r.rpush("l:small", "a", "b", "1", "-5", "300", "70000", str(2**40), "x" * 70)
    r.rpush("l:big", *[f"elem{i}" * 4 for i in range(3000)])
    r.rpush("l:huge", "y" * 20000)
    r.hset("h:lp", mapping={"f1": "v1", "f2": "2", "f3": ""})
    r.hset("h:ht", mapping={f"f{i}": f"v{i}" for i in range(600)})
    r.hset("h:longval", mapping={"f": "z" * 100})
    r.sadd("set:int", 1, 2, 3, -100, 2**40)
    r.sadd("set:str", "a", "b", "c")
    r.sadd("set:bigint", *range(1000))
    r.zadd("z:lp", {"a": 1, "b": 2.5, "c": -3, "d": 1e300, "e": float("inf"), "f": 0.1})
    r.zadd("z:sl", {f"m{i}": i * 0.25 for i in range(300)})
    r.zadd("z:longm", {"q" * 100: 1})
    r.set("s:persist", "p")




def start(binary: str, name: str, workdir: Path, *extra) -> Server:
    srv = Server(binary, name, ["--dir", str(workdir), "--dbfilename", "dump.rdb", *extra], workdir=workdir)
    srv.start()
    return srv


def test_keyward_save_loads_in_redis(tmp_path, servers):
    kw = start(keyward_binary(), "keyward", tmp_path / "kw")
    servers.append(kw)
    k = client(kw)
    populate(k)
    k.execute_command("SELECT", 5)
    k.set("in-db5", "five")
    k.execute_command("SELECT", 0)
    want = snapshot(k, encoding=True)
    assert k.save()
    rdb = tmp_path / "kw" / "dump.rdb"
    check = subprocess.run([CHECK_RDB, str(rdb)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "RDB looks OK" in check.stdout
    rd = start(redis_binary(), "redis", tmp_path / "kw", "--dbfilename", "dump.rdb")
    servers.append(rd)
    r = client(rd)
    assert snapshot(r, encoding=True) == want
    assert 490_000 < r.pttl("s:ttl") <= 500_000
    r.execute_command("SELECT", 5)
    assert r.get("in-db5") == b"five"


def test_redis_save_loads_in_keyward(tmp_path, servers):
    rd = start(redis_binary(), "redis", tmp_path / "rd")
    servers.append(rd)
    r = client(rd)
    populate(r)
    want = snapshot(r, encoding=True)
    assert r.save()
    kw = start(keyward_binary(), "keyward", tmp_path / "rd")
    servers.append(kw)
    k = client(kw)
    assert snapshot(k, encoding=True) == want


def test_redis_older_encodings_load_in_keyward(tmp_path, servers):
    """Ziplist-era encodings: a real 7.0 never writes them, but RESTORE accepts them.
    Payloads from Redis 6.2 (ziplist hash/zset/list, intset) built by hand here."""
    kw = start(keyward_binary(), "keyward", tmp_path / "kw")
    servers.append(kw)
    k = client(kw)
    # Redis 6.2 DUMP of RPUSH l a b 1 (quicklist of one ziplist node).
    ziplist = bytes.fromhex("13000000" "10000000" "0300" "000161" "030162" "03f2" "ff")
    payload = bytes([14, 1, len(ziplist)]) + ziplist + b"\x09\x00"
    payload = payload + _crc(payload)
    k.restore("l", 0, payload)
    assert k.lrange("l", 0, -1) == [b"a", b"b", b"1"]


def _crc(body: bytes) -> bytes:
    """CRC64 (Jones, reflected) as Redis computes it, little endian."""
    poly = 0x95AC9329AC4BC9B5
    crc = 0
    for b in body:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc.to_bytes(8, "little")


def test_dump_restore_both_ways(tmp_path, servers):
    rd = start(redis_binary(), "redis", tmp_path / "rd")
    kw = start(keyward_binary(), "keyward", tmp_path / "kw")
    servers += [rd, kw]
    r, k = client(rd), client(kw)
    populate(r)
    populate(k)
    want = snapshot(r, encoding=True)
    for key in want:
        r.restore(key + b":fromkw", 0, k.dump(key))
        k.restore(key + b":fromredis", 0, r.dump(key))
    for key, (t, v, enc, _) in want.items():
        assert snapshot_one(r, key + b":fromkw") == (t, v, enc), key
        assert snapshot_one(k, key + b":fromredis") == (t, v, enc), key


def snapshot_one(r, k):
    t = r.type(k).decode()
    v = {"string": lambda: r.get(k), "list": lambda: r.lrange(k, 0, -1),
         "hash": lambda: sorted(r.hgetall(k).items()), "set": lambda: sorted(r.smembers(k)),
         "zset": lambda: r.zrange(k, 0, -1, withscores=True)}[t]()
    return (t, v, r.object("encoding", k))


def test_restore_errors_match_redis(tmp_path, servers):
    rd = start(redis_binary(), "redis", tmp_path / "rd")
    kw = start(keyward_binary(), "keyward", tmp_path / "kw")
    servers += [rd, kw]
    payload = client(rd).execute_command("DUMP", "nokey")
    assert payload is None
    replies: dict[str, list[str]] = {}
    for srv in (rd, kw):
        c = client(srv)
        c.set("x", "1")
        good = c.dump("x")
        cases = [
            ("RESTORE", "x", 0, good),
            ("RESTORE", "y", -1, good),
            ("RESTORE", "y", "abc", good),
            ("RESTORE", "y", 0, good[:-1] + b"\x00"),
            ("RESTORE", "y", 0, b"\x00"),
            ("RESTORE", "y", 0, good, "IDLETIME", -1),
            ("RESTORE", "y", 0, good, "FREQ", 256),
            ("RESTORE", "y", 0, good, "IDLETIME", 1, "FREQ", 1),
            ("RESTORE", "y", 0, good, "BOGUS"),
        ]
        replies[srv.name] = []
        for args in cases:
            try:
                c.execute_command(*args)
                replies[srv.name].append("OK")
            except redispy.ResponseError as e:
                replies[srv.name].append(str(e))
    assert replies["redis"] == replies["keyward"]


def test_save_restart_and_debug_reload(tmp_path, servers):
    kw = start(keyward_binary(), "keyward", tmp_path / "kw", "--enable-debug-command", "yes")
    servers.append(kw)
    k = client(kw)
    populate(k)
    k.execute_command("BF.ADD", "bf", "item1")
    want = snapshot(k, encoding=True)
    assert k.execute_command("DEBUG", "RELOAD") == b"OK"
    assert snapshot(k, encoding=True) == want
    assert k.execute_command("BF.EXISTS", "bf", "item1") == 1
    assert k.save()
    assert k.lastsave()
    info = k.info("persistence")
    assert info["rdb_changes_since_last_save"] == 0 and info["rdb_saves"] >= 2
    kw.stop()
    kw.start()
    k = client(kw)
    assert snapshot(k, encoding=True) == want
    assert k.execute_command("BF.EXISTS", "bf", "item1") == 1
    assert "DB loaded from disk" in kw.log_path.read_text()


def test_shutdown_saves_when_save_points_configured(tmp_path, servers):
    kw = start(keyward_binary(), "keyward", tmp_path / "kw")
    servers.append(kw)
    k = client(kw)
    k.config_set("save", "3600 1")
    k.set("kept", "yes")
    try:
        k.shutdown()
    except redispy.ConnectionError:
        pass
    kw.proc.wait(10)
    assert (tmp_path / "kw" / "dump.rdb").exists()
    kw.start()
    assert client(kw).get("kept") == b"yes"


def test_corrupt_file_refuses_to_start(tmp_path):
    kw = tmp_path / "kw"
    kw.mkdir()
    good = Server(keyward_binary(), "keyward", ["--dir", str(kw)], workdir=kw)
    good.start()
    c = client(good)
    c.rpush("l", *range(100))
    c.save()
    good.stop()
    data = bytearray((kw / "dump.rdb").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (kw / "dump.rdb").write_bytes(bytes(data))
    proc = subprocess.run([keyward_binary(), "--port", "0", "--dir", str(kw), "--save", ""],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    lines = [l for l in (proc.stdout + proc.stderr).splitlines() if "Fatal error loading the DB" in l]
    assert len(lines) == 1, proc.stdout + proc.stderr
