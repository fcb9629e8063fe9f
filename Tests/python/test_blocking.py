"""Blocking list commands between real processes: several redis-py connections
(and raw sockets where pipelining matters) against keyward-server and the real
redis-server 7.0.15 (the `target` fixture runs every test on both, which proves
the assertions themselves).

Waiting is on facts, not sleeps: a test waits until INFO's blocked_clients
says the server has parked the client, then acts.

One documented difference: when a key a client waits on is overwritten with
another type, Redis 7.0 leaves the client blocked, while keyward re-runs the
blocked command (Redis 7.2's model) and answers WRONGTYPE. The test asserts
each server's behaviour."""
from __future__ import annotations

import socket
import threading
import time

import pytest
import redis as redispy


def connect(target, **extra):
    return redispy.Redis(host=target.host, port=target.port, socket_timeout=10, **extra)


@pytest.fixture
def ctl(target):
    c = connect(target)
    c.flushall()
    yield c
    c.close()


def wait_blocked(ctl, n, timeout=5.0):
    """Until the server reports exactly `n` blocked clients."""
    deadline = time.monotonic() + timeout
    while True:
        got = ctl.info("clients")["blocked_clients"]
        if got == n:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"blocked_clients is {got}, expected {n}")
        time.sleep(0.005)


class Call(threading.Thread):
    """Runs one command on its own connection in the background."""

    def __init__(self, target, *args):
        super().__init__(daemon=True)
        self.conn = connect(target)
        self.id = self.conn.client_id()
        self.args = args
        self.result = None
        self.error = None
        self.start()

    def run(self):
        try:
            self.result = self.conn.execute_command(*self.args)
        except Exception as e:  # noqa: BLE001 - the test inspects it
            self.error = e

    def get(self, timeout=5.0):
        self.join(timeout)
        assert not self.is_alive(), f"{self.args} is still blocked"
        self.conn.close()
        if self.error:
            raise self.error
        return list(self.result) if isinstance(self.result, (list, tuple)) else self.result


def blocked_call(target, ctl, n, *args):
    """Starts `args` and waits until it is the n-th blocked client."""
    call = Call(target, *args)
    wait_blocked(ctl, n)
    return call


def test_waiters_are_served_in_arrival_order(target, ctl):
    waiters = [blocked_call(target, ctl, i + 1, "BLPOP", "q", 0) for i in range(3)]
    assert ctl.rpush("q", "a", "b") == 2
    assert waiters[0].get() == [b"q", b"a"]
    assert waiters[1].get() == [b"q", b"b"]
    wait_blocked(ctl, 1)
    assert ctl.exists("q") == 0
    ctl.lpush("q", "c")
    assert waiters[2].get() == [b"q", b"c"]
    wait_blocked(ctl, 0)


def test_timeout_returns_nil_after_it_passes(target, ctl):
    c = connect(target)
    start = time.monotonic()
    assert c.execute_command("BLPOP", "nokey", "0.1") is None
    elapsed = time.monotonic() - start
    assert 0.1 <= elapsed < 2.0
    start = time.monotonic()
    assert c.execute_command("BLMOVE", "nokey", "dst", "LEFT", "LEFT", "0.1") is None
    assert time.monotonic() - start >= 0.1
    c.close()


def test_zero_timeout_waits_until_served(target, ctl):
    call = blocked_call(target, ctl, 1, "BRPOP", "q", 0)
    call.join(0.3)
    assert call.is_alive()
    wait_blocked(ctl, 1)
    ctl.rpush("q", "x", "y")
    assert call.get() == [b"q", b"y"]
    assert ctl.lrange("q", 0, -1) == [b"x"]


def test_blmove_chain(target, ctl):
    first = blocked_call(target, ctl, 1, "BLMOVE", "a", "b", "RIGHT", "LEFT", 0)
    second = blocked_call(target, ctl, 2, "BLMOVE", "b", "c", "RIGHT", "LEFT", 0)
    last = blocked_call(target, ctl, 3, "BRPOPLPUSH", "c", "d", 0)
    ctl.rpush("a", "item")
    assert first.get() == b"item"
    assert second.get() == b"item"
    assert last.get() == b"item"
    assert ctl.lrange("d", 0, -1) == [b"item"]
    assert sorted(ctl.keys("*")) == [b"d"]


