"""Replication with real processes: Keyward master + Keyward replica, a real redis-server replica
of a Keyward master, a Keyward replica of a real redis-server master; full and partial resyncs,
the live stream (expiry DELs, script effects), WAIT, READONLY and REPLICAOF NO ONE."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis as redispy

from conftest import keyward_binary, redis_binary
from harness.dataset import fill_every_type, snapshot
from harness.server import Server

TIMEOUT = 30


def start(tmp_path: Path, name: str, which="keyward", *args) -> Server:
    binary = keyward_binary() if which == "keyward" else redis_binary()
    d = tmp_path / name
    d.mkdir()
    return Server(binary, name, list(args), workdir=d).start()


def client(srv: Server, db=0) -> redispy.Redis:
    return redispy.Redis(host=srv.host, port=srv.port, db=db, socket_timeout=30)


def wait_until(cond, what: str, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def repl_info(srv: Server) -> dict:
    return client(srv).info("replication")


def synced(master: Server, replica: Server) -> bool:
    m, r = repl_info(master), repl_info(replica)
    return (r.get("master_link_status") == "up"
            and r["master_repl_offset"] == m["master_repl_offset"])


def follow(replica: Server, master: Server):
    client(replica).replicaof(master.host, master.port)
    wait_until(lambda: synced(master, replica), f"{replica.name} to sync with {master.name}")






def test_keyward_replica_of_keyward_full_and_live(tmp_path, servers):
    master = start(tmp_path, "master")
    servers.append(master)
    m = client(master)
    fill_every_type(m)
    client(master, 3).set("in-db3", "x")
    replica = start(tmp_path, "replica")
    servers.append(replica)
    follow(replica, master)
    r = client(replica)
    assert snapshot(r) == snapshot(m)
    assert client(replica, 3).get("in-db3") == b"x"
    info = repl_info(master)
    assert info["connected_slaves"] == 1
    assert info["slave0"]["state"] == "online"
    assert info["slave0"]["port"] == replica.port
    assert repl_info(replica)["role"] == "slave"
    assert r.execute_command("ROLE")[0] == b"slave"

    # The live stream: plain writes, rewritten ones, script effects, other dbs.
    m.set("live", "1")
    m.expire("live", 1000)
    m.eval("redis.call('set', KEYS[1], 'a'); redis.call('append', KEYS[1], 'b')", 1, "scripted")
    m.spop("set")
    client(master, 5).lpush("db5list", "z")
    wait_until(lambda: synced(master, replica), "stream")
    assert snapshot(r) == snapshot(m)
    assert r.get("scripted") == b"ab"
    assert client(replica, 5).lrange("db5list", 0, -1) == [b"z"]
    assert 0 < r.ttl("live") <= 1000

    # Writes from normal clients are refused.
    with pytest.raises(redispy.exceptions.ReadOnlyError):
        r.set("nope", "1")


def test_expired_keys_are_deleted_by_the_master(tmp_path, servers):
    master = start(tmp_path, "master", "keyward", "--enable-debug-command", "yes")
    replica = start(tmp_path, "replica")
    servers += [master, replica]
    follow(replica, master)
    m, r = client(master), client(replica)
    m.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    m.set("short", "v", px=100)
    wait_until(lambda: synced(master, replica), "stream")
    time.sleep(0.2)
    # Expired on the replica: reads see nothing, but only the master deletes it.
    assert r.get("short") is None
    assert r.dbsize() == 1
    assert m.get("short") is None          # lazy expiry on the master propagates DEL
    wait_until(lambda: r.dbsize() == 0, "the master's DEL")


def test_partial_resync_after_killing_the_link(tmp_path, servers):
    master = start(tmp_path, "master")
    replica = start(tmp_path, "replica")
    servers += [master, replica]
    follow(replica, master)
    m, r = client(master), client(replica)
    replid = repl_info(master)["master_replid"]
    for kind, killer in (("master", r), ("replica", m)):
        killer.execute_command("CLIENT", "KILL", "TYPE", kind)
        m.set(f"after-{kind}", "1")
        wait_until(lambda: synced(master, replica), f"resync after killing {kind}")
        assert r.get(f"after-{kind}") == b"1"
    assert repl_info(replica)["master_replid"] == replid
    stats = m.info("stats")
    assert (stats["sync_full"], stats["sync_partial_ok"]) == (1, 2)
    log = replica.log_path.read_text()
    assert log.count("Successful partial resynchronization") == 2
    assert log.count("Loading DB in memory") == 1


def test_wait(tmp_path, servers):
    master = start(tmp_path, "master")
    replica = start(tmp_path, "replica")
    servers += [master, replica]
    m = client(master)
    assert m.execute_command("WAIT", 0, 0) == 0
    follow(replica, master)
    m.set("k", "v")
    assert m.execute_command("WAIT", 1, 5000) == 1
    t0 = time.monotonic()
    assert m.execute_command("WAIT", 2, 300) == 1
    assert time.monotonic() - t0 >= 0.25
    with pytest.raises(redispy.exceptions.ResponseError, match="WAIT cannot be used with replica instances"):
        client(replica).execute_command("WAIT", 1, 0)
    with pytest.raises(redispy.exceptions.ResponseError, match="timeout is negative"):
        m.execute_command("WAIT", 1, -1)


def test_redis_replica_of_keyward_master(tmp_path, servers):
    master = start(tmp_path, "master")
    servers.append(master)
    m = client(master)
    fill_every_type(m)
    client(master, 2).set("db2", "y")
    replica = start(tmp_path, "redis-replica", "redis")
    servers.append(replica)
    follow(replica, master)
    r = client(replica)
    assert snapshot(r) == snapshot(m)
    m.set("live", "1", ex=500)
    m.incrbyfloat("float", 1)
    m.eval("redis.call('rpush', KEYS[1], 'x', 'y')", 1, "list")
    m.publish("chan", "hi")
    client(master, 2).delete("db2")
    wait_until(lambda: synced(master, replica), "stream")
    assert snapshot(r) == snapshot(m)
    info = repl_info(master)
    assert info["slave0"]["state"] == "online"
    wait_until(lambda: repl_info(master)["slave0"]["offset"] == repl_info(master)["master_repl_offset"], "ack")
    assert m.execute_command("WAIT", 1, 5000) == 1
    # A dropped link resumes with +CONTINUE.
    m.execute_command("CLIENT", "KILL", "TYPE", "replica")
    m.set("after", "1")
    wait_until(lambda: synced(master, replica) and r.get("after") == b"1", "partial resync")
    assert "Successful partial resynchronization" in replica.log_path.read_text()


def test_keyward_replica_of_redis_master(tmp_path, servers):
    master = start(tmp_path, "redis-master", "redis", "--repl-diskless-sync-delay", "0")
    servers.append(master)
    m = client(master)
    fill_every_type(m)
    client(master, 4).set("db4", "z")
    replica = start(tmp_path, "replica")
    servers.append(replica)
    follow(replica, master)
    r = client(replica)
    assert snapshot(r) == snapshot(m)
    assert client(replica, 4).get("db4") == b"z"
    m.set("live", "1")
    m.eval("redis.call('incr', KEYS[1])", 1, "int")
    wait_until(lambda: synced(master, replica), "stream")
    assert snapshot(r) == snapshot(m)
    assert m.execute_command("WAIT", 1, 5000) == 1
    r.execute_command("CLIENT", "KILL", "TYPE", "master")
    m.set("after", "1")
    wait_until(lambda: synced(master, replica) and r.get("after") == b"1", "partial resync")
    assert "Partial resynchronization request" in master.log_path.read_text()
    assert "accepted" in master.log_path.read_text()


@pytest.mark.parametrize("b_kind", ["keyward", "redis"])
def test_promotion_keeps_the_old_history(tmp_path, servers, b_kind):
    master = start(tmp_path, "master")
    a = start(tmp_path, "replica-a")
    b = start(tmp_path, "replica-b", b_kind)
    servers += [master, a, b]
    follow(a, master)
    follow(b, master)
    client(master).set("before", "1")
    wait_until(lambda: synced(master, a) and synced(master, b), "both replicas")
    old = repl_info(master)["master_replid"]
    master.stop()
    ra = client(a)
    assert ra.replicaof("NO", "ONE")
    info = repl_info(a)
    assert info["role"] == "master"
    assert info["master_replid2"] == old
    assert info["second_repl_offset"] == info["master_repl_offset"] + 1
    ra.set("promoted", "1")
    # b follows the promoted replica and continues from the old history.
    follow(b, a)
    assert client(b).get("promoted") == b"1"
    assert client(b).get("before") == b"1"
    # One full sync (from the first master), then +CONTINUE from the promoted replica.
    assert client(a).info("stats")["sync_full"] == 0
    assert client(a).info("stats")["sync_partial_ok"] == 1


@pytest.mark.parametrize("sub_kind", ["keyward", "redis"])
def test_chained_replica_relays_the_stream(tmp_path, servers, sub_kind):
    master = start(tmp_path, "master")
    a = start(tmp_path, "replica-a")
    b = start(tmp_path, "replica-b", sub_kind)
    servers += [master, a, b]
    client(master).set("k", "1")
    follow(a, master)
    follow(b, a)
    m = client(master)
    m.set("relayed", "1")
    m.hset("h", "f", "v")
    wait_until(lambda: synced(master, a) and synced(a, b), "the chain")
    assert snapshot(client(b)) == snapshot(m)
    assert repl_info(b)["master_replid"] == repl_info(master)["master_replid"]
    # A's link drops and resumes; B keeps following.
    client(a).execute_command("CLIENT", "KILL", "TYPE", "master")
    m.set("after", "1")
    wait_until(lambda: synced(master, a) and synced(a, b) and client(b).get("after") == b"1", "the chain after a resync")


@pytest.mark.parametrize("replica_kind", ["keyward", "redis"])
def test_masterauth(tmp_path, servers, replica_kind):
    master = start(tmp_path, "master", "keyward", "--requirepass", "pw")
    replica = start(tmp_path, "replica", replica_kind, "--masterauth", "pw")
    servers += [master, replica]
    m = redispy.Redis(host=master.host, port=master.port, password="pw", socket_timeout=30)
    m.set("secret", "1")
    r = client(replica)
    r.replicaof(master.host, master.port)
    wait_until(lambda: r.info("replication").get("master_link_status") == "up", "the authenticated link")
    wait_until(lambda: r.get("secret") == b"1", "the data")
    m.set("live", "2")
    wait_until(lambda: r.get("live") == b"2", "the stream")


def test_replica_aof_holds_the_synced_dataset(tmp_path, servers):
    master = start(tmp_path, "master")
    servers.append(master)
    m = client(master)
    fill_every_type(m)
    replica = start(tmp_path, "replica", "keyward", "--appendonly", "yes", "--appendfsync", "always")
    servers.append(replica)
    client(replica).set("stale", "gone after the full sync")
    follow(replica, master)
    m.set("streamed", "1")
    wait_until(lambda: synced(master, replica), "stream")
    before = snapshot(client(replica))
    replica.stop()
    replica.start()
    assert snapshot(client(replica)) == before == snapshot(m)


def test_restarted_replica_continues_from_its_rdb(tmp_path, servers):
    master = start(tmp_path, "master")
    servers.append(master)
    m = client(master)
    m.set("k", "1")
    replica = start(tmp_path, "replica", "keyward", "--replicaof", master.host, str(master.port))
    servers.append(replica)
    wait_until(lambda: synced(master, replica), "first sync")
    client(master, 2).set("in-db2", "x")   # the stream's db is recorded too
    wait_until(lambda: synced(master, replica), "stream")
    client(replica).save()
    replica.stop()
    # No SELECT before this one: the replica must resume in the db its file recorded.
    client(master, 2).set("while-down-db2", "y")
    m.set("while-down", "1")
    replica.start()
    wait_until(lambda: synced(master, replica), "resync after restart")
    assert client(replica).get("while-down") == b"1"
    assert client(replica, 2).get("while-down-db2") == b"y"
    stats = m.info("stats")
    assert (stats["sync_full"], stats["sync_partial_ok"]) == (1, 1)


@pytest.mark.parametrize("master_kind,replica_kind", [("keyward", "keyward"), ("keyward", "redis"), ("redis", "keyward")])
def test_stream_under_load_with_dropped_links(tmp_path, servers, master_kind, replica_kind):
    """Mixed writes (transactions, scripts, TTLs, several dbs) while the link is killed
    repeatedly from both sides: the replica ends equal to the master."""
    import random
    import threading
    extra = ["--repl-diskless-sync-delay", "0"] if master_kind == "redis" else []
    master = start(tmp_path, "master", master_kind, *extra)
    replica = start(tmp_path, "replica", replica_kind)
    servers += [master, replica]
    follow(replica, master)
    stop = threading.Event()
    errors = []

    def writer():
        rnd = random.Random(7)
        m = client(master)
        dbs = [client(master, d) for d in (0, 1, 2)]
        try:
            while not stop.is_set():
                db = rnd.choice(dbs)
                k = f"k{rnd.randrange(200)}"
                op = rnd.randrange(8)
                if op == 0:
                    db.set(k, rnd.randrange(1000), ex=rnd.randrange(100, 1000))   # nothing expires mid-test
                elif op == 1:
                    db.rpush("l" + k, *range(rnd.randrange(1, 5)))
                elif op == 2:
                    db.hincrbyfloat("h" + k, "f", 1.5)
                elif op == 3:
                    p = db.pipeline(transaction=True)
                    p.sadd("s" + k, rnd.randrange(50)).zincrby("z" + k, 2, "m").incr("n" + k)
                    p.execute()
                elif op == 4:
                    m.eval("redis.call('incrby', KEYS[1], 3); redis.call('expire', KEYS[1], 500)", 1, "e" + k)
                elif op == 5:
                    db.delete(k)
                elif op == 6:
                    db.spop("s" + k)
                else:
                    db.lpop("l" + k)
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    try:
        for i in range(6):
            time.sleep(0.3)
            if i % 2:
                client(master).execute_command("CLIENT", "KILL", "TYPE", "replica")
            else:
                client(replica).execute_command("CLIENT", "KILL", "TYPE", "master")
    finally:
        stop.set()
        t.join(30)
    assert not errors
    wait_until(lambda: synced(master, replica), "the replica to catch up")
    for d in (0, 1, 2):
        assert snapshot(client(replica, d)) == snapshot(client(master, d))


@pytest.mark.parametrize("replica_kind", ["keyward", "redis"])
def test_full_sync_of_a_million_keys_under_write_load(tmp_path, servers, replica_kind):
    """A writer at full speed (pipelined SET/INCR/DEL/RPUSH) while a replica full-syncs 1 M keys:
    once the writer stops the replica holds exactly the master's data, compared key by key."""
    import random
    import threading
    master = start(tmp_path, "master", "keyward", "--enable-debug-command", "yes")
    replica = start(tmp_path, "replica", replica_kind)
    servers += [master, replica]
    client(master).execute_command("DEBUG", "POPULATE", 1_000_000, "key", 16)
    stop = threading.Event()
    errors = []

    def writer():
        rnd = random.Random(11)
        m = client(master)
        try:
            while not stop.is_set():
                p = m.pipeline(transaction=False)
                for _ in range(64):
                    k = f"key:{rnd.randrange(1_200_000)}"
                    op = rnd.randrange(4)
                    if op == 0:
                        p.set(k, rnd.randrange(10**9))
                    elif op == 1:
                        p.incr(f"n:{rnd.randrange(1000)}")
                    elif op == 2:
                        p.delete(k)
                    else:
                        p.rpush(f"l:{rnd.randrange(100)}", rnd.randrange(10))
                p.execute()
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    try:
        time.sleep(0.3)
        client(replica).replicaof(master.host, master.port)
        wait_until(lambda: repl_info(replica).get("master_link_status") == "up", "the full sync", timeout=300)
        time.sleep(0.5)        # keep writing while the stream runs
    finally:
        stop.set()
        t.join(60)
    assert not errors
    wait_until(lambda: synced(master, replica), "the replica to catch up", timeout=300)
    m, r = client(master), client(replica)
    assert m.dbsize() == r.dbsize()
    cursor, compared = 0, 0
    while True:
        cursor, keys = m.scan(cursor, count=5000)
        if keys:
            pm, pr = m.pipeline(transaction=False), r.pipeline(transaction=False)
            for k in keys:
                pm.dump(k)
                pr.dump(k)
            assert pm.execute() == pr.execute()
            compared += len(keys)
        if cursor == 0:
            break
    assert compared >= m.dbsize()


