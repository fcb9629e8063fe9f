"""Differential command scripts: parsing, running against two servers in
lockstep, and comparing the replies byte for byte.

Script format (one command per line, redis-cli quoting, see split_args):

    # comment                      ignored, as are blank lines
    SET k "a b\\x00"               compared byte for byte
    !sorted KEYS *                 compare as multisets (each aggregate sorted)
    !pairs CONFIG GET max*         RESP2 flat field/value list: sort as pairs
    !shape TIME                    compare reply types and aggregate sizes only
    !type CLIENT ID                compare only the top-level reply type
    !ignore RANDOMKEY              send, read the reply, don't compare
    !noreply CLIENT REPLY OFF      send, expect no reply at all (checked)
    !inline PING "a b"             send the text as an inline command
    !resp2 / !resp3 CMD            only in that protocol run
    !sleep 1.1                     pause (expiry tests)
    #! requires: rpush sadd        skip the whole script (visibly) while the
                                   server under test lacks these commands

Directives can be combined (`!resp3 !shape HELLO`).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .resp import Conn, ConnectionClosed, Node

DIRECTIVES = {"sorted", "pairs", "shape", "type", "ignore", "noreply", "inline", "resp2", "resp3"}

_SPACE = b" \n\r\t\v\f"
_HEX = b"0123456789abcdefABCDEF"


def split_args(line: str | bytes) -> list[bytes]:
    """redis-cli's argument splitter (sds.c sdssplitargs): double quotes with
    \\xHH \\n \\r \\t \\b \\a escapes, single quotes with only \\', and a closing
    quote must be followed by a space or the end."""
    s = line.encode() if isinstance(line, str) else line
    n = len(s)
    p = 0
    args: list[bytes] = []
    while True:
        while p < n and s[p] in _SPACE:
            p += 1
        if p >= n:
            return args
        inq = insq = done = False
        cur = bytearray()
        while not done:
            c = s[p] if p < n else None
            if inq:
                if c is None:
                    raise ValueError(f"unbalanced quotes: {line!r}")
                if (c == 0x5C and p + 3 < n and s[p + 1] == ord("x")
                        and s[p + 2] in _HEX and s[p + 3] in _HEX):
                    cur.append(int(s[p + 2:p + 4], 16))
                    p += 3
                elif c == 0x5C and p + 1 < n:
                    p += 1
                    cur.append({ord("n"): 10, ord("r"): 13, ord("t"): 9,
                                ord("b"): 8, ord("a"): 7}.get(s[p], s[p]))
                elif c == ord('"'):
                    if p + 1 < n and s[p + 1] not in _SPACE:
                        raise ValueError(f"closing quote must be followed by a space: {line!r}")
                    done = True
                else:
                    cur.append(c)
            elif insq:
                if c is None:
                    raise ValueError(f"unbalanced quotes: {line!r}")
                if c == 0x5C and p + 1 < n and s[p + 1] == ord("'"):
                    p += 1
                    cur.append(ord("'"))
                elif c == ord("'"):
                    if p + 1 < n and s[p + 1] not in _SPACE:
                        raise ValueError(f"closing quote must be followed by a space: {line!r}")
                    done = True
                else:
                    cur.append(c)
            else:
                if c is None or c in b" \n\r\t\0":
                    done = True
                elif c == ord('"'):
                    inq = True
                elif c == ord("'"):
                    insq = True
                else:
                    cur.append(c)
            if p < n:
                p += 1
        args.append(bytes(cur))


@dataclass
class Step:
    lineno: int
    text: str
    args: list[bytes] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    sleep: float = 0.0
    inline: bytes = b""


def parse_script(text: str) -> list[Step]:
    steps = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        flags: set[str] = set()
        rest = line
        while rest.startswith("!"):
            word, _, tail = rest.partition(" ")
            name = word[1:]
            if name == "sleep":
                steps.append(Step(lineno, line, sleep=float(tail.strip())))
                rest = ""
                break
            if name not in DIRECTIVES:
                raise ValueError(f"line {lineno}: unknown directive {word}")
            flags.add(name)
            rest = tail.lstrip()
        if not rest:
            continue
        step = Step(lineno, line, flags=flags)
        if "inline" in flags:
            step.inline = rest.encode() + b"\r\n"
        else:
            step.args = split_args(rest)
        steps.append(step)
    return steps


def load_script(path: Path) -> list[Step]:
    return parse_script(Path(path).read_text())


def script_requires(path: Path) -> list[str]:
    """Command names listed on `#! requires:` lines."""
    names: list[str] = []
    for line in Path(path).read_text().splitlines():
        if line.startswith("#! requires:"):
            names += line.split(":", 1)[1].split()
    return names


# -- running -----------------------------------------------------------------

NO_REPLY = "<no reply>"


def run_step(conn: Conn, step: Step):
    """Send one step; return its reply Node, NO_REPLY, or a '<...>' string
    describing a timeout or a closed connection."""
    try:
        if step.inline:
            conn.send_raw(step.inline)
        else:
            conn.send(*step.args)
        if "noreply" in step.flags:
            extra = conn.pending(0.05)
            return NO_REPLY if not extra else f"<unexpected reply {extra!r}>"
        return conn.read()
    except ConnectionClosed as e:
        return f"<connection closed: {e}>"
    except (TimeoutError, OSError) as e:
        return f"<{type(e).__name__}: {e}>"


def comparable(step: Step, reply):
    if isinstance(reply, str):
        return reply
    f = step.flags
    if "type" in f:
        return ("type", "null" if reply.is_null else reply.kind)
    if "shape" in f:
        return reply.shape()
    if "pairs" in f:
        return reply.canonical_pairs()
    if "sorted" in f:
        return reply.canonical()
    return reply.raw


def show(reply) -> str:
    return reply if isinstance(reply, str) else repr(reply.raw)


@dataclass
class Mismatch:
    script: str
    step: Step
    ours: object
    theirs: object

    def __str__(self):
        return (f"{self.script}:{self.step.lineno}: {self.step.text}\n"
                f"    keyward: {show(self.ours)}\n"
                f"    redis:   {show(self.theirs)}")


def run_pair(name: str, steps: list[Step], ours: Conn, theirs: Conn, protocol: int,
             limit: int = 25) -> list[Mismatch]:
    """Run the steps on both connections in lockstep (so time-dependent lines
    see nearly the same clock) and collect mismatches."""
    mismatches: list[Mismatch] = []
    for step in steps:
        if step.sleep:
            time.sleep(step.sleep)
            continue
        if f"resp{5 - protocol}" in step.flags and f"resp{protocol}" not in step.flags:
            continue
        a = run_step(ours, step)
        b = run_step(theirs, step)
        if "ignore" in step.flags and not isinstance(a, str) and not isinstance(b, str):
            continue
        if comparable(step, a) != comparable(step, b):
            mismatches.append(Mismatch(name, step, a, b))
            if len(mismatches) >= limit:
                break
        if isinstance(a, str) and a.startswith("<") and a != NO_REPLY:
            break   # our connection is gone or stuck: the rest would only cascade
        if isinstance(b, str) and b.startswith("<") and b != NO_REPLY:
            break
    return mismatches


def dump(steps: list[Step], conn: Conn, protocol: int, out=sys.stdout):
    """Print each command and its raw reply (for writing and debugging scripts)."""
    for step in steps:
        if step.sleep:
            time.sleep(step.sleep)
            continue
        if f"resp{5 - protocol}" in step.flags and f"resp{protocol}" not in step.flags:
            continue
        reply = run_step(conn, step)
        print(f"{step.lineno:4}: {step.text}\n      -> {show(reply)}", file=out)


def main(argv=None):
    """python -m harness.script [--port P] [--port2 Q] [-3] script.txt ...
    With one port: print replies. With two: print mismatches (P = keyward)."""
    import argparse
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--port2", type=int)
    ap.add_argument("-3", dest="resp3", action="store_true")
    ap.add_argument("scripts", nargs="+")
    a = ap.parse_args(argv)
    proto = 3 if a.resp3 else 2
    bad = 0
    for path in a.scripts:
        steps = load_script(Path(path))
        conns = [Conn(a.host, a.port)] + ([Conn(a.host, a.port2)] if a.port2 else [])
        for c in conns:
            c.call("FLUSHALL")
            if proto == 3:
                c.call("HELLO", "3")
        if a.port2:
            for m in run_pair(Path(path).name, steps, conns[0], conns[1], proto):
                bad += 1
                print(m)
        else:
            dump(steps, conns[0], proto)
        for c in conns:
            c.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