def test_blpop_on_several_keys(target, ctl):
    call = blocked_call(target, ctl, 1, "BLPOP", "k1", "k2", "k3", 0)
    ctl.rpush("k3", "v3")
    assert call.get() == [b"k3", b"v3"]
    mp = blocked_call(target, ctl, 1, "BLMPOP", 0, 2, "k1", "k2", "RIGHT", "COUNT", 5)
    ctl.rpush("k2", "a", "b")
    assert mp.get() == [b"k2", [b"b", b"a"]]


def test_key_overwritten_or_deleted_while_waiting(target, ctl):
    call = blocked_call(target, ctl, 1, "BLPOP", "k", 0)
    ctl.set("k", "a string")
    if target.name == "redis":
        # Redis 7.0: the client stays blocked through the type change and the deletion,
        # and is served once the key is a list again.
        call.join(0.2)
        assert call.is_alive()
        ctl.delete("k")
        wait_blocked(ctl, 1)
        ctl.rpush("k", "v")
        assert call.get() == [b"k", b"v"]
    else:
        # keyward (like Redis 7.2) re-runs the command, which answers WRONGTYPE.
        with pytest.raises(redispy.ResponseError, match="WRONGTYPE"):
            call.get()
        ctl.delete("k")
        again = blocked_call(target, ctl, 1, "BLPOP", "k", 0)
        ctl.delete("k")
        again.join(0.2)
        assert again.is_alive()   # a deletion alone wakes nobody up for good
        ctl.rpush("k", "v")
        assert again.get() == [b"k", b"v"]
    wait_blocked(ctl, 0)


def test_client_unblock(target, ctl):
    call = blocked_call(target, ctl, 1, "BLPOP", "q", 0)
    assert ctl.client_unblock(call.id) == 1
    assert call.get() is None
    call = blocked_call(target, ctl, 1, "BLMOVE", "q", "d", "LEFT", "LEFT", 0)
    assert ctl.client_unblock(call.id, error=True) == 1
    with pytest.raises(redispy.ResponseError, match="UNBLOCKED client unblocked via CLIENT UNBLOCK"):
        call.get()
    assert ctl.client_unblock(ctl.client_id()) == 0
    wait_blocked(ctl, 0)


def raw_socket(target):
    s = socket.create_connection((target.host, target.port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return data


def test_pipelined_commands_wait_behind_blpop(target, ctl):
    s = raw_socket(target)
    s.sendall(b"BLPOP q 0\r\nPING\r\nLLEN q\r\nECHO after\r\n")
    wait_blocked(ctl, 1)
    s.settimeout(0.2)
    with pytest.raises(socket.timeout):
        s.recv(100)
    s.settimeout(5)
    ctl.rpush("q", "v")
    expected = b"*2\r\n$1\r\nq\r\n$1\r\nv\r\n+PONG\r\n:0\r\n$5\r\nafter\r\n"
    assert recv_exactly(s, len(expected)) == expected
    s.close()


def test_blocked_client_disconnecting(target, ctl):
    gone = raw_socket(target)
    gone.sendall(b"BLPOP q 0\r\n")
    wait_blocked(ctl, 1)
    stays = blocked_call(target, ctl, 2, "BLPOP", "q", 0)
    gone.close()
    wait_blocked(ctl, 1)
    ctl.rpush("q", "v1", "v2")
    assert stays.get() == [b"q", b"v1"]
    assert ctl.lrange("q", 0, -1) == [b"v2"]
    # The server is fine afterwards: a new waiter, a timeout, a normal command.
    assert connect(target).execute_command("BLPOP", "nokey", "0.05") is None
    assert ctl.ping() is True
