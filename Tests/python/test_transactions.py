"""Transactions between real connections: WATCH races driven by a second
connection (writes, expiry, FLUSHALL, SWAPDB, DEL of a missing key), redis-py's
pipeline(transaction=True) and Redis.transaction(fn, *watches), and blocking
commands inside MULTI answering at once while another connection blocked on the
same key is still woken by a push from the transaction. Every test runs on the
real redis-server 7.0.15 and on keyward-server (the `target` fixture), which
proves the assertions themselves.

Waiting is on facts (INFO's blocked_clients), except where the test is about
time passing (a TTL running out)."""
from __future__ import annotations

import threading
import time

import pytest
import redis as redispy


def connect(target, **extra):
    return redispy.Redis(host=target.host, port=target.port, socket_timeout=10, **extra)


@pytest.fixture
def r(target):
    c = connect(target)
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def other(target):
    c = connect(target)
    yield c
    c.close()


def wait_blocked(ctl, n, timeout=5.0):
    deadline = time.monotonic() + timeout
    while (got := ctl.info("clients")["blocked_clients"]) != n:
        if time.monotonic() > deadline:
            raise AssertionError(f"blocked_clients is {got}, expected {n}")
        time.sleep(0.005)


def watched_exec(r, key, race):
    """WATCH key on a pipeline of `r`, let `race` act on another connection, then
    MULTI SET/EXEC: True when the transaction ran."""
    with r.pipeline(transaction=True) as p:
        p.watch(key)
        race()
        p.multi()
        p.set("ran", "yes")
        try:
            p.execute()
            return True
        except redispy.WatchError:
            return False


def test_watch_race_with_a_write(r, other):
    r.set("k", "1")
    assert not watched_exec(r, "k", lambda: other.set("k", "2"))
    assert not watched_exec(r, "k", lambda: other.incr("k"))
    assert r.get("ran") is None
    assert watched_exec(r, "k", lambda: other.set("unrelated", "1"))
    assert r.get("ran") == b"yes"


def test_watch_race_with_expiry(r, other):
    # PEXPIRE itself is a write; the key then vanishes before EXEC.
    r.set("k", "1")
    assert not watched_exec(r, "k", lambda: (other.pexpire("k", 1), time.sleep(0.05)))
    # A TTL that runs out with nobody touching the key still fails the EXEC.
    r.set("k", "1", px=50)
    assert not watched_exec(r, "k", lambda: time.sleep(0.15))
    # A key that had already expired when watched counts as missing: its
    # deletion by a read changes nothing, a new value does.
    r.set("k", "1", px=20)
    time.sleep(0.1)
    assert watched_exec(r, "k", lambda: other.get("k"))
    r.set("k", "1", px=20)
    time.sleep(0.1)
    assert not watched_exec(r, "k", lambda: other.set("k", "2"))


def test_watch_race_with_flushall(r, other):
    assert watched_exec(r, "missing", lambda: other.flushall())
    r.set("k", "1")
    assert not watched_exec(r, "k", lambda: other.flushall())
    r.set("k", "1")
    assert not watched_exec(r, "k", lambda: other.flushdb())


def test_watch_race_with_swapdb(r, other):
    assert watched_exec(r, "k", lambda: other.swapdb(0, 1)), "missing on both sides"
    other.execute_command("SELECT", 1)
    other.set("k", "in db1")
    other.execute_command("SELECT", 0)
    assert not watched_exec(r, "k", lambda: other.swapdb(0, 1)), "swapped in"
    assert not watched_exec(r, "k", lambda: other.swapdb(0, 1)), "swapped out"
    assert watched_exec(r, "k", lambda: other.swapdb(0, 0))


def test_watch_race_with_del_of_missing_key(r, other):
    assert watched_exec(r, "nokey", lambda: other.delete("nokey"))
    r.set("k", "1")
    assert not watched_exec(r, "k", lambda: other.delete("k"))


def test_watch_is_per_database(target, r):
    with connect(target, db=3) as db3:
        assert watched_exec(r, "k", lambda: db3.set("k", "in db3"))
        assert not watched_exec(db3, "k", lambda: db3.set("k", "again"))


