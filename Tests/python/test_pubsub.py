"""Pub/sub and keyspace notifications, byte for byte against the real redis-server.

Pub/sub needs several connections (a publisher and subscribers), which the
one-connection differential scripts cannot express. Each scenario here runs
the same steps on both servers and records, per step, the reply of the
command and everything each other connection received; the two transcripts
must be identical. Subscribers are synchronised without sleeps: after each
step every subscriber sends `PING <marker>` and is read up to the marker's
reply, so all messages queued before it have arrived (replies are in order).
Steps whose order Redis leaves to its hash tables are compared sorted.
"""
from __future__ import annotations

import re
import time

import pytest
import redis as redispy

from harness.resp import Conn, parse

PROTOS = [2, 3]


class Session:
    """Named raw connections to one server and the transcript of a scenario."""

    def __init__(self, srv, proto: int, names):
        self.srv = srv
        self.proto = proto
        self.conns: dict[str, Conn] = {}
        self.log: list[tuple] = []
        self.marker = 0
        for n in names:
            c = Conn(srv.host, srv.port)
            if proto == 3:
                assert c.call("HELLO", "3").kind == "%"
            self.conns[n] = c

    def close(self):
        for c in self.conns.values():
            c.close()

    def sync(self, name: str) -> list[bytes]:
        """Everything `name` receives before the reply to a PING sent now."""
        c = self.conns[name]
        self.marker += 1
        m = b"sync-%d" % self.marker
        c.send("PING", m)
        got = []
        while True:
            n = c.read()
            if n.kind == "$" and n.payload == m:
                got.append(b"<sync bulk>")
                return got
            if n.kind == "*" and len(n.children) == 2 and n.children[1].payload == m:
                got.append(b"<sync " + n.raw.replace(m, b"M") + b">")
                return got
            got.append(n.raw)

    def step(self, name: str, *args, sort: bool = False, record: bool = True):
        """Runs one command on `name`, then syncs every connection."""
        c = self.conns[name]
        reply = c.call(*args)
        out = reply.canonical() if sort else reply.raw
        others = {n: self.sync(n) for n in self.conns}
        if record:
            self.log.append((name, args, out, others))
        return reply


def transcript(srv, proto, names, body):
    s = Session(srv, proto, names)
    try:
        s.conns[names[0]].execute("FLUSHALL")
        body(s)
        return s.log
    finally:
        s.close()


def assert_same(keyward, redis, proto, names, body):
    want = transcript(redis, proto, names, body)
    got = transcript(keyward, proto, names, body)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == w, f"step {w[0]} {w[1]!r}"


def pubsub_scenario(s: Session):
    s.step("a", "SUBSCRIBE", "ch1", "ch2", "ch1")
    s.step("b", "PSUBSCRIBE", "ch*", "news.?", "ch*")
    s.step("b", "SUBSCRIBE", "ch1")
    s.step("a", "SSUBSCRIBE", "sh1")
    s.step("p", "PUBLISH", "ch1", "hello")
    s.step("p", "PUBLISH", "ch2", "")
    s.step("p", "PUBLISH", "news.x", b"bin\x00\xff\r\n")
    s.step("p", "PUBLISH", "nobody", "x")
    s.step("p", "SPUBLISH", "sh1", "shard message")
    s.step("p", "SPUBLISH", "ch1", "shard namespace")
    s.step("p", "PUBSUB", "NUMSUB", "ch1", "ch2", "nobody")
    s.step("p", "PUBSUB", "NUMSUB")
    s.step("p", "PUBSUB", "NUMPAT")
    s.step("p", "PUBSUB", "CHANNELS", sort=True)
    s.step("p", "PUBSUB", "CHANNELS", "ch?", sort=True)
    s.step("p", "PUBSUB", "CHANNELS", "a", "b")
    s.step("p", "PUBSUB", "SHARDCHANNELS")
    s.step("p", "PUBSUB", "SHARDNUMSUB", "sh1", "ch1")
    s.step("p", "PUBSUB", "HELP")
    s.step("p", "PUBSUB", "NOSUCH")
    s.step("a", "GET", "k")
    s.step("a", "CONFIG", "GET", "maxmemory")
    s.step("a", "PING")
    s.step("a", "PING", "hi")
    s.step("a", "UNSUBSCRIBE", "ch2", "nothere")
    s.step("a", "UNSUBSCRIBE")
    s.step("a", "SUNSUBSCRIBE", "sh1")
    s.step("a", "SUNSUBSCRIBE")
    s.step("a", "UNSUBSCRIBE")
    s.step("a", "PUNSUBSCRIBE")
    s.step("a", "PING")
    s.step("a", "GET", "k")
    s.step("b", "PUNSUBSCRIBE", "news.?")
    s.step("p", "PUBLISH", "ch1", "after")
    s.step("b", "PUNSUBSCRIBE")
    s.step("p", "PUBSUB", "NUMPAT")
    s.step("b", "RESET")
    s.step("p", "PUBLISH", "ch1", "nobody listens")
    s.step("p", "PUBSUB", "CHANNELS")
    s.step("b", "SUBSCRIBE")
    s.step("b", "PUBLISH", "x", "y")


