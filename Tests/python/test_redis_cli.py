"""The real command-line tools against the server: redis-cli with arguments,
reading commands from stdin, --scan, -3 (RESP3), --pipe mass insertion, and
redis-benchmark. Each test also runs against the real redis-server."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from harness.resp import encode

CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
BENCH = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def cli(server, *args, stdin: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "-h", server.host, "-p", str(server.port), *args],
                          input=stdin if stdin is not None else b"", capture_output=True,
                          timeout=timeout)


def out(server, *args, **kw) -> str:
    p = cli(server, *args, **kw)
    assert p.returncode == 0, f"redis-cli {args} exited {p.returncode}: {p.stderr!r}"
    return p.stdout.decode("utf-8", "replace")


@pytest.fixture
def srv(target):
    out(target, "FLUSHALL")
    return target


def test_cli_with_arguments(srv):
    assert out(srv, "PING") == "PONG\n"
    assert out(srv, "SET", "k", "hello world") == "OK\n"
    assert out(srv, "GET", "k") == "hello world\n"
    assert out(srv, "GET", "missing") == "\n"
    assert out(srv, "INCR", "n") == "1\n"
    assert out(srv, "MSET", "a", "1", "b", "2") == "OK\n"
    assert out(srv, "MGET", "a", "missing", "b") == "1\n\n2\n"
    assert out(srv, "--no-raw", "MGET", "a", "missing") == '1) "1"\n2) (nil)\n'
    assert out(srv, "--no-raw", "INCR", "n") == "(integer) 2\n"
    assert out(srv, "--no-raw", "GET", "missing") == "(nil)\n"
    assert out(srv, "DBSIZE") == "4\n"
    err = out(srv, "NOSUCHCMD", "x")
    assert err.startswith("ERR unknown command 'NOSUCHCMD', with args beginning with: 'x'")
    assert out(srv, "--no-raw", "SET", "k") == "(error) ERR wrong number of arguments for 'set' command\n"


def test_cli_reads_commands_from_stdin(srv):
    script = b"SET a 1\nINCR a\nGET a\nGET nope\nAPPEND s \"x y\"\nGET s\nNOSUCH\nDBSIZE\n"
    assert out(srv, stdin=script) == (
        "OK\n2\n2\n\n3\nx y\nERR unknown command 'NOSUCH', with args beginning with: \n\n2\n")


def test_cli_scan(srv):
    with srv.connect() as c:
        for i in range(0, 500, 50):
            args = ["MSET"]
            for j in range(i, i + 50):
                args += [f"user:{j}", str(j)]
            c.call(*args)
        c.call("SET", "other", "x")
    keys = out(srv, "--scan").split()
    assert sorted(keys) == sorted([f"user:{i}" for i in range(500)] + ["other"])
    keys = out(srv, "--scan", "--pattern", "user:1*").split()
    assert sorted(keys) == sorted(f"user:{i}" for i in range(500) if str(i).startswith("1"))


def test_cli_resp3(srv):
    assert out(srv, "-3", "SET", "k", "v") == "OK\n"
    assert out(srv, "-3", "GET", "k") == "v\n"
    assert out(srv, "-3", "CONFIG", "GET", "maxmemory") == "maxmemory 0\n"
    hello = out(srv, "-3", "--no-raw", "HELLO", "3")
    assert '3# "proto" => (integer) 3\n' in hello, hello
    assert "proto 3\n" in out(srv, "-3", "HELLO", "3")
    assert out(srv, "-3", "--no-raw", "GET", "missing") == "(nil)\n"
    assert out(srv, "-3", "--no-raw", "INCR", "n") == "(integer) 1\n"


def test_cli_pipe_mass_insert(srv):
    payload = b"".join(encode(["SET", f"mass:{i}", f"value-{i}"]) for i in range(10_000))
    p = cli(srv, "--pipe", stdin=payload, timeout=120)
    text = p.stdout.decode() + p.stderr.decode()
    assert p.returncode == 0, text
    assert "errors: 0, replies: 10000" in text, text
    assert out(srv, "DBSIZE") == "10000\n"
    assert out(srv, "GET", "mass:9999") == "value-9999\n"


def test_redis_benchmark(srv):
    p = subprocess.run([BENCH, "-h", srv.host, "-p", str(srv.port), "-t", "set,get,incr,mset",
                        "-q", "-n", "2000"], capture_output=True, timeout=300)
    text = (p.stdout + p.stderr).decode("utf-8", "replace")
    assert p.returncode == 0, text
    lines = [l.strip() for l in re.split(r"[\r\n]+", text) if "requests per second" in l]
    tests = {l.split(":")[0] for l in lines}
    assert {"SET", "GET", "INCR", "MSET (10 keys)"} <= tests, text
    assert "error" not in text.lower(), text
