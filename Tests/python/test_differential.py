"""Differential tests: every script in differential/ runs on keyward-server and
on the real redis-server, in RESP2 and RESP3, and the replies must be equal
byte for byte (except where a line's directive says otherwise; see
harness/script.py for the format)."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.script import load_script, run_pair, script_requires

SCRIPTS = sorted((Path(__file__).parent / "differential").glob("*.txt"))

# The password the scripts use when they test AUTH; reset() clears it even if a
# script failed half-way and left it set.
TEST_PASSWORD = "keyward-test-pass"


# Settings scripts may change, with the values both servers start with.
DEFAULTS = [("requirepass", ""), ("maxmemory", "0"), ("maxmemory-policy", "noeviction"),
            ("slowlog-log-slower-than", "10000"), ("slowlog-max-len", "128"),
            ("latency-monitor-threshold", "0"), ("timeout", "0"), ("hz", "10"),
            ("notify-keyspace-events", ""), ("lazyfree-lazy-user-flush", "no")]


def reset(server):
    """A clean slate between scripts on the long-lived servers."""
    with server.connect() as c:
        c.call("AUTH", TEST_PASSWORD)   # harmless error when no password is set
        # Errors are ignored: a server may lack one of these and the script
        # itself will show that.
        for name, value in DEFAULTS:
            c.call("CONFIG", "SET", name, value)
        for cmd in (("FLUSHALL",), ("SLOWLOG", "RESET"), ("CONFIG", "RESETSTAT")):
            c.call(*cmd)


def missing_commands(server, names):
    """The names COMMAND INFO reports as unknown (none if it cannot tell)."""
    if not names:
        return []
    with server.connect() as c:
        reply = c.call("COMMAND", "INFO", *names).to_py()
    if not isinstance(reply, list):
        return []
    return [n for n, info in zip(names, reply) if info is None]


@pytest.mark.parametrize("protocol", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script(script, protocol, keyward, redis):
    steps = load_script(script)
    missing = missing_commands(keyward, script_requires(script))
    if missing:
        pytest.skip(f"keyward-server lacks {', '.join(missing)} (needed to set up this script)")
    reset(keyward)
    reset(redis)
    with keyward.connect() as ours, redis.connect() as theirs:
        if protocol == 3:
            for conn, who in ((ours, "keyward"), (theirs, "redis")):
                hello = conn.call("HELLO", "3")
                assert hello.kind == "%", f"{who}: HELLO 3 did not return a map: {hello.raw!r}"
        mismatches = run_pair(script.name, steps, ours, theirs, protocol)
    crashed = [s.name for s in (keyward, redis) if not s.alive()]
    if mismatches or crashed:
        lines = [f"{len(mismatches)} mismatch(es) in {script.name} (RESP{protocol})"
                 + (" — first one listed first; later ones may cascade" if len(mismatches) > 1 else "")]
        lines += [str(m) for m in mismatches]
        if crashed:
            lines.append(f"server(s) died: {', '.join(crashed)}")
        pytest.fail("\n".join(lines), pytrace=False)


def test_scripts_exist():
    assert SCRIPTS, "no differential scripts found"