@pytest.mark.parametrize("proto", PROTOS)
def test_pubsub_bytes_match_redis(keyward, redis, proto):
    assert_same(keyward, redis, proto, ["p", "a", "b"], pubsub_scenario)


def introspection_scenario(s: Session):
    s.step("a", "SUBSCRIBE", "c1", "c2")
    s.step("a", "PSUBSCRIBE", "p*")
    s.step("a", "SSUBSCRIBE", "s1", "s2", "s3")
    info = s.conns["p"].execute("INFO", "stats").decode()
    s.log.append(("info", sorted(l for l in info.split("\r\n") if l.startswith("pubsub"))))
    cl = s.conns["p"].execute("CLIENT", "LIST").decode()
    fields = sorted(re.sub(r".*?(flags=\S+).*?(sub=\S+ psub=\S+ ssub=\S+).*", r"\1 \2", l)
                    for l in cl.splitlines())
    s.log.append(("client list", fields))
    s.log.append(("kill", s.conns["p"].execute("CLIENT", "KILL", "TYPE", "pubsub")))


@pytest.mark.parametrize("proto", PROTOS)
def test_pubsub_introspection_matches_redis(keyward, redis, proto):
    assert_same(keyward, redis, proto, ["p", "a"], introspection_scenario)


def test_disconnected_subscriber_is_forgotten(keyward):
    p = keyward.connect()
    a = keyward.connect()
    a.call("SUBSCRIBE", "gone")
    a.call("PSUBSCRIBE", "go*")
    a.close()
    deadline = time.monotonic() + 5
    while p.execute("PUBSUB", "NUMSUB", "gone")[1] != 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert p.execute("PUBSUB", "NUMSUB", "gone") == [b"gone", 0]
    assert p.execute("PUBSUB", "NUMPAT") == 0
    assert p.execute("PUBLISH", "gone", "x") == 0
    p.close()


