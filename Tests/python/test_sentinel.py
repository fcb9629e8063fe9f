"""Sentinel mode with real processes: redis-py's Sentinel client against three Keyward
sentinels, a scripted failover (SIGKILL of the master) with the events checked in order and
timed, WAIT-acknowledged writes surviving, the old master rejoining as a replica; interop both
ways (Keyward sentinels fail over real redis-server instances, real `redis-server --sentinel`
fails over keyward-server instances); a restarted sentinel keeping its id and epoch; data
commands refused like Redis's sentinel does."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis as redispy
from redis.sentinel import Sentinel

from conftest import keyward_binary, redis_binary
from harness.server import Server, free_port, _LIVE

TIMEOUT = 40
DOWN_AFTER = 1000      # ms; small to keep the suite quick
FAILOVER_TIMEOUT = 6000


def wait_until(cond, what: str, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except (redispy.ConnectionError, redispy.TimeoutError, OSError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def client(port: int) -> redispy.Redis:
    return redispy.Redis(host="127.0.0.1", port=port, socket_timeout=10, decode_responses=True)


class Proc(Server):
    """A server started from a config file (sentinels), or on a fixed port (a restarted
    master must come back at the address the sentinels know)."""

    def __init__(self, binary, name, workdir: Path, conf: list[str] | None = None, sentinel=False, args=()):
        super().__init__(binary, name, args, workdir=workdir)
        self.conf = conf
        self.sentinel = sentinel

    def start(self, timeout: float = 30.0, port: int | None = None):
        self.port = port or self.port or free_port()
        argv = [self.binary]
        if self.conf is not None:
            path = self.workdir / "sentinel.conf"
            if not path.exists():
                path.write_text("\n".join([f"port {self.port}", "bind 127.0.0.1", *self.conf]) + "\n")
            argv.append(str(path))
        else:
            argv += ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        if self.sentinel:
            argv.append("--sentinel")
        argv += self.extra_args
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        _LIVE.add(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited\n{self.log_tail()}")
            if self._answers_ping():
                return self
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not start\n{self.log_tail()}")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)


def data_server(tmp_path: Path, servers, name: str, which="keyward", *args) -> Proc:
    d = tmp_path / name
    d.mkdir()
    s = Proc(keyward_binary() if which == "keyward" else redis_binary(), name, d, args=args).start()
    servers.append(s)
    return s


def sentinel(tmp_path: Path, servers, name: str, master: Proc, quorum: int, which="keyward") -> Proc:
    d = tmp_path / name
    d.mkdir()
    conf = [f"sentinel monitor mymaster 127.0.0.1 {master.port} {quorum}",
            f"sentinel down-after-milliseconds mymaster {DOWN_AFTER}",
            f"sentinel failover-timeout mymaster {FAILOVER_TIMEOUT}"]
    s = Proc(keyward_binary() if which == "keyward" else redis_binary(), name, d, conf=conf, sentinel=True).start()
    servers.append(s)
    return s


def topology(tmp_path, servers, which="keyward", replicas=2, priorities=None):
    master = data_server(tmp_path, servers, "master", which)
    prio = priorities or [100] * replicas
    reps = [data_server(tmp_path, servers, f"replica{i}", which, "--replicaof", "127.0.0.1", str(master.port),
                        "--replica-priority", str(prio[i]))
            for i in range(replicas)]
    for r in reps:
        wait_until(lambda r=r: client(r.port).info("replication")["master_link_status"] == "up",
                   f"{r.name} to sync")
    return master, reps


def sentinel_master(s: Proc) -> dict:
    return client(s.port).sentinel_master("mymaster")


def master_addr(s: Proc):
    a = client(s.port).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
    return (a[0], int(a[1])) if a else None


class EventLog:
    """Every event a sentinel publishes (PSUBSCRIBE *), with arrival times."""

    def __init__(self, s: Proc):
        self.name = s.name
        self.events: list[tuple[float, str, str]] = []
        self.ps = client(s.port).pubsub()
        self.ps.psubscribe("*")
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                m = self.ps.get_message(timeout=0.2)
            except Exception:
                return
            if m and m["type"] == "pmessage":
                self.events.append((time.monotonic(), m["channel"], m["data"]))

    def channels(self):
        return [c for _, c, _ in self.events]

    def first(self, ch):
        return next((e for e in self.events if e[1] == ch), None)

    def close(self):
        self.stop = True
        self.t.join(2)
        self.ps.close()


def test_sentinel_mode_refuses_data_commands_like_redis(tmp_path, servers):
    master, _ = topology(tmp_path, servers, replicas=1)
    ks = sentinel(tmp_path, servers, "ks", master, 1)
    rs = sentinel(tmp_path, servers, "rs", master, 1, which="redis")
    for args in (["SET", "k", "v"], ["GET", "k"], ["CONFIG", "GET", "port"], ["PUBLISH", "foo", "bar"],
                 ["SENTINEL", "NOPE"], ["SENTINEL", "MASTER", "nosuch"], ["SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "1", "1"],
                 ["SENTINEL", "SET", "mymaster", "quorum", "0"], ["SENTINEL", "SET", "mymaster", "foo", "1"]):
        replies = []
        for s in (ks, rs):
            with pytest.raises(redispy.ResponseError) as e:
                client(s.port).execute_command(*args)
            replies.append(str(e.value))
        assert replies[0] == replies[1], args
    for s in (ks, rs):
        c = client(s.port)
        assert c.execute_command("ROLE") == ["sentinel", ["mymaster"]]
        assert c.info("server")["redis_mode"] == "sentinel"
        r3 = redispy.Redis(port=s.port, protocol=3, decode_responses=True)
        hello = r3.execute_command("HELLO", "3")
        assert hello["mode"] == "sentinel" and "role" not in hello
        r3.close()
    # A mixed group: the Keyward and the Redis sentinel find each other through hellos and
    # report the same fields for the master, its replica and the peer.
    for s in (ks, rs):
        wait_until(lambda s=s: sentinel_master(s)["num-other-sentinels"] == 1 and sentinel_master(s)["num-slaves"] == 1,
                   f"{s.name} to see its peer and the replica")
        info = client(s.port).info("sentinel")
        assert info["sentinel_masters"] == 1 and info["master0"]["status"] == "ok" and info["master0"]["sentinels"] == 2
    assert list(sentinel_master(ks)) == list(sentinel_master(rs))
    assert [list(r) for r in client(ks.port).sentinel_slaves("mymaster")] == \
        [list(r) for r in client(rs.port).sentinel_slaves("mymaster")]
    assert [list(r) for r in client(ks.port).sentinel_sentinels("mymaster")] == \
        [list(r) for r in client(rs.port).sentinel_sentinels("mymaster")]
    assert client(ks.port).sentinel_sentinels("mymaster")[0]["runid"] == client(rs.port).execute_command("SENTINEL", "MYID")
    assert client(rs.port).sentinel_sentinels("mymaster")[0]["runid"] == client(ks.port).execute_command("SENTINEL", "MYID")


def test_redis_py_discovery_and_scripted_failover(tmp_path, servers):
    # replica0 has replica-priority 0: it must never be promoted.
    master, reps = topology(tmp_path, servers, priorities=[0, 100])
    sents = [sentinel(tmp_path, servers, f"s{i}", master, 2) for i in range(3)]
    # Discovery: every sentinel knows both replicas and both peers (hellos every 2 s).
    for s in sents:
        wait_until(lambda s=s: sentinel_master(s)["num-slaves"] == 2 and sentinel_master(s)["num-other-sentinels"] == 2,
                   f"{s.name} to discover replicas and peers")
    sc = Sentinel([("127.0.0.1", s.port) for s in sents], socket_timeout=5)
    assert sc.discover_master("mymaster") == ("127.0.0.1", master.port)
    assert sorted(sc.discover_slaves("mymaster")) == sorted(("127.0.0.1", r.port) for r in reps)
    w = sc.master_for("mymaster", socket_timeout=5)
    w.set("via-sentinel", "1")
    wait_until(lambda: sc.slave_for("mymaster", socket_timeout=5).get("via-sentinel") == b"1", "replica read")
    # Writes acknowledged by a replica (WAIT 1) must survive the failover.
    for i in range(200):
        w.set(f"k{i}", i)
    assert w.execute_command("WAIT", 1, 5000) >= 1

    logs = [EventLog(s) for s in sents]
    time.sleep(0.3)
    master.kill()
    t0 = time.monotonic()
    wait_until(lambda: master_addr(sents[0]) not in (None, ("127.0.0.1", master.port)), "a new master")
    elapsed = time.monotonic() - t0
    print(f"\nnew master after {elapsed:.2f} s (down-after {DOWN_AFTER} ms)")
    new = master_addr(sents[0])
    assert new == ("127.0.0.1", reps[1].port), "the priority-0 replica was promoted"
    assert elapsed < DOWN_AFTER / 1000 + 2, f"failover took {elapsed:.2f} s"
    for s in sents:
        wait_until(lambda s=s: master_addr(s) == new, f"{s.name} to switch")
    nm = client(new[1])
    assert nm.execute_command("ROLE")[0] == "master"
    assert [nm.get(f"k{i}") for i in range(200)] == [str(i) for i in range(200)]
    other = next(r for r in reps if r.port != new[1])
    wait_until(lambda: client(other.port).info("replication").get("master_port") == new[1], "the other replica to follow")

    # Events in Redis's order on the leader, +switch-master everywhere.
    wait_until(lambda: all(l.first("+switch-master") for l in logs), "+switch-master on every sentinel")
    leader = next(l for l in logs if l.first("+elected-leader"))
    order = ["+sdown", "+odown", "+new-epoch", "+try-failover", "+vote-for-leader", "+elected-leader",
             "+failover-state-select-slave", "+selected-slave", "+failover-state-send-slaveof-noone",
             "+failover-state-wait-promotion", "+promoted-slave", "+failover-state-reconf-slaves",
             "+failover-end", "+switch-master"]
    chans = leader.channels()
    idx = [chans.index(c) for c in order]
    assert idx == sorted(idx), list(zip(order, idx))
    assert leader.first("+sdown")[2] == f"master mymaster 127.0.0.1 {master.port}"
    assert leader.first("+switch-master")[2] == f"mymaster 127.0.0.1 {master.port} {new[0]} {new[1]}"
    assert sum(1 for l in logs if l.first("+elected-leader")) == 1
    assert sc.discover_master("mymaster") == new

    # The old master comes back at its address and is turned into a replica of the new one.
    master.start(port=master.port)
    wait_until(lambda: any(l.first("+convert-to-slave") for l in logs), "+convert-to-slave", timeout=45)
    wait_until(lambda: client(master.port).info("replication").get("master_port") == new[1], "old master to follow")
    for l in logs:
        l.close()


def test_sentinel_restart_keeps_id_and_epoch(tmp_path, servers):
    master, reps = topology(tmp_path, servers, replicas=1)
    s = sentinel(tmp_path, servers, "s", master, 1)
    wait_until(lambda: sentinel_master(s)["num-slaves"] == 1 and sentinel_master(s)["info-refresh"] > 0, "discovery")

    def failover():
        try:
            return client(s.port).execute_command("SENTINEL", "FAILOVER", "mymaster") == "OK"
        except redispy.ResponseError:   # NOGOODSLAVE until the replica's INFO is fresh
            return False
    wait_until(failover, "SENTINEL FAILOVER to be accepted")
    wait_until(lambda: master_addr(s) == ("127.0.0.1", reps[0].port), "the forced failover")
    myid = client(s.port).execute_command("SENTINEL", "MYID")
    epoch = sentinel_master(s)["config-epoch"]
    assert epoch >= 1
    # The console's view (Keyward extension): our own vote for the failover epoch.
    votes = client(s.port).execute_command("SENTINEL", "DEBUG-VOTES", "mymaster")
    assert {"epoch": str(epoch), "voter": myid, "candidate": myid} in \
        [{k: v[k] for k in ("epoch", "voter", "candidate")} for v in votes["votes"]], votes
    text = (s.workdir / "sentinel.conf").read_text()
    assert f"sentinel myid {myid}" in text and f"sentinel current-epoch {epoch}" in text
    s.stop()
    s.start(port=s.port)
    assert client(s.port).execute_command("SENTINEL", "MYID") == myid
    m = sentinel_master(s)
    assert m["config-epoch"] == epoch and (m["ip"], m["port"]) == ("127.0.0.1", reps[0].port)
    votes = client(s.port).execute_command("SENTINEL", "DEBUG-VOTES", "mymaster")
    assert int(votes["current-epoch"]) >= epoch


@pytest.mark.parametrize("kinds,data", [(["keyward"], "redis"), (["redis"], "keyward"),
                                         (["keyward", "keyward", "redis"], "keyward")],
                         ids=["keyward-sentinel-redis-data", "redis-sentinel-keyward-data", "mixed-group"])
def test_interop_failover(tmp_path, servers, kinds, data):
    master, reps = topology(tmp_path, servers, which=data, replicas=1)
    quorum = len(kinds) // 2 + 1
    sents = [sentinel(tmp_path, servers, f"s{i}", master, quorum, which=k) for i, k in enumerate(kinds)]
    for s in sents:
        wait_until(lambda s=s: sentinel_master(s)["num-slaves"] == 1
                   and sentinel_master(s)["num-other-sentinels"] == len(kinds) - 1, f"{s.name} discovery")
        wait_until(lambda s=s: client(s.port).sentinel_slaves("mymaster")[0]["master-link-status"] == "ok", "replica INFO")
    w = client(master.port)
    for i in range(50):
        w.set(f"k{i}", i)
    assert w.execute_command("WAIT", 1, 5000) == 1
    master.kill()
    t0 = time.monotonic()
    for s in sents:
        wait_until(lambda s=s: master_addr(s) == ("127.0.0.1", reps[0].port), f"{s.name} to switch")
    print(f"\n{'+'.join(kinds)} sentinels failed over {data}: {time.monotonic() - t0:.2f} s")
    nm = client(reps[0].port)
    wait_until(lambda: nm.execute_command("ROLE")[0] == "master", "promotion")
    assert nm.get("k49") == "49"
    nm.set("after", "1")


def test_auth_pass_reaches_a_password_protected_master(tmp_path, servers):
    master = data_server(tmp_path, servers, "master", "keyward", "--requirepass", "pw")
    d = tmp_path / "s"
    d.mkdir()
    s = Proc(keyward_binary(), "s", d, sentinel=True,
             conf=[f"sentinel monitor mymaster 127.0.0.1 {master.port} 1", "sentinel auth-pass mymaster pw"]).start()
    servers.append(s)
    # The INFO reply only comes after AUTH: the run id proves the link authenticated.
    wait_until(lambda: len(sentinel_master(s)["runid"]) == 40, "INFO over an authenticated link")
    names = [c["name"] for c in redispy.Redis(port=master.port, password="pw", decode_responses=True).client_list()]
    myid = client(s.port).execute_command("SENTINEL", "MYID")
    assert f"sentinel-{myid[:8]}-cmd" in names and f"sentinel-{myid[:8]}-pubsub" in names
    assert "sentinel auth-pass mymaster pw" in (d / "sentinel.conf").read_text()


def test_password_protected_sentinels_reach_each_other_with_sentinel_pass(tmp_path, servers):
    master = data_server(tmp_path, servers, "master")
    sents = []
    for i in range(2):
        d = tmp_path / f"s{i}"
        d.mkdir()
        s = Proc(keyward_binary(), f"s{i}", d, sentinel=True,
                 conf=[f"sentinel monitor mymaster 127.0.0.1 {master.port} 1",
                       f"sentinel down-after-milliseconds mymaster {DOWN_AFTER}",
                       "requirepass spw", "sentinel sentinel-pass spw"]).start()
        servers.append(s)
        sents.append(s)
    conns = [redispy.Redis(port=s.port, password="spw", decode_responses=True) for s in sents]
    for c in conns:
        wait_until(lambda c=c: c.sentinel_master("mymaster")["num-other-sentinels"] == 1, "peer discovery")
    time.sleep(DOWN_AFTER * 2 / 1000)
    for c in conns:
        peer = c.sentinel_sentinels("mymaster")[0]
        # A peer that answered our PINGs (after AUTH) within down-after is not subjectively down.
        assert not peer["is_sdown"] and peer["last-ok-ping-reply"] < DOWN_AFTER, peer


def test_replica_and_peer_going_down_and_back(tmp_path, servers):
    master, reps = topology(tmp_path, servers, replicas=1)
    sents = [sentinel(tmp_path, servers, f"s{i}", master, 2) for i in range(2)]
    for s in sents:
        wait_until(lambda s=s: sentinel_master(s)["num-other-sentinels"] == 1 and sentinel_master(s)["num-slaves"] == 1,
                   f"{s.name} discovery")
    log = EventLog(sents[0])
    time.sleep(0.3)
    reps[0].kill()
    sents[1].kill()
    wait_until(lambda: log.first("+sdown") and len([e for e in log.events if e[1] == "+sdown"]) == 2, "two +sdown")
    downs = sorted(e[2].split()[0] for e in log.events if e[1] == "+sdown")
    assert downs == ["sentinel", "slave"], log.events
    c = client(sents[0].port)
    assert c.sentinel_slaves("mymaster")[0]["is_sdown"] and c.sentinel_sentinels("mymaster")[0]["is_sdown"]
    assert not sentinel_master(sents[0])["is_sdown"], "the master stays up"
    reps[0].start(port=reps[0].port)
    sents[1].start(port=sents[1].port)
    wait_until(lambda: len([e for e in log.events if e[1] == "-sdown"]) == 2, "both back (-sdown)")
    assert master_addr(sents[0]) == ("127.0.0.1", master.port), "no failover for a lost replica or peer"
    log.close()
