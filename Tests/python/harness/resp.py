"""A deliberately small RESP2/RESP3 client for byte-exact comparisons.

redis-py decodes replies, which hides exactly what the differential tests must
see (`+OK` vs `$2 OK`, `:1` vs `#t`, map vs flat array). This module keeps the
raw bytes of every reply next to a parsed tree, so a test can compare bytes or,
where servers may legitimately differ, only the shape.
"""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

CRLF = b"\r\n"

# Reply kinds whose payload is one line.
LINE_KINDS = set(b"+-:,#(_")
# Reply kinds whose payload is a length-prefixed blob.
BLOB_KINDS = set(b"$!=")
# Aggregates: '*' array, '~' set, '>' push have N children; '%' map and '|'
# attribute have 2N.
AGG_KINDS = {ord("*"): 1, ord("~"): 1, ord(">"): 1, ord("%"): 2, ord("|"): 2}


class Incomplete(Exception):
    """The buffer does not yet hold a whole reply."""


class ProtocolViolation(Exception):
    """The server sent something that is not RESP."""


@dataclass
class Node:
    kind: str            # the type byte as a 1-char str: '+', '$', '*', '%' ...
    raw: bytes           # the exact bytes of this reply (attributes included)
    children: list["Node"] = field(default_factory=list)
    payload: bytes = b""  # line or blob content for scalars

    @property
    def is_null(self) -> bool:
        return self.kind == "_" or (self.kind in "$*" and self.raw.startswith((b"$-1", b"*-1")))

    @property
    def is_error(self) -> bool:
        return self.kind in "-!"

    def shape(self):
        """Types and aggregate sizes, recursively, without scalar contents."""
        if self.kind in "*~>%|":
            if self.is_null:
                return (self.kind, "null")
            return (self.kind, len(self.children), tuple(c.shape() for c in self.children))
        return ("null" if self.is_null else self.kind,)

    def canonical(self):
        """Contents with every aggregate's elements sorted (maps by pairs):
        equal for two replies that hold the same multisets."""
        if self.kind in "*~>%|" and not self.is_null:
            items = [c.canonical() for c in self.children]
            if self.kind in "%|":
                items = [items[i:i + 2] for i in range(0, len(items), 2)]
            return (self.kind, len(self.children), tuple(sorted(map(repr, items))))
        return (self.kind, self.raw)

    def canonical_pairs(self):
        """For a RESP2 flat array of field/value pairs (CONFIG GET): sort pairs."""
        if self.kind in "*%" and not self.is_null:
            items = [c.raw for c in self.children]
            pairs = sorted(tuple(items[i:i + 2]) for i in range(0, len(items), 2))
            return ("pairs", len(self.children), tuple(pairs))
        return (self.kind, self.raw)

    def to_py(self):
        """A plain Python value, for readable assertions."""
        k = self.kind
        if self.is_null:
            return None
        if k in "+":
            return self.payload.decode("latin-1")
        if k in "-!":
            return RespError(self.payload.decode("latin-1"))
        if k in ":(":
            return int(self.payload)
        if k == ",":
            return float(self.payload)
        if k == "#":
            return self.payload == b"t"
        if k in "$=":
            return self.payload
        if k in "*~>":
            return [c.to_py() for c in self.children]
        if k in "%|":
            vals = [c.to_py() for c in self.children]
            return {_hashable(vals[i]): vals[i + 1] for i in range(0, len(vals), 2)}
        raise ProtocolViolation(k)


class RespError(str):
    """An error reply as a value (so a test can assert on it)."""


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


def parse(buf: bytes | bytearray, pos: int = 0) -> tuple[Node, int]:
    """Parse one reply starting at `pos`; return it and the index after it.
    Raises Incomplete when more bytes are needed."""
    start = pos
    if pos >= len(buf):
        raise Incomplete
    kind = buf[pos]
    eol = buf.find(CRLF, pos + 1)
    if eol < 0:
        raise Incomplete
    line = bytes(buf[pos + 1:eol])
    after = eol + 2
    if kind == ord("|"):
        # An attribute decorates the reply that follows: keep both bytes.
        n = _int(line)
        p = after
        for _ in range(2 * n):
            _, p = parse(buf, p)
        inner, end = parse(buf, p)
        inner.raw = bytes(buf[start:end])
        return inner, end
    if kind in LINE_KINDS:
        return Node(chr(kind), bytes(buf[start:after]), payload=line), after
    if kind in BLOB_KINDS:
        n = _int(line)
        if n < 0:
            return Node(chr(kind), bytes(buf[start:after])), after
        end = after + n + 2
        if len(buf) < end:
            raise Incomplete
        if buf[end - 2:end] != CRLF:
            raise ProtocolViolation(f"blob not followed by CRLF: {bytes(buf[start:end])!r}")
        return Node(chr(kind), bytes(buf[start:end]), payload=bytes(buf[after:end - 2])), end
    if kind in AGG_KINDS:
        n = _int(line)
        if n < 0:
            return Node(chr(kind), bytes(buf[start:after])), after
        children = []
        p = after
        for _ in range(n * AGG_KINDS[kind]):
            child, p = parse(buf, p)
            children.append(child)
        return Node(chr(kind), bytes(buf[start:p]), children), p
    raise ProtocolViolation(f"unknown reply type byte {bytes([kind])!r} in {bytes(buf[start:start + 80])!r}")


def _int(line: bytes) -> int:
    try:
        return int(line)
    except ValueError:
        raise ProtocolViolation(f"bad length {line!r}") from None


def encode(args) -> bytes:
    """Encode one command as a RESP multibulk."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ConnectionClosed(Exception):
    pass


class Conn:
    """One TCP connection; replies are read one complete RESP value at a time."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(encode(args))

    def read(self, timeout: float | None = None) -> Node:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            if self.buf:
                try:
                    node, end = parse(self.buf)
                    del self.buf[:end]
                    return node
                except Incomplete:
                    pass
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no complete reply; buffered {bytes(self.buf[:200])!r}")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionClosed(f"closed; buffered {bytes(self.buf[:200])!r}")
            self.buf += chunk

    def call(self, *args) -> Node:
        self.send(*args)
        return self.read()

    def execute(self, *args):
        """Send a command and return the decoded reply (errors as RespError)."""
        return self.call(*args).to_py()

    def pending(self, wait: float = 0.05) -> bytes:
        """Whatever arrives within `wait` seconds (to prove a server stayed quiet)."""
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(65536)
            self.buf += chunk
        except (TimeoutError, socket.timeout, BlockingIOError):
            pass
        return bytes(self.buf)

    def drain_until_close(self, timeout: float = 5.0) -> tuple[bytes, bool]:
        """Read everything until the server closes (True) or `timeout` passes
        (False). A reset counts as a close."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bytes(self.buf), False
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (TimeoutError, socket.timeout):
                return bytes(self.buf), False
            except ConnectionResetError:
                return bytes(self.buf), True
            if not chunk:
                return bytes(self.buf), True
            self.buf += chunk
