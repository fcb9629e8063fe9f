"""The console driven as a person would: tmux runs the real `keyward` binary against a live
local topology (`keyward up`); keys go in with send-keys and the screen comes back with
capture-pane. Covers every view, filter, sort, help, a resize to 80x24 and back, a confirmed
BGSAVE and its effect, a live lock in the Locks view force-unlocked with u (its waiter wakes), a SIGSTOPped node shown as unreachable
while keys still respond, a confirmed manual failover and its role events, and quitting with
the terminal restored.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis

from conftest import keyward_binary

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")


def cli() -> str:
    return str(Path(keyward_binary()).with_name("keyward"))


class Tmux:
    def __init__(self, name: str, env: dict):
        self.name = name
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40",
                        "env -i PATH=/usr/bin:/bin TERM=xterm-256color LANG=C.UTF-8 "
                        f"KEYWARD_HOME={env['KEYWARD_HOME']} bash --norc --noprofile"], check=True)

    def keys(self, *keys: str):
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str):
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def wait(self, pred, what: str, timeout: float = 20.0) -> str:
        deadline = time.time() + timeout
        while True:
            s = self.screen()
            if pred(s):
                return s
            if time.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{s}")
            time.sleep(0.03)

    def wait_text(self, text: str, timeout: float = 20.0) -> str:
        return self.wait(lambda s: text in s, repr(text), timeout)

    def header(self) -> str:
        return self.screen().split("\n", 1)[0]

    def kill(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def topology(tmp_path):
    home, data = tmp_path / "home", tmp_path / "data"
    env = dict(os.environ, KEYWARD_HOME=str(home), KEYWARD_SERVER=keyward_binary())
    r = subprocess.run([cli(), "up", "--replicas", "2", "--dir", str(data), "--no-console"],
                       capture_output=True, text=True, timeout=90, env=env)
    try:
        assert r.returncode == 0, r.stderr
        topo = dict(line.split("=", 1) for line in (data / "topology").read_text().split())
        yield topo, env, data
    finally:
        for p in data.glob("*/server.pid"):   # a test that failed mid-SIGSTOP must not hang `down`
            try:
                os.kill(int(p.read_text()), signal.SIGCONT)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run([cli(), "down", "--dir", str(data)], capture_output=True, timeout=60, env=env)


def test_console_end_to_end(topology):
    topo, env, data = topology
    master = topo["seed"]
    replicas = [f"127.0.0.1:{p}" for p in topo["replicas"].split(",")]
    t = Tmux(f"kwc-{os.getpid()}", env)
    try:
        t.type(f"{cli()}; echo EXIT=$?")
        t.keys("Enter")
        s = t.wait(lambda s: "HEALTHY" in s and all(r in s for r in replicas), "the topology, healthy")
        assert f"seed {master}" in s and "keyward ▸ Overview" in s
        assert "├─ " in s and "└─ " in s, "replicas drawn as a tree under the master"

        # Every view, by number and by Tab.
        for key, title in [("2", "Replication"), ("3", "Sentinel"), ("4", "Locks"), ("5", "Events"), ("6", "Slots")]:
            t.keys(key)
            t.wait(lambda s: s.startswith(f" keyward ▸ {title}"), title)
        assert "Not a cluster" in t.screen()
        t.keys("Tab")
        t.wait(lambda s: s.startswith(" keyward ▸ Overview"), "Tab wraps to Overview")
        t.keys("2")
        # Polled, not asserted at once: a refresh under load can still show a replica syncing.
        t.wait(lambda s: "HEADROOM" in s and all(r in s for r in replicas) and "online" in s,
               "the Replication view with every replica online")
        # A Redisson-shaped lock (hash field clientId:threadId -> count, with a lease) on the master.
        host, port = master.split(":")
        r = redis.Redis(host=host, port=int(port))
        r.hset("console-lock", "client-a:7", 2)
        r.pexpire("console-lock", 30000)
        t.keys("4")
        s = t.wait(lambda s: "console-lock" in s and "client-a:7" in s, "the lock in the Locks view")
        row = next(line for line in s.split("\n") if "console-lock" in line)
        assert " 2 " in row and "s " in row, row   # reentrancy 2, a lease left in seconds
        # Force-unlock it from the console: u asks, naming lock and holder; y runs Redisson's
        # forceUnlock on the master, so the key is gone and a waiter on the channel wakes.
        waiter = r.pubsub()
        waiter.subscribe("redisson_lock__channel:{console-lock}")
        assert waiter.get_message(timeout=5)["type"] == "subscribe"
        t.keys("u")
        t.wait_text(f"FORCE-UNLOCK console-lock (held by client-a:7) on {master}? [y/N]")
        t.keys("y")
        t.wait_text(f"lock console-lock force-unlocked on {master}; waiters notified")
        assert r.exists("console-lock") == 0
        woke = waiter.get_message(timeout=5)
        assert woke and woke["type"] == "message" and woke["data"] == b"0", woke
        waiter.close()
        t.wait(lambda s: "0 held" in s and "client-a:7" not in s, "the lock gone after the force-unlock")
        t.keys("5")
        t.wait_text("lock console-lock force-unlocked")   # the result is an event too

        # Filter, sort, help.
        t.keys("1", "/")
        t.type(replicas[1].split(":")[1])
        t.keys("Enter")
        s = t.wait(lambda s: replicas[0] not in s and replicas[1] in s, "filtered to one replica")
        t.keys("Escape")
        t.wait(lambda s: replicas[0] in s and replicas[1] in s, "filter cleared")
        t.keys("s")
        t.wait_text("NODE^")
        t.keys("S")
        t.wait_text("NODEv")
        t.keys("?")
        # Both lines polled: a capture can land mid-redraw with the title drawn, the body not yet.
        t.wait(lambda s: "Keys: Overview" in s and "pause or resume" in s, "the help overlay with its key list")
        t.keys("x")
        t.wait(lambda s: "Keys: Overview" not in s, "help closed")
        t.keys("s", "s", "s", "s", "s", "s", "s", "s")   # back to natural order (sort off)
        t.wait(lambda s: "NODE^" not in s and "NODEv" not in s, "sort off")

        # Resize to 80x24 and back.
        subprocess.run(["tmux", "resize-window", "-t", t.name, "-x", "80", "-y", "24"], check=True)
        s = t.wait(lambda s: len(s.rstrip("\n").split("\n")) <= 24 and "HEALTHY" in s and "?Help" in s.split("\n")[23],
                   "80x24 layout")
        assert all(len(line) <= 80 for line in s.split("\n"))
        subprocess.run(["tmux", "resize-window", "-t", t.name, "-x", "120", "-y", "40"], check=True)
        t.wait(lambda s: "?Help" in s.rstrip("\n").split("\n")[-1] and len(s.rstrip("\n").split("\n")) == 40,
               "back to 120x40")

        # A confirmed BGSAVE on the master (first row) and its effect in Node detail.
        r.set("console-test", "1")
        t.keys("g", "Enter")
        t.wait(lambda s: f"Overview ▸ {master}" in s and "changes since save" in s and
               " 0 changes since save" not in s, "master detail with unsaved changes")
        t.keys("b")
        t.wait_text(f"BGSAVE on {master}? [y/N]")
        t.keys("y")
        t.wait_text("Background saving started")
        t.wait_text(" 0 changes since save")
        t.keys("Escape")
        t.wait(lambda s: s.startswith(" keyward ▸ Overview"), "Esc back to Overview")

        # A hung node: shown unreachable while keys keep answering quickly.
        pid = int((data / f"node-{replicas[0].split(':')[1]}" / "server.pid").read_text())
        os.kill(pid, signal.SIGSTOP)
        try:
            t.wait(lambda s: "DOWN" in s and "DEGRADED" in s, "the stopped replica shown DOWN", timeout=30)
            worst = 0.0
            for key, title in [("2", "Replication"), ("1", "Overview"), ("5", "Events"), ("1", "Overview")]:
                start = time.monotonic()
                t.keys(key)
                t.wait(lambda s: s.startswith(f" keyward ▸ {title}"), title, timeout=5)
                worst = max(worst, time.monotonic() - start)
            print(f"worst key-to-screen latency with a SIGSTOPped node: {worst * 1000:.0f} ms")
            assert worst < 1.0   # includes tmux round trips; the UI itself ticks every 100 ms
            t.keys("5")
            t.wait(lambda s: "unreachable" in s and replicas[0] in s, "an unreachable event")
        finally:
            os.kill(pid, signal.SIGCONT)
        t.keys("1")
        t.wait(lambda s: "HEALTHY" in s, "healthy again after SIGCONT", timeout=30)

        # A confirmed manual failover to the selected replica (FAILOVER TO, sent to its master).
        t.keys("g", "j")
        row = t.screen().split("\n")[5]
        target = next(w for w in row.split() if w.startswith("127.0.0.1:"))
        t.keys("F")
        t.wait_text(f"FAILOVER TO {target} on {master}? [y/N]")
        t.keys("y")
        t.wait_text(f"on {master}: OK")
        t.wait(lambda s: any(target in line and " master " in line for line in s.split("\n")[4:8]),
               "the target shown as the new master", timeout=30)
        t.keys("5")
        t.wait(lambda s: "role replica -> master" in s and target in s, "the role change in Events")
        t.keys("1")

        # Quit: the shell gets its screen back.
        t.keys("q")
        s = t.wait_text("EXIT=0")
        assert "keyward ▸" not in s, "the console's screen is gone (alternate screen left)"
        alt = subprocess.run(["tmux", "display", "-p", "-t", t.name, "#{alternate_on}"], capture_output=True, text=True)
        assert alt.stdout.strip() == "0"
    finally:
        t.kill()


def test_console_without_a_terminal_refuses(tmp_path):
    r = subprocess.run([cli(), "--seed", "127.0.0.1:1"], capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, KEYWARD_HOME=str(tmp_path)), stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert "not a terminal" in r.stderr and "status --json" in r.stderr


def test_sigterm_restores_the_terminal_and_dumb_terminals_get_text(servers, tmp_path):
    from harness.server import Server
    srv = Server(keyward_binary(), "keyward-console")
    servers.append(srv)
    srv.start()
    seed = f"127.0.0.1:{srv.port}"
    t = Tmux(f"kwt-{os.getpid()}", {"KEYWARD_HOME": str(tmp_path)})
    try:
        t.type(f"{cli()} --seed {seed} & pid=$!; fg; echo EXIT=$?")
        t.keys("Enter")
        t.wait(lambda s: "HEALTHY" in s and seed in s, "the console")
        pids = subprocess.run(["pgrep", "-f", f"^{cli()} --seed {seed}$"], capture_output=True, text=True).stdout.split()
        assert len(pids) == 1
        os.kill(int(pids[0]), signal.SIGTERM)
        s = t.wait_text("EXIT=0")
        assert "keyward ▸" not in s
        alt = subprocess.run(["tmux", "display", "-p", "-t", t.name, "#{alternate_on}"], capture_output=True, text=True)
        assert alt.stdout.strip() == "0"
        t.type(f"TERM=dumb {cli()} --seed {seed}; echo EXIT=$?")
        t.keys("Enter")
        s = t.wait(lambda s: s.count("EXIT=0") == 2, "the TERM=dumb run")
        assert "keyward > Overview" in s and "* HEALTHY" in s and f"{seed}" in s
    finally:
        t.kill()


def test_sentinel_failover_in_events_and_sentinel_views(tmp_path):
    """A failover under three Keyward sentinels (down-after 1 s): the Events view shows the
    sentinels' own events (+odown, +elected-leader, +switch-master) as they happen, the Sentinel
    view the epoch's votes and leader, and `status --json` the same timeline, schema-valid."""
    import json

    import jsonschema
    from conftest import REPO

    home, data = tmp_path / "home", tmp_path / "data"
    env = dict(os.environ, KEYWARD_HOME=str(home), KEYWARD_SERVER=keyward_binary())
    r = subprocess.run([cli(), "up", "--replicas", "1", "--sentinels", "3", "--dir", str(data), "--no-console"],
                       capture_output=True, text=True, timeout=90, env=env)
    t = Tmux(f"kws-{os.getpid()}", env)
    master_pid = None
    try:
        assert r.returncode == 0, r.stderr
        topo = dict(line.split("=", 1) for line in (data / "topology").read_text().split())
        sentinels = [redis.Redis(port=int(p), decode_responses=True) for p in topo["sentinels"].split(",")]
        for s in sentinels:
            s.execute_command("SENTINEL", "SET", "keyward", "down-after-milliseconds", "1000")
        t.type(f"{cli()} --seed {topo['seed']}; echo EXIT=$?")
        t.keys("Enter")
        t.wait(lambda s: "HEALTHY" in s, "the sentinel topology, healthy", timeout=30)
        t.keys("3")
        t.wait_text("no failover seen")   # Keyward sentinels: votes available, none cast yet
        t.keys("5")
        t.wait(lambda s: s.startswith(" keyward ▸ Events"), "Events view")
        master_pid = int((data / f"node-{topo['master']}" / "server.pid").read_text())
        os.kill(master_pid, signal.SIGSTOP)
        s = t.wait(lambda s: "+switch-master" in s, "the failover's events", timeout=45)
        assert "+odown" in s and "+elected-leader" in s and "sentinel" in s, s
        t.keys("3")
        t.wait(lambda s: "leader 127.0.0.1:" in s and "vote  :" in s and "+switch-master" in s,
               "the epoch's votes, leader and steps")

        schema = json.loads((REPO / "docs" / "admin-status.schema.json").read_text())
        out = subprocess.run([cli(), "status", "--json", "--seed", topo["seed"], "--timeout", "2"],
                             capture_output=True, text=True, timeout=60, env=env)
        doc = json.loads(out.stdout)
        jsonschema.validate(doc, schema)
        view = doc["sentinels"][0]["sentinel"]["masters"][0]
        epochs = view["timeline"]
        elected = [e for e in epochs if e.get("leader")]
        assert elected and len(elected[-1]["votes"]) >= 2, epochs
        # Votes name sentinels by their SENTINEL MYID, which their peers list as runId.
        ids = {p["runId"] for n in doc["sentinels"] for m in n["sentinel"]["masters"] for p in m["sentinels"]}
        assert elected[-1]["leader"] in ids and all(v["voter"] in ids for v in elected[-1]["votes"])
        assert {"+odown", "+elected-leader", "+switch-master"} <= {st["event"] for e in epochs for st in e["steps"]}
        assert all("votes" not in n["unavailable"] for n in doc["sentinels"])
        assert any(ev["kind"] == "sentinel" and ev["message"].startswith("+switch-master")
                   for n in doc["sentinels"] for ev in n.get("events", []))
        t.keys("q")
        t.wait_text("EXIT=0")
    finally:
        t.kill()
        if master_pid:
            try:
                os.kill(master_pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        subprocess.run([cli(), "down", "--dir", str(data)], capture_output=True, timeout=60, env=env)
