"""`keyward lock list|show|unlock` as an operator runs them (issue 8): list (ADMIN LOCKS) on
keyward-server, show and unlock on keyward-server and on a real redis-server (the Redisson hash
itself), the confirmation (type the name on a terminal; refused without --yes when stdin is not
one) and the documented exit codes: 0 done, 1 not held, 2 server error, 3 refused, 64 usage.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import redis as redis_py

from conftest import keyward_binary

FENCED = ("if (redis.call('exists', KEYS[1]) == 0 or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then "
          "local token = redis.call('incr', KEYS[2]);redis.call('hincrby', KEYS[1], ARGV[2], 1); "
          "redis.call('pexpire', KEYS[1], ARGV[1]); return {-1, token}; end; "
          "return {redis.call('pttl', KEYS[1]), -1};")


def lock_cli(srv, *args, stdin=subprocess.DEVNULL, input=None):
    exe = str(Path(keyward_binary()).with_name("keyward"))
    return subprocess.run([exe, "lock", *args, "--seed", f"{srv.host}:{srv.port}"], capture_output=True,
                          text=True, timeout=30, stdin=None if input is not None else stdin, input=input,
                          env=dict(os.environ, KEYWARD_HOME="/nonexistent"))


def hold(srv, name, field="app-1:7"):
    r = redis_py.Redis(host=srv.host, port=srv.port)
    r.delete(name, f"redisson_lock_token:{{{name}}}")
    assert r.eval(FENCED, 2, name, f"redisson_lock_token:{{{name}}}", 30000, field) == [-1, 1]
    return r


@pytest.mark.parametrize("which", ["keyward", "redis"])
def test_show_and_unlock(which, request):
    srv = request.getfixturevalue(which)
    r = hold(srv, "cli:job")
    shown = lock_cli(srv, "show", "cli:job", "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc["name"] == "cli:job" and doc["fencingToken"] == 1 and doc["waiters"] == 0
    assert [(o["clientId"], o["threadId"], o["reentrancy"]) for o in doc["owners"]] == [("app-1", "7", 1)]
    assert 0 < doc["remainingLeaseMs"] <= 30000
    text = lock_cli(srv, "show", "cli:job").stdout
    assert "holder app-1:7 (client app-1, thread 7), reentrancy 1" in text

    # Without --yes and without a terminal: refused, the lock stays.
    refused = lock_cli(srv, "unlock", "cli:job")
    assert refused.returncode == 3 and "without --yes (stdin is not a terminal)" in refused.stderr
    assert r.exists("cli:job") == 1

    waiter = r.pubsub()
    waiter.subscribe("redisson_lock__channel:{cli:job}")
    assert waiter.get_message(timeout=5)["type"] == "subscribe"
    done = lock_cli(srv, "unlock", "cli:job", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"lock cli:job force-unlocked on {srv.host}:{srv.port} (was held by app-1:7); waiters notified"
    assert r.exists("cli:job") == 0
    woke = waiter.get_message(timeout=5)
    assert woke and woke["data"] == b"0", woke
    waiter.close()

    again = lock_cli(srv, "unlock", "cli:job", "--yes")
    assert again.returncode == 1 and again.stderr.strip() == f"keyward: lock cli:job is not held on {srv.host}:{srv.port}"
    assert lock_cli(srv, "show", "cli:job").returncode == 1
    r.set("cli:string", "x")
    wrong = lock_cli(srv, "show", "cli:string")
    assert wrong.returncode == 2 and "cli:string is a string, not a Redisson lock" in wrong.stderr
    if which == "redis":
        plain = lock_cli(srv, "list")
        assert plain.returncode == 2 and "needs Keyward's ADMIN LOCKS" in plain.stderr


def test_list_and_confirmation_on_a_terminal(keyward):
    r = hold(keyward, "cli:a")
    hold(keyward, "cli:b", "app-2:1")
    listed = lock_cli(keyward, "list", "--pattern", "cli:*", "--json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(l["name"] for l in json.loads(listed.stdout)["locks"]) == ["cli:a", "cli:b"]
    text = lock_cli(keyward, "list", "--pattern", "cli:a")
    assert text.stdout.splitlines()[0] == "1 held (pattern cli:a)" and "cli:a  held by app-1:7 x1" in text.stdout

    # On a terminal: the wrong name leaves the lock alone, the right one unlocks.
    exe = str(Path(keyward_binary()).with_name("keyward"))
    for typed, code in [("cli:x", 3), ("cli:a", 0)]:
        main, sub = os.openpty()
        try:
            p = subprocess.Popen([exe, "lock", "unlock", "cli:a", "--seed", f"{keyward.host}:{keyward.port}"],
                                 stdin=sub, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            os.write(main, (typed + "\n").encode())
            out, err = p.communicate(timeout=30)
        finally:
            os.close(main)
            os.close(sub)
        assert p.returncode == code, err
        assert "Type the lock name to confirm" in err
        assert r.exists("cli:a") == (1 if code else 0)
        if code:
            assert "confirmation did not match; cli:a left alone" in err
    usage = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=30).stdout
    assert "keyward lock unlock NAME [--yes]" in usage and "lock exit codes: 0 done, 1 lock not held" in usage
    bad = lock_cli(keyward, "frobnicate")
    assert bad.returncode == 64 and "unknown lock command 'frobnicate'" in bad.stderr
    r.delete("cli:b")


@pytest.mark.parametrize("which", ["keyward", "redis"])
def test_unlock_through_a_replica_seed_runs_on_its_master(which, servers):
    from conftest import redis_binary
    from harness.server import Server
    binary = keyward_binary() if which == "keyward" else redis_binary()
    # Redis waits 5 s for more replicas before a diskless full sync by default.
    master = Server(binary, f"{which}-lock-master", ["--repl-diskless-sync-delay", "0"] if which == "redis" else [])
    servers.append(master)
    master.start()
    replica = Server(binary, f"{which}-lock-replica", ["--replicaof", "127.0.0.1", str(master.port)])
    servers.append(replica)
    replica.start()
    r = hold(master, "cli:via-replica")
    rr = redis_py.Redis(host=replica.host, port=replica.port)
    deadline = time.time() + 20
    while rr.exists("cli:via-replica") == 0:   # the replica has the lock once it synced
        assert time.time() < deadline, "replica never synced"
        time.sleep(0.05)
    done = lock_cli(replica, "unlock", "cli:via-replica", "--yes")
    assert done.returncode == 0, done.stderr
    assert f"force-unlocked on 127.0.0.1:{master.port}" in done.stdout
    assert r.exists("cli:via-replica") == 0
