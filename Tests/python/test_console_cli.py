"""`keyward status --json`, `keyward up` and `keyward down` run as an operator would.

status --json is validated against the published schema (docs/admin-status.schema.json) for a
Keyward master + replica (brought up by `keyward up`) and for a real redis-server master +
replica (plain Redis: the document is built from INFO and marks Keyward-only panels
unavailable). Exit codes: 0 healthy, 1 degraded, 2 unreachable.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, keyward_binary, redis_binary
from harness.server import Server, free_port

SCHEMA = json.loads((REPO / "docs" / "admin-status.schema.json").read_text())


def keyward_cli() -> str:
    return str(Path(keyward_binary()).with_name("keyward"))


def run(*args, home, timeout=90):
    env = dict(os.environ, KEYWARD_HOME=str(home), KEYWARD_SERVER=keyward_binary())
    return subprocess.run([keyward_cli(), *args], capture_output=True, text=True, timeout=timeout, env=env)


def status(seed, home):
    r = run("status", "--json", "--seed", seed, "--timeout", "2", home=home)
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, SCHEMA)
    return r.returncode, doc


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/cmdline").exists() and b"keyward-server" in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_up_status_down_keyward_master_replica_and_sentinels(tmp_path):
    home, data = tmp_path / "home", tmp_path / "data"
    r = run("up", "--replicas", "1", "--sentinels", "3", "--dir", str(data), "--no-console", home=home)
    pids = [int(p.read_text()) for p in data.glob("*/server.pid")]
    try:
        assert r.returncode == 0, r.stderr
        assert len(pids) == 5 and all(alive(p) for p in pids)
        topo = dict(line.split("=", 1) for line in (data / "topology").read_text().split())
        # The console's default seed is the topology `up` last started.
        code, doc = status(topo["seed"], home)
        default = json.loads(run("status", "--json", home=home).stdout)
        assert default["seed"] == topo["seed"]
        assert code == 0 and doc["health"] == "healthy", doc["problems"]
        master, replica = doc["nodes"]
        assert (master["role"], master["source"], replica["role"]) == ("master", "admin", "replica")
        assert master["address"] == f"127.0.0.1:{topo['master']}"
        # With sentinels the seed is a Keyward sentinel, which knows the data nodes and its peers.
        assert topo["seed"] == f"127.0.0.1:{topo['sentinels'].split(',')[0]}"
        assert len(doc["sentinels"]) == 3 and all(s["role"] == "sentinel" for s in doc["sentinels"])
        view = doc["sentinels"][0]["sentinel"]["masters"][0]
        assert (view["address"], view["numReplicas"], view["numOtherSentinels"]) == (master["address"], 1, 2)
        # Keyward sentinels answer SENTINEL DEBUG-VOTES: no vote cast yet, an empty timeline.
        assert (view["votes"], view["timeline"], view["currentEpoch"]) == ([], [], 0), view
        assert view["failover"]["state"] == "none"
        assert master["server"]["keywardVersion"]
        link = master["replication"]["replicas"][0]
        assert link["address"] == replica["address"] and link["state"] == "online"
        assert link["resyncHeadroomBytes"] > 0
        assert replica["replication"]["master"]["linkStatus"] == "up"
        # A second `up` on the same folder refuses and leaves the running topology alone.
        again = run("up", "--dir", str(data), "--no-console", home=home)
        assert again.returncode != 0 and "already running" in again.stderr
        assert all(alive(p) for p in pids)
    finally:
        down = run("down", "--dir", str(data), home=home)
    assert down.returncode == 0 and "stopped 5" in down.stdout
    deadline = time.time() + 10
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    assert not any(alive(p) for p in pids)


def test_status_of_real_redis_master_and_replica(servers, tmp_path):
    master = Server(redis_binary(), "redis-master", ["--repl-diskless-sync-delay", "0"])
    servers.append(master)
    master.start()
    replica = Server(redis_binary(), "redis-replica", ["--replicaof", "127.0.0.1", str(master.port)])
    servers.append(replica)
    replica.start()
    seed = f"127.0.0.1:{replica.port}"   # discovery from a replica finds its master
    deadline = time.time() + 30
    while True:
        code, doc = status(seed, tmp_path)
        if code == 0 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert code == 0, doc["problems"]
    assert [n["role"] for n in doc["nodes"]] == ["master", "replica"]
    assert all(n["source"] == "info" for n in doc["nodes"])
    assert all({"locks", "events"} <= set(n["unavailable"]) for n in doc["nodes"])
    assert doc["nodes"][0]["server"].get("keywardVersion") is None


def test_exit_codes_degraded_and_unreachable(servers, tmp_path):
    code, doc = status(f"127.0.0.1:{free_port()}", tmp_path)
    assert (code, doc["health"]) == (2, "unreachable")
    dead = free_port()
    orphan = Server(redis_binary(), "redis-orphan", ["--replicaof", "127.0.0.1", str(dead)])
    servers.append(orphan)
    orphan.start()
    code, doc = status(f"127.0.0.1:{orphan.port}", tmp_path)
    assert (code, doc["health"]) == (1, "degraded")
    assert any("link to master" in p for p in doc["problems"])
    assert any(p.startswith(f"127.0.0.1:{dead} unreachable") for p in doc["problems"])


def test_watch_prints_json_lines(servers, tmp_path):
    srv = Server(keyward_binary(), "keyward-watch")
    servers.append(srv)
    srv.start()
    env = dict(os.environ, KEYWARD_HOME=str(tmp_path))
    p = subprocess.Popen([keyward_cli(), "status", "--seed", f"127.0.0.1:{srv.port}", "--watch", "0.2"],
                         stdout=subprocess.PIPE, text=True, env=env)
    try:
        docs = [json.loads(p.stdout.readline()) for _ in range(3)]
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
    for d in docs:
        jsonschema.validate(d, SCHEMA)
    assert len({d["generatedAt"] for d in docs}) == 3


def test_status_from_a_real_redis_sentinel(servers, tmp_path):
    master = Server(redis_binary(), "redis-sentinel-master", ["--repl-diskless-sync-delay", "0"])
    servers.append(master)
    master.start()
    replica = Server(redis_binary(), "redis-sentinel-replica", ["--replicaof", "127.0.0.1", str(master.port)])
    servers.append(replica)
    replica.start()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"sentinel monitor mymaster 127.0.0.1 {master.port} 1\n")
    # The harness puts --port first, but a sentinel's config file must come first: start it by hand.
    port = free_port()
    proc = subprocess.Popen([redis_binary(), str(conf), "--sentinel", "--port", str(port), "--bind", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        seed = f"127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            code, doc = status(seed, tmp_path)
            view = doc["sentinels"][0].get("sentinel") if doc["sentinels"] else None
            if code == 0 and view and view["masters"][0]["numReplicas"] == 1 and len(doc["nodes"]) == 2:
                break
            assert time.time() < deadline, doc
            time.sleep(0.2)
        assert doc["sentinels"][0]["role"] == "sentinel"
        m = view["masters"][0]
        assert (m["name"], m["address"], m["quorum"]) == ("mymaster", f"127.0.0.1:{master.port}", 1)
        assert [n["role"] for n in doc["nodes"]] == ["master", "replica"]
        # SENTINEL DEBUG-VOTES is Keyward's: a Redis sentinel's votes panel says it is unavailable.
        assert "votes" in doc["sentinels"][0]["unavailable"]
        assert "votes" not in m and "timeline" not in m
    finally:
        proc.terminate()
        proc.wait(10)


def cluster_ports(n: int) -> list[int]:
    """Free ports whose cluster bus port (+10000) is free too."""
    import socket
    out = []
    for p in range(21000 + (os.getpid() % 500) * 20, 45000):
        ok = True
        for q in (p, p + 10000):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", q))
                except OSError:
                    ok = False
        if ok:
            out.append(p)
        if len(out) == n:
            return out
    raise RuntimeError("no free cluster ports")


def test_status_of_a_real_redis_cluster(tmp_path):
    ports = cluster_ports(3)
    procs = []
    try:
        for p in ports:
            d = tmp_path / f"n{p}"
            d.mkdir()
            procs.append(subprocess.Popen(
                [redis_binary(), "--port", str(p), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                 "--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no"],
                cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        deadline = time.time() + 30
        for p in ports:
            while subprocess.run(["redis-cli", "-p", str(p), "ping"], capture_output=True, text=True).stdout.strip() != "PONG":
                assert time.time() < deadline
                time.sleep(0.05)
        r = subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports], "--cluster-yes"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        while True:
            code, doc = status(f"127.0.0.1:{ports[0]}", tmp_path)
            if code == 0 and len(doc["nodes"]) == 3:
                break
            assert time.time() < deadline, doc["problems"]
            time.sleep(0.1)
        view = doc["nodes"][0]["cluster"]
        assert view["state"] == "ok" and view["slotsAssigned"] == 16384
        assert sum(r["end"] - r["start"] + 1 for r in view["ranges"]) == 16384
        assert sorted(n["address"] for n in doc["nodes"]) == sorted(f"127.0.0.1:{p}" for p in ports)
        # A slot in migration shows in the document; a stopped node makes the cluster degraded.
        peer = subprocess.run(["redis-cli", "-p", str(ports[1]), "cluster", "myid"], capture_output=True, text=True).stdout.strip()
        subprocess.run(["redis-cli", "-p", str(ports[0]), "cluster", "setslot", "100", "migrating", peer], check=True,
                       capture_output=True)
        code, doc = status(f"127.0.0.1:{ports[0]}", tmp_path)
        assert doc["nodes"][0]["cluster"]["migrating"] == [{"slot": 100, "from": f"127.0.0.1:{ports[0]}", "peerId": peer}]
        procs[2].terminate()
        procs[2].wait(10)
        code, doc = status(f"127.0.0.1:{ports[0]}", tmp_path)
        assert code == 1 and any(f"127.0.0.1:{ports[2]} unreachable" in p for p in doc["problems"])
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
