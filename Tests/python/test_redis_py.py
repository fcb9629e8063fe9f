"""redis-py 8 against the server, with its default settings (RESP3: HELLO 3,
CLIENT SETINFO ...) and with protocol=2. Every test also runs against the real
redis-server, which proves the assertions themselves."""
from __future__ import annotations

import time

import pytest
import redis as redispy

PROTOCOLS = {"resp3-default": {}, "resp2": {"protocol": 2}}


@pytest.fixture(params=list(PROTOCOLS), ids=list(PROTOCOLS))
def connect(request, target):
    """A factory of clients for the target server in the protocol under test."""
    clients = []

    def make(**extra):
        c = redispy.Redis(host=target.host, port=target.port, socket_timeout=10,
                          **PROTOCOLS[request.param], **extra)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def r(connect):
    client = connect()
    client.flushall()
    return client


@pytest.fixture
def rs(r, connect):
    """The same server, decoding replies to str."""
    return connect(decode_responses=True)


def test_protocol_negotiated(connect, request):
    expected = "2" if "resp2" in request.node.name else "3"
    assert connect().client_info()["resp"] == expected


def test_ping_echo_time(r):
    assert r.ping() is True
    assert r.echo("hello") == b"hello"
    secs, micros = r.time()
    assert abs(secs - time.time()) < 5 and 0 <= micros < 1_000_000
    assert r.dbsize() == 0