def test_pipeline_transaction(target, r, other):
    with r.pipeline(transaction=True) as p:
        p.set("a", "1").incr("a").lpush("a", "x").get("a")
        res = p.execute(raise_on_error=False)
    assert res[:2] == [True, 2]
    assert isinstance(res[2], redispy.ResponseError) and "WRONGTYPE" in str(res[2])
    assert res[3] == b"2"
    # A queueing error aborts the whole block.
    with r.pipeline(transaction=True) as p:
        p.set("b", "1").execute_command("NOSUCHCOMMAND")
        with pytest.raises(redispy.ResponseError) as e:
            p.execute()
    assert "EXECABORT" in str(e.value) or "unknown command" in str(e.value)
    assert r.exists("b") == 0
    # Nothing of a transaction is visible before its EXEC.
    with target.connect() as raw:
        assert raw.call("MULTI").raw == b"+OK\r\n"
        assert raw.call("SET", "c", "1").raw == b"+QUEUED\r\n"
        assert other.exists("c") == 0
        assert raw.call("EXEC").raw == b"*1\r\n+OK\r\n"
    assert other.get("c") == b"1"


def test_transaction_helper_retries_after_a_race(r, other):
    r.set("counter", "10")
    attempts = []

    def incr_by_hand(pipe):
        attempts.append(1)
        value = int(pipe.get("counter"))
        if len(attempts) == 1:
            other.set("counter", "100")     # the race: the first attempt must fail
        pipe.multi()
        pipe.set("counter", value + 1)

    r.transaction(incr_by_hand, "counter")
    assert len(attempts) == 2
    assert r.get("counter") == b"101"


def test_client_list_shows_the_transaction(target, r, other):
    with connect(target) as a:
        a_id = a.client_id()
        a.execute_command("MULTI")
        a.execute_command("SET", "k", "v")
        a.execute_command("PING")
        line = other.client_list(client_id=[a_id])[0]
        assert line["flags"] == "x" and line["multi"] == "2" and line["multi-mem"] == "41"
        a.execute_command("DISCARD")
        line = other.client_list(client_id=[a_id])[0]
        assert line["flags"] == "N" and line["multi"] == "-1"
        a.execute_command("WATCH", "k")
        other.set("k", "changed")
        assert other.client_list(client_id=[a_id])[0]["flags"] == "d"


class Blocked(threading.Thread):
    def __init__(self, target, *args):
        super().__init__(daemon=True)
        self.conn = connect(target)
        self.args = args
        self.result = None
        self.start()

    def run(self):
        self.result = self.conn.execute_command(*self.args)

    def get(self):
        self.join(5)
        assert not self.is_alive(), f"{self.args} is still blocked"
        self.conn.close()
        return self.result


def test_blocking_commands_inside_multi_answer_at_once(target, r):
    waiter = Blocked(target, "BLPOP", "q", 0)
    zwaiter = Blocked(target, "BZPOPMIN", "z", 0)
    wait_blocked(r, 2)
    with connect(target) as a:
        with a.pipeline(transaction=True) as p:
            p.execute_command("BLPOP", "q", 0)
            p.execute_command("BZPOPMIN", "z", 0)
            p.execute_command("BLMOVE", "q", "dst", "LEFT", "LEFT", 0)
            p.rpush("q", "v1")
            p.zadd("z", {"m": 1})
            p.execute_command("BLPOP", "q", 0)     # data is there now: served inside
            start = time.monotonic()
            res = p.execute()
            assert time.monotonic() - start < 2
        assert res[:3] == [None, None, None]
        assert res[3] == 1 and res[4] == 1
        assert list(res[5]) == [b"q", b"v1"]
        # The push was consumed inside; the waiter on q stays blocked, the one
        # on z was served by the ZADD once EXEC was done.
        assert list(zwaiter.get()) == [b"z", b"m", 1.0]
        wait_blocked(r, 1)
        with a.pipeline(transaction=True) as p:
            p.rpush("q", "v2")
            p.execute_command("BLMOVE", "nosuch", "dst", "LEFT", "LEFT", 0)
            assert p.execute() == [1, None]
    assert list(waiter.get()) == [b"q", b"v2"]
    wait_blocked(r, 0)
    assert r.exists("q", "z", "dst") == 0