def test_full_sync_runs_in_the_background_and_is_shared(tmp_path, servers):
    """Two replicas (a real redis-server and Keyward) asking at once get one background snapshot:
    the master answers meanwhile, INFO shows them in wait_bgsave then online, the log names one
    snapshot for both, and both end with the master's data."""
    import threading
    master = start(tmp_path, "master", "keyward", "--enable-debug-command", "yes")
    replicas = [start(tmp_path, "r-redis", "redis"), start(tmp_path, "r-keyward", "keyward")]
    servers += [master] + replicas
    m = client(master)
    m.execute_command("DEBUG", "POPULATE", 300_000, "key", 64)
    fill_every_type(client(master, 1))
    states, slowest = set(), [0.0]
    stop = threading.Event()

    def watch():
        w = client(master)
        while not stop.is_set():
            t0 = time.monotonic()
            info = w.info("replication")
            slowest[0] = max(slowest[0], time.monotonic() - t0)
            for i in range(info.get("connected_slaves", 0)):
                states.add(info[f"slave{i}"]["state"])

    t = threading.Thread(target=watch)
    t.start()
    try:
        for r in replicas:
            client(r).replicaof(master.host, master.port)
        for r in replicas:
            wait_until(lambda: synced(master, r), f"{r.name} to sync", timeout=120)
    finally:
        stop.set()
        t.join(30)
    assert "wait_bgsave" in states and "online" in states, states
    info = repl_info(master)
    assert [info[f"slave{i}"]["state"] for i in range(2)] == ["online", "online"]
    log = master.log_path.read_text()
    assert log.count("Starting BGSAVE for SYNC") == 1, master.log_tail()
    for r in replicas:
        assert client(r).dbsize() == m.dbsize()
        assert snapshot(client(r, 1)) == snapshot(client(master, 1))
    for k in ("key:0", "key:299999"):
        assert all(client(r).get(k) == m.get(k) for r in replicas)
    print(f"slowest INFO during the sync: {slowest[0] * 1000:.0f} ms")