def test_strings(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None
    assert r.set("k", "v2", nx=True) is None
    assert r.set("k", "v2", xx=True) is True
    assert r.set("k", "v3", get=True) == b"v2"
    assert r.set("k", "v4", ex=100) is True and r.ttl("k") == 100
    assert r.set("k", "v5", keepttl=True) is True and r.ttl("k") == 100
    assert r.getset("k", "v6") == b"v5" and r.ttl("k") == -1
    assert r.getdel("k") == b"v6" and r.exists("k") == 0
    r.set("k", "v")
    assert r.getex("k", ex=50) == b"v" and r.ttl("k") == 50
    assert r.getex("k", persist=True) == b"v" and r.ttl("k") == -1
    assert r.mset({"a": 1, "b": "2", "c": b"3"}) is True
    assert r.mget("a", "b", "c", "nope") == [b"1", b"2", b"3", None]
    assert r.msetnx({"c": 1, "d": 2}) is False
    assert r.msetnx({"d": 1, "e": 2}) is True
    assert r.append("s", "hello") == 5 and r.append("s", " world") == 11
    assert r.strlen("s") == 11
    assert r.getrange("s", 0, 4) == b"hello"
    assert r.substr("s", -5) == b"world"
    assert r.setrange("s", 6, "Redis") == 11 and r.get("s") == b"hello Redis"
    assert r.setnx("s", "x") is False
    assert r.execute_command("SETEX", "t", 100, "v") is True and r.ttl("t") == 100
    assert r.psetex("t", 100000, "v") is True and 99 <= r.ttl("t") <= 100
    assert r.lcs("a", "b") == b""
    r.mset({"l1": "ohmytext", "l2": "mynewtext"})
    assert r.lcs("l1", "l2") == b"mytext"
    assert r.lcs("l1", "l2", len=True) == 6


def test_counters(r):
    assert r.incr("n") == 1
    assert r.incrby("n", 10) == 11
    assert r.decr("n") == 10
    assert r.decrby("n", 20) == -10
    assert r.incrbyfloat("f", 1.5) == 1.5
    assert r.incrbyfloat("f", 0.25) == 1.75
    r.set("f", "0.1")
    assert r.incrbyfloat("f", 0.2) == pytest.approx(0.3) and r.get("f") == b"0.3"
    r.set("bad", "abc")
    with pytest.raises(redispy.ResponseError, match="value is not an integer or out of range"):
        r.incr("bad")
    with pytest.raises(redispy.ResponseError, match="value is not a valid float"):
        r.incrbyfloat("bad", 1)
    r.set("n", 2**63 - 1)
    with pytest.raises(redispy.ResponseError, match="increment or decrement would overflow"):
        r.incr("n")


def test_wrong_arity_and_unknown(r):
    with pytest.raises(redispy.ResponseError, match="wrong number of arguments for 'get' command"):
        r.execute_command("GET")
    with pytest.raises(redispy.ResponseError, match="unknown command 'NOSUCH'"):
        r.execute_command("NOSUCH", "a")
    with pytest.raises(redispy.ResponseError, match="syntax error"):
        r.execute_command("SET", "k", "v", "FOO")
    assert r.ping() is True   # the connection survives errors


def test_bitmaps(r):
    assert r.setbit("b", 7, 1) == 0
    assert r.getbit("b", 7) == 1
    assert r.bitcount("b") == 1
    r.set("m", "foobar")
    assert r.bitcount("m") == 26
    assert r.bitcount("m", 1, 1) == 6
    assert r.bitpos("m", 1) == 1
    r.set("x", b"\xff\x0f")
    r.set("y", b"\xf0")
    assert r.bitop("AND", "dest", "x", "y") == 2
    assert r.get("dest") == b"\xf0\x00"
    bf = r.bitfield("bf")
    assert bf.set("i8", 0, 100).get("i8", 0).incrby("u2", 100, 1, overflow="SAT").execute() == [0, 100, 1]
    assert r.bitfield_ro("bf", "u8", 0) == [100]


def test_expiry(r):
    r.set("k", "v")
    assert r.ttl("k") == -1 and r.pttl("k") == -1
    assert r.ttl("missing") == -2
    assert r.expire("k", 100) is True and r.ttl("k") == 100
    assert r.expire("k", 50, gt=True) is False
    assert r.expire("k", 50, lt=True) is True and r.ttl("k") == 50
    assert r.pexpire("k", 100000) is True and 99000 < r.pttl("k") <= 100000
    assert r.expireat("k", 4102444800) is True and r.expiretime("k") == 4102444800
    assert r.pexpireat("k", 4102444800123) is True
    assert r.execute_command("PEXPIRETIME", "k") == 4102444800123
    assert r.persist("k") is True and r.ttl("k") == -1
    assert r.expire("missing", 10) is False
    r.set("short", "v", px=100)
    r.set("short2", "v")
    r.pexpire("short2", 100)
    time.sleep(0.3)
    assert r.get("short") is None
    assert r.exists("short", "short2") == 0
    assert r.ttl("short") == -2


def test_keys(r, connect):
    r.mset({"a": 1, "b": 2, "c": 3})
    assert r.exists("a", "b", "nope") == 2
    assert r.type("a") == b"string" and r.type("nope") == b"none"
    assert r.delete("a", "nope") == 1
    assert r.unlink("b") == 1
    assert r.touch("c", "nope") == 1
    assert r.rename("c", "d") is True
    r.set("e", "x")
    assert r.renamenx("d", "e") is False
    assert r.copy("d", "f") is True and r.get("f") == b"3"
    assert sorted(r.keys("*")) == [b"d", b"e", b"f"]
    assert r.randomkey() in (b"d", b"e", b"f")
    assert r.dbsize() == 3
    assert r.object("encoding", "d") == b"int"
    assert r.object("refcount", "e") == 1
    assert r.move("d", 1) is True
    other = connect(db=1)
    assert other.get("d") == b"3"
    assert r.swapdb(0, 1) is True
    assert r.get("d") == b"3" and other.get("e") == b"x"
    other.flushdb()
    assert r.flushall(asynchronous=True) is True
    assert r.dbsize() == 0


def test_scan_iter(r):
    with r.pipeline(transaction=False) as p:
        for i in range(1000):
            p.set(f"user:{i}", i)
        for i in range(100):
            p.set(f"other:{i}", i)
        p.execute()
    seen = list(r.scan_iter(count=50))
    assert len(seen) >= 1100 and set(seen) == set(r.keys("*"))
    users = set(r.scan_iter(match="user:*", count=100))
    assert users == {f"user:{i}".encode() for i in range(1000)}
    assert set(r.scan_iter(match="other:*", _type="string")) == {f"other:{i}".encode() for i in range(100)}
    assert list(r.scan_iter(_type="list")) == []
    cursor, batch = r.scan(0, count=10)
    assert isinstance(cursor, int) and isinstance(batch, list)


def test_pipeline_no_transaction(r):
    with r.pipeline(transaction=False) as p:
        for i in range(200):
            p.set(f"k{i}", i)
            p.incr(f"k{i}")
            p.get(f"k{i}")
        p.execute_command("NOSUCH")
        p.get("k0")
        results = p.execute(raise_on_error=False)
    assert len(results) == 602
    assert results[0] is True and results[1] == 1 and results[2] == b"1"
    assert results[-3] == b"200"
    assert isinstance(results[-2], redispy.ResponseError)
    assert results[-1] == b"1"


def test_binary_keys_and_values(r):
    everything = bytes(range(256))
    assert r.set(everything, everything) is True
    assert r.get(everything) == everything
    assert r.strlen(everything) == 256
    assert r.append(b"\x00", b"\r\n\x00") == 3
    assert r.get(b"\x00") == b"\r\n\x00"
    assert r.mget([everything, b"\x00"]) == [everything, b"\r\n\x00"]
    assert set(r.keys(b"\x00*")) == {everything, b"\x00"}
    big = bytes(range(256)) * 4096   # 1 MiB
    assert r.set("big", big) is True and r.get("big") == big


def test_decode_responses(rs):
    rs.set("k", "välue")
    assert rs.get("k") == "välue"
    assert rs.mget("k", "nope") == ["välue", None]
    assert rs.config_get("maxmemory") == {"maxmemory": "0"}


def test_client_commands(r):
    assert r.client_setname("py-client") is True
    assert r.client_getname() == "py-client"   # redis-py decodes this one
    cid = r.client_id()
    assert isinstance(cid, int) and cid > 0
    info = r.client_info()
    assert info["name"] == "py-client" and int(info["id"]) == cid
    listed = r.client_list()
    assert any(c["name"] == "py-client" for c in listed)
    with pytest.raises(redispy.ResponseError):
        r.client_setname("bad name")
    assert r.client_no_evict("on") == b"OK"


def test_config_get_set(r):
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    mm = r.config_get("maxmemory*")
    assert {"maxmemory", "maxmemory-policy", "maxmemory-samples"} <= set(mm)
    assert r.config_set("maxmemory", "100mb") is True
    assert r.config_get("maxmemory") == {"maxmemory": "104857600"}
    assert r.config_set("maxmemory", "0") is True
    with pytest.raises(redispy.ResponseError, match="Unknown option"):
        r.config_set("no-such-option", "1")
    assert r.config_get("no-such-*") == {}


def test_connection_commands(r):
    assert r.select(1) is True
    assert r.execute_command("RESET") in (b"RESET", "RESET")
    assert r.lastsave() is not None
    assert r.slowlog_reset() is True
    assert r.slowlog_len() >= 0
    assert isinstance(r.slowlog_get(), list)
    assert r.command_count() > 0
    assert r.command_getkeys("MSET", "a", 1, "b", 2) == ["a", "b"]   # decoded by redis-py