def test_slow_subscriber_hits_pubsub_output_limit(keyward):
    p = keyward.connect()
    a = keyward.connect()
    try:
        assert p.execute("CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 0 0") == "OK"
        a.call("SUBSCRIBE", "flood")
        # The subscriber never reads: once its socket buffers fill, the server's output buffer
        # passes the hard limit and the server drops it.
        payload = b"x" * 8192
        closed = False
        for i in range(20000):
            if i % 16 == 0 and p.execute("PUBSUB", "NUMSUB", "flood")[1] == 0:
                closed = True
                break
            p.execute("PUBLISH", "flood", payload)
        assert closed
    finally:
        p.execute("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
        p.close()
        a.close()


# -- keyspace notifications ---------------------------------------------------

def notification_scenario(flags):
    def body(s: Session):
        s.step("p", "CONFIG", "SET", "notify-keyspace-events", flags)
        s.step("s", "PSUBSCRIBE", "__key*__:*")
        s.step("p", "SET", "k", "v")
        s.step("p", "SET", "k", "v2", "EX", "100")
        s.step("p", "INCR", "n")
        s.step("p", "INCRBY", "n", "5")
        s.step("p", "INCRBYFLOAT", "n", "1.5")
        s.step("p", "APPEND", "k", "x")
        s.step("p", "SETRANGE", "k", "0", "ab")
        s.step("p", "SETBIT", "bits", "3", "1")
        s.step("p", "MSET", "m1", "a", "m2", "b")
        s.step("p", "EXPIRE", "k", "100")
        s.step("p", "PERSIST", "k")
        s.step("p", "RENAME", "k", "k2")
        s.step("p", "DEL", "k2", "missing")
        s.step("p", "GETDEL", "n")
        s.step("p", "GET", "missing")
        s.step("p", "SELECT", "3")
        s.step("p", "SET", b"bin\x00key", "v")
        s.step("p", "EXPIRE", b"bin\x00key", "0")
        s.step("p", "SELECT", "0")
        s.step("p", "SET", "e", "v", "PX", "1")
        time.sleep(0.01)
        s.step("p", "GET", "e")
        s.step("p", "CONFIG", "SET", "notify-keyspace-events", "")
        s.step("p", "SET", "quiet", "v")
    return body


@pytest.mark.parametrize("proto", PROTOS)
@pytest.mark.parametrize("flags", ["KEA", "K$", "Eg", "Ex", "KEm", "E"])
def test_keyspace_notifications_match_redis(keyward, redis, proto, flags):
    assert_same(keyward, redis, proto, ["p", "s"], notification_scenario(flags))


# -- redis-py -----------------------------------------------------------------

@pytest.mark.parametrize("protocol", PROTOS)
def test_redis_py_pubsub(keyward, protocol):
    r = redispy.Redis(host=keyward.host, port=keyward.port, protocol=protocol, socket_timeout=10)
    p = r.pubsub()
    try:
        p.subscribe("news")
        p.psubscribe("ne*")
        assert p.get_message(timeout=2) == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
        assert p.get_message(timeout=2) == {"type": "psubscribe", "pattern": None, "channel": b"ne*", "data": 2}
        assert r.publish("news", "hello") == 2
        assert p.get_message(timeout=2) == {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"}
        assert p.get_message(timeout=2) == {"type": "pmessage", "pattern": b"ne*", "channel": b"news", "data": b"hello"}
        assert r.pubsub_numsub("news") == [(b"news", 1)]
        assert r.pubsub_numpat() == 1
        assert r.pubsub_channels() == [b"news"]
        p.unsubscribe("news")
        assert p.get_message(timeout=2) == {"type": "unsubscribe", "pattern": None, "channel": b"news", "data": 1}
        p.punsubscribe()
        assert p.get_message(timeout=2) == {"type": "punsubscribe", "pattern": None, "channel": b"ne*", "data": 0}
        assert r.publish("news", "again") == 0
        assert p.get_message(timeout=0.1) is None
    finally:
        p.close()
        r.close()


@pytest.mark.parametrize("protocol", PROTOS)
def test_redis_py_keyspace_notifications(keyward, protocol):
    r = redispy.Redis(host=keyward.host, port=keyward.port, protocol=protocol, socket_timeout=10)
    p = r.pubsub(ignore_subscribe_messages=True)
    try:
        r.config_set("notify-keyspace-events", "KEA")
        p.psubscribe("__keyspace@0__:*")
        p.get_message(timeout=2)
        r.set("watched", "1")
        r.incr("watched")
        r.delete("watched")
        got = []
        deadline = time.monotonic() + 5
        while len(got) < 3 and time.monotonic() < deadline:
            m = p.get_message(timeout=1)
            if m:
                got.append((m["channel"], m["data"]))
        assert got == [(b"__keyspace@0__:watched", b"set"), (b"__keyspace@0__:watched", b"incrby"),
                       (b"__keyspace@0__:watched", b"del")]
    finally:
        r.config_set("notify-keyspace-events", "")
        p.close()
        r.close()