@pytest.mark.parametrize("master_kind,replica_kind", [("keyward", "keyward"), ("keyward", "redis"), ("redis", "keyward")])
def test_coordinated_failover(tmp_path, servers, master_kind, replica_kind):
    """FAILOVER: writes are held until the replica caught up, then the roles swap (the old master
    follows the new one with a partial resync) and no acknowledged write is lost."""
    master = start(tmp_path, "master", master_kind)
    replica = start(tmp_path, "replica", replica_kind)
    servers += [master, replica]
    follow(replica, master)
    m = client(master)
    fill_every_type(client(master, 3))
    for i in range(200):
        m.set(f"k{i}", i)
    wait_until(lambda: synced(master, replica), "the replica to catch up")
    assert m.execute_command("FAILOVER", "TO", replica.host, replica.port, "TIMEOUT", 20000) == b"OK"
    assert m.info("replication")["master_failover_state"] in ("waiting-for-sync", "failover-in-progress", "no-failover")
    wait_until(lambda: repl_info(replica)["role"] == "master" and repl_info(master)["role"] == "slave"
               and repl_info(master)["master_link_status"] == "up"
               and repl_info(master)["master_failover_state"] == "no-failover", "the roles to swap")
    r = client(replica)
    r.set("after", "1")
    wait_until(lambda: client(master).get("after") == b"1", "the old master to follow the new one")
    with pytest.raises(redispy.ResponseError, match="read only replica"):
        client(master).set("x", 1)
    assert snapshot(client(master, 3)) == snapshot(client(replica, 3))
    assert r.info("stats")["sync_partial_ok"] >= 1
    assert [client(master).get(f"k{i}") for i in range(200)] == [str(i).encode() for i in range(200)]
