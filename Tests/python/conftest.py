"""Fixtures that start keyward-server and the real redis-server.

`keyward`: the binary named by $KEYWARD_SERVER (default
<repo>/.build/debug/keyward-server). `redis`: `redis-server` from PATH (or
$REDIS_SERVER). Both run on free loopback ports without persistence. Each is
started once per session and restarted if a test crashed it; a failed test's
report ends with the tail of the logs of the servers it used.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.server import Server, ServerError, free_port  # noqa: F401  (re-exported for tests)

REPO = Path(__file__).resolve().parents[2]


def keyward_binary() -> str:
    return os.environ.get("KEYWARD_SERVER") or str(REPO / ".build" / "debug" / "keyward-server")


def redis_binary() -> str:
    return os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory):
    """Start extra servers: `server_factory("keyward", "--maxmemory", "1mb")`.
    Every server started this way is stopped at the end of the session."""
    started: list[Server] = []

    def make(which: str, *extra_args) -> Server:
        binary = keyward_binary() if which == "keyward" else redis_binary()
        workdir = tmp_path_factory.mktemp(which)
        srv = Server(binary, which, extra_args, workdir=workdir)
        started.append(srv)
        srv.start()
        return srv

    yield make
    for srv in started:
        srv.stop()


@pytest.fixture
def servers():
    """A list a test appends the servers it starts to; each is stopped after the test."""
    started: list[Server] = []
    yield started
    for s in started:
        s.stop()


@pytest.fixture(scope="session")
def _keyward_session(server_factory):
    return server_factory("keyward")


@pytest.fixture(scope="session")
def _redis_session(server_factory):
    return server_factory("redis")


@pytest.fixture
def keyward(_keyward_session) -> Server:
    return _keyward_session.ensure_running()


@pytest.fixture
def redis(_redis_session) -> Server:
    return _redis_session.ensure_running()


@pytest.fixture(params=["redis", "keyward"])
def target(request) -> Server:
    """The same test body against the real redis-server (to prove the test
    itself) and against keyward-server."""
    return request.getfixturevalue(request.param)


def _servers_of(item):
    seen = set()
    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, Server) and id(value) not in seen:
            seen.add(id(value))
            yield value


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        for srv in _servers_of(item):
            note = "" if srv.alive() else f"(process is DEAD, exit code {srv.proc.returncode})\n"
            if srv.crashes:
                note += "earlier crashes: " + "; ".join(srv.crashes) + "\n"
            rep.sections.append((f"{srv.name} server log", note + srv.log_tail()))
