"""-LOADING while the dataset loads, against real processes: a restarted server loading a big
RDB (or AOF) accepts connections, answers -LOADING to data commands and PING, INFO shows
loading:1 with the loading_* fields, then serves the data; a Keyward replica loading its
master's full-sync payload does the same."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis as redispy

from conftest import keyward_binary
from harness.server import Conn, Server

KEYS = 200_000
LOADING = "-LOADING Redis is loading the dataset in memory"


def client(srv: Server) -> redispy.Redis:
    return redispy.Redis(host=srv.host, port=srv.port, socket_timeout=60)


def watch(get_port, stop: threading.Event, seen: dict):
    """Polls PING and INFO persistence on whatever port the server has, with raw RESP (redis-py
    retries -LOADING by itself), recording replies."""
    while not stop.is_set():
        port = get_port()
        if not port:
            time.sleep(0.01)
            continue
        try:
            with Conn("127.0.0.1", port, timeout=5.0) as c:
                seen["ping"].add(c.call("PING").raw.decode().strip())
                info = c.call("INFO", "persistence").raw.decode()
                if "loading:1" in info:
                    seen["info"] = dict(l.split(":", 1) for l in info.splitlines() if ":" in l)
        except OSError:
            time.sleep(0.01)


@pytest.mark.parametrize("aof", [False, True])
def test_startup_load_answers_loading(tmp_path: Path, servers, aof):
    extra = ["--dir", str(tmp_path), "--loading-process-events-interval-bytes", "65536",
             "--enable-debug-command", "yes"]
    if aof:
        extra += ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]
    first = Server(keyward_binary(), "first", extra, workdir=tmp_path).start()
    servers.append(first)
    c = client(first)
    c.execute_command("DEBUG", "POPULATE", KEYS, "key", 32)
    if aof:
        c.bgrewriteaof()
        deadline = time.monotonic() + 120
        while c.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
            time.sleep(0.1)
    else:
        c.save()
    first.stop()

    again = Server(keyward_binary(), "again", extra, workdir=tmp_path)
    servers.append(again)
    stop, seen = threading.Event(), {"ping": set(), "info": None}
    t = threading.Thread(target=watch, args=(lambda: again.port if again.proc else None, stop, seen))
    t.start()
    try:
        again.start(timeout=120)
    finally:
        stop.set()
        t.join(30)
    assert LOADING in seen["ping"], seen
    info = seen["info"]
    assert info is not None, seen
    assert int(info["loading_total_bytes"]) > 0 and 0 <= float(info["loading_loaded_perc"]) <= 100
    assert "loading_eta_seconds" in info and "loading_start_time" in info
    r = client(again)
    assert r.dbsize() == KEYS
    assert r.info("persistence")["loading"] == 0


def test_replica_loading_the_sync_payload_answers_loading(tmp_path: Path, servers):
    (tmp_path / "m").mkdir()
    (tmp_path / "r").mkdir()
    master = Server(keyward_binary(), "master", ["--enable-debug-command", "yes"], workdir=tmp_path / "m").start()
    replica = Server(keyward_binary(), "replica", ["--loading-process-events-interval-bytes", "65536"],
                     workdir=tmp_path / "r").start()
    servers += [master, replica]
    client(master).execute_command("DEBUG", "POPULATE", KEYS, "key", 32)
    stop, seen = threading.Event(), {"ping": set(), "info": None}
    t = threading.Thread(target=watch, args=(lambda: replica.port, stop, seen))
    t.start()
    try:
        client(replica).replicaof(master.host, master.port)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if client(replica).info("replication")["master_link_status"] == "up":
                break
            time.sleep(0.05)
    finally:
        stop.set()
        t.join(30)
    assert LOADING in seen["ping"], seen
    assert client(replica).dbsize() == KEYS
