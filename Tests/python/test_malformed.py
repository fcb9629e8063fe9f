"""Malformed and hostile input: the server must answer exactly as Redis does
(same error text, same decision to close the connection), never crash, and
keep its data. Each case runs on the real redis-server and on keyward-server
and the bytes each sends back are compared."""
from __future__ import annotations

import random
import socket
import time

import pytest

from harness.resp import Conn, encode

SENTINELS = {b"malformed:sentinel": b"still here", b"malformed:\x00bin": b"\x00\xff\r\n"}

# (name, bytes sent). After sending, the client waits briefly: a server that
# closes on its own is recorded as such; otherwise the client half-closes and
# collects the rest.
CASES = [
    ("negative-multibulk-count", b"*-5\r\n*1\r\n$4\r\nPING\r\n"),
    ("zero-multibulk-count", b"*0\r\nPING\r\n"),
    ("dollar-as-inline", b"$99999999999\r\n"),
    ("huge-bulk-length", b"*1\r\n$99999999999\r\n"),
    ("bulk-over-proto-max-bulk-len", b"*1\r\n$600000000\r\n"),
    ("negative-bulk-length", b"*1\r\n$-5\r\n"),
    ("non-numeric-bulk-length", b"*1\r\n$abc\r\n"),
    ("non-numeric-multibulk-count", b"*abc\r\n"),
    ("multibulk-count-over-int-max", b"*3000000000\r\n"),
    ("integer-instead-of-bulk", b"*1\r\n:5\r\n"),
    ("bulk-not-followed-by-crlf", b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n"),
    ("unterminated-bulk-then-close", b"*2\r\n$3\r\nSET\r\n$10\r\nabc"),
    ("million-element-multibulk-then-close", b"*1000000\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n"),
    ("inline-unbalanced-double-quote", b'SET "a b\r\n'),
    ("inline-unbalanced-single-quote", b"SET 'a b\r\n"),
    ("inline-closing-quote-not-followed-by-space", b'ECHO "a"b\r\n'),
    ("inline-70kb-without-newline", b"A" * 70 * 1024),
    ("multibulk-count-70kb-without-newline", b"*" + b"1" * 70 * 1024),
    ("bulk-length-70kb-without-newline", b"*1\r\n$" + b"1" * 70 * 1024),
    ("inline-empty-lines-and-lf-only", b"\r\n\n\r\nPING\nPING\r\n"),
    ("inline-then-protocol-error", b"PING\r\nECHO x\r\n*1\r\n$x\r\nPING\r\n"),
    ("pipeline-then-error-mid-way", encode(["SET", "malformed:tmp", "1"]) + encode(["GET", "malformed:tmp"])
     + b"*1\r\n:1\r\n" + encode(["PING"])),
    ("nul-bytes-inline", b"\x00\x00\x00\r\n"),
    ("nul-in-command-name", encode([b"GE\x00T", b"k"])),
    ("bulk-with-spaces-in-length", b"*1\r\n$ 4\r\nPING\r\n"),
    ("multibulk-with-plus-sign", b"*+1\r\n$4\r\nPING\r\n"),
    ("crlf-split-as-lf-in-multibulk", b"*1\n$4\r\nPING\r\n"),
]


def exchange(server, data: bytes, settle: float = 0.3) -> tuple[bytes, bool]:
    """Send `data`; return (everything the server sent, whether it closed the
    connection by itself)."""
    c = Conn(server.host, server.port, timeout=10)
    try:
        try:
            c.send_raw(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out, closed = c.drain_until_close(settle)
        if not closed:
            try:
                c.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            out, _ = c.drain_until_close(10)
        return out, closed
    finally:
        c.close()


def plant(server):
    with server.connect() as c:
        for k, v in SENTINELS.items():
            assert c.call("SET", k, v).raw == b"+OK\r\n"


def check_healthy(server):
    assert server.alive(), f"{server.name} died"
    with server.connect() as c:
        assert c.call("PING").raw == b"+PONG\r\n", f"{server.name} does not answer PING"
        for k, v in SENTINELS.items():
            got = c.call("GET", k).to_py()
            assert got == v, f"{server.name}: {k!r} is {got!r}, expected {v!r}"


@pytest.mark.parametrize("name,data", CASES, ids=[c[0] for c in CASES])
def test_malformed_case(name, data, keyward, redis):
    for s in (keyward, redis):
        plant(s)
    theirs = exchange(redis, data)
    ours = exchange(keyward, data)
    check_healthy(redis)
    check_healthy(keyward)
    assert ours == theirs, (f"{name}: sent {data[:120]!r}{'...' if len(data) > 120 else ''}\n"
                            f"  keyward (closed={ours[1]}): {ours[0][:400]!r}\n"
                            f"  redis   (closed={theirs[1]}): {theirs[0][:400]!r}")


# -- random input ------------------------------------------------------------

# Fragments that steer random input into the interesting corners of both
# protocols. Only harmless command names appear (no FLUSHALL, CONFIG, DEBUG,
# SHUTDOWN, MONITOR ...), and random bytes come in blocks too short to spell one.
TOKENS = [b"*", b"$", b"-", b"+", b":", b"0", b"1", b"2", b"3", b"4", b"-1", b"99999999999",
          b"1000000", b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r", b" ", b"  ", b'"', b"'", b"\\",
          b"\\x", b"41", b"\\x4g", b"\x00", b"PING", b"ECHO", b"SET", b"GET", b"STRLEN",
          b"EXISTS", b"fz:a", b"fz:b", b"value", b"\xff"]


def random_payload(rng: random.Random) -> bytes:
    parts = []
    for _ in range(rng.randint(1, 40)):
        r = rng.random()
        if r < 0.15:
            parts.append(rng.randbytes(rng.randint(1, 3)))
        elif r < 0.25:
            cmd = rng.choice([["PING"], ["ECHO", "fz"], ["SET", "fz:a", "1"], ["GET", "fz:a"],
                              ["STRLEN", "fz:b"], ["SET", "fz:b", rng.randbytes(5)]])
            blob = encode(cmd)
            if rng.random() < 0.3:   # truncate or corrupt a well-formed command
                cut = rng.randint(0, len(blob))
                blob = blob[:cut] + rng.choice(TOKENS) + blob[cut + rng.randint(0, 3):]
            parts.append(blob)
        else:
            parts.append(rng.choice(TOKENS))
    return b"".join(parts)


def drain_halfclosed(server, data: bytes) -> bytes:
    """Send, half-close, and read until the server closes."""
    c = Conn(server.host, server.port, timeout=10)
    try:
        try:
            c.send_raw(data)
            c.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        out, closed = c.drain_until_close(10)
        assert closed, f"{server.name} kept a half-closed connection open for 10 s"
        return out
    finally:
        c.close()


def test_random_bytes(keyward, redis):
    for s in (keyward, redis):
        with s.connect() as c:
            c.call("FLUSHALL")
        plant(s)
    rng = random.Random(20261129)
    mismatches = []
    for i in range(300):
        data = random_payload(rng)
        theirs = drain_halfclosed(redis, data)
        ours = drain_halfclosed(keyward, data)
        if ours != theirs:
            mismatches.append(f"#{i}: sent {data!r}\n  keyward: {ours[:300]!r}\n  redis:   {theirs[:300]!r}")
        if not keyward.alive():
            break
    check_healthy(redis)
    check_healthy(keyward)
    assert not mismatches, f"{len(mismatches)} of 300 random inputs differ:\n" + "\n".join(mismatches[:5])


def test_pure_noise(keyward, redis):
    """Uniform random bytes: mostly inline garbage and protocol errors."""
    for s in (keyward, redis):
        plant(s)
    rng = random.Random(7)
    mismatches = []
    for i in range(100):
        data = rng.randbytes(rng.randint(1, 600))
        theirs = drain_halfclosed(redis, data)
        ours = drain_halfclosed(keyward, data)
        if ours != theirs:
            mismatches.append(f"#{i}: sent {data!r}\n  keyward: {ours[:300]!r}\n  redis:   {theirs[:300]!r}")
        if not keyward.alive():
            break
    check_healthy(redis)
    check_healthy(keyward)
    assert not mismatches, f"{len(mismatches)} of 100 noise inputs differ:\n" + "\n".join(mismatches[:5])


# -- resource bounds -----------------------------------------------------------

def vm_rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_huge_headers_do_not_preallocate(target):
    """A header promising a million arguments (or a 500 MB bulk) must not make
    the server allocate for it before the data arrives."""
    before = vm_rss_kb(target.pid)
    conns = []
    try:
        for i in range(20):
            c = target.connect()
            c.send_raw(b"*1000000\r\n$3\r\nSET\r\n$1\r\na\r\n")
            conns.append(c)
        for i in range(20):
            c = target.connect()
            c.send_raw(b"*2\r\n$3\r\nGET\r\n$500000000\r\nabc")
            conns.append(c)
        time.sleep(0.5)
        grown_mb = (vm_rss_kb(target.pid) - before) / 1024
        assert grown_mb < 64, f"{target.name} grew {grown_mb:.0f} MB for 40 idle half-sent commands"
        with target.connect() as c:
            assert c.call("PING").raw == b"+PONG\r\n"
    finally:
        for c in conns:
            c.close()
    time.sleep(0.1)
    check_alive = target.alive()
    assert check_alive
