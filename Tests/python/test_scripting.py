"""Scripting between real processes, run on both servers (`target`): Redisson's RLock
scripts (as Redisson 3.x sends them: EVALSHA first, EVAL on NOSCRIPT), redsync's
release/extend scripts, and BUSY: an infinite loop makes other clients get BUSY,
SCRIPT KILL ends it; a writing loop is UNKILLABLE and SHUTDOWN NOSAVE stops the server.
Uses the harness's own RESP connection (no client library needed)."""
from __future__ import annotations

import hashlib
import threading
import time

from harness.resp import Conn

LOCK = """if ((redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; return redis.call('pttl', KEYS[1]);"""
UNLOCK = """if (redis.call('hexists', KEYS[1], ARGV[3]) == 0) then return nil;end; local counter = redis.call('hincrby', KEYS[1], ARGV[3], -1); if (counter > 0) then redis.call('pexpire', KEYS[1], ARGV[2]); return 0; else redis.call('del', KEYS[1]); redis.call('publish', KEYS[2], ARGV[1]); return 1; end; return nil;"""
RENEW = """if (redis.call('hexists', KEYS[1], ARGV[2]) == 1) then redis.call('pexpire', KEYS[1], ARGV[1]); return 1; end; return 0;"""
REDSYNC_RELEASE = """
	local val = redis.call("GET", KEYS[1])
	if val == ARGV[1] then
		return redis.call("DEL", KEYS[1])
	elseif val == false then
		return -1
	else
		return 0
	end
"""
REDSYNC_EXTEND = """
	local val = redis.call("GET", KEYS[1])
	if val == ARGV[1] then
		return redis.call("PEXPIRE", KEYS[1], ARGV[2])
	elseif val == false then
		return -1
	else
		return 0
	end
"""


def conn(server):
    return Conn(server.host, server.port)


def evalsha_or_eval(c, script, keys, args):
    """Redisson's pattern: EVALSHA, and EVAL when the script is not cached."""
    sha = hashlib.sha1(script.encode()).hexdigest()
    r = c.call("EVALSHA", sha, len(keys), *keys, *args)
    if r.is_error and r.to_py().startswith("NOSCRIPT"):
        r = c.call("EVAL", script, len(keys), *keys, *args)
    return r


def test_redisson_rlock(target):
    c, sub = conn(target), conn(target)
    c.call("FLUSHALL")
    c.call("SCRIPT", "FLUSH")
    sub.call("SUBSCRIBE", "redisson_lock__channel:{lock}")
    owner, other = "uuid-1:1", "uuid-2:1"
    assert evalsha_or_eval(c, LOCK, ["lock"], [30000, owner]).raw == b"$-1\r\n"
    assert evalsha_or_eval(c, LOCK, ["lock"], [30000, owner]).raw == b"$-1\r\n"      # reentrant
    assert c.call("HGET", "lock", owner).raw == b"$1\r\n2\r\n"
    ttl = evalsha_or_eval(c, LOCK, ["lock"], [30000, other]).to_py()
    assert 0 < ttl <= 30000
    assert evalsha_or_eval(c, RENEW, ["lock"], [30000, owner]).raw == b":1\r\n"
    assert evalsha_or_eval(c, RENEW, ["lock"], [30000, other]).raw == b":0\r\n"
    unlock = ["lock", "redisson_lock__channel:{lock}"]
    assert evalsha_or_eval(c, UNLOCK, unlock, [0, 30000, other]).raw == b"$-1\r\n"
    assert evalsha_or_eval(c, UNLOCK, unlock, [0, 30000, owner]).raw == b":0\r\n"
    assert evalsha_or_eval(c, UNLOCK, unlock, [0, 30000, owner]).raw == b":1\r\n"
    assert c.call("EXISTS", "lock").raw == b":0\r\n"
    msg = sub.read(timeout=5).to_py()
    assert msg[0] in (b"message", "message") and msg[2] in (b"0", "0")


def test_redsync_scripts(target):
    c = conn(target)
    c.call("FLUSHALL")
    for script in (REDSYNC_RELEASE, REDSYNC_EXTEND):
        sha = c.call("SCRIPT", "LOAD", script).to_py()
        assert sha in (hashlib.sha1(script.encode()).hexdigest(), hashlib.sha1(script.encode()).hexdigest().encode())
    c.call("SET", "m", "tok", "PX", "10000")
    assert c.call("EVAL", REDSYNC_EXTEND, 1, "m", "tok", 20000).raw == b":1\r\n"
    assert c.call("EVAL", REDSYNC_RELEASE, 1, "m", "bad").raw == b":0\r\n"
    assert c.call("EVAL", REDSYNC_RELEASE, 1, "m", "tok").raw == b":1\r\n"
    assert c.call("EVAL", REDSYNC_RELEASE, 1, "m", "tok").raw == b":-1\r\n"


def _run_in_thread(server, *args):
    out = {}

    def body():
        with Conn(server.host, server.port, timeout=30) as c:
            try:
                out["reply"] = c.call(*args).raw
            except Exception as e:   # the server may exit (SHUTDOWN NOSAVE)
                out["reply"] = repr(e)
    t = threading.Thread(target=body)
    t.start()
    return t, out


def _wait_busy(c):
    for _ in range(100):
        r = c.call("PING")
        if r.is_error and r.to_py().startswith("BUSY"):
            return r.raw
        time.sleep(0.05)
    raise AssertionError("never got BUSY")


def test_busy_script_kill(target):
    c = conn(target)
    c.call("CONFIG", "SET", "busy-reply-threshold", "100")
    try:
        t, out = _run_in_thread(target, "EVAL", "while true do end", 0)
        assert _wait_busy(c) == b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
        assert c.call("SCRIPT", "KILL").raw == b"+OK\r\n"
        t.join(10)
        assert out["reply"].startswith(b"-ERR Script killed by user with SCRIPT KILL... script: ")
        assert c.call("PING").raw == b"+PONG\r\n"
    finally:
        c.call("CONFIG", "SET", "busy-reply-threshold", "5000")


def test_unkillable_then_shutdown_nosave(server_factory):
    for which in ("redis", "keyward"):
        srv = server_factory(which)
        c = conn(srv)
        c.call("CONFIG", "SET", "busy-reply-threshold", "100")
        t, out = _run_in_thread(srv, "EVAL", "redis.call('set','k','v') while true do end", 0)
        _wait_busy(c)
        assert c.call("SCRIPT", "KILL").raw.startswith(b"-UNKILLABLE Sorry the script already executed write commands")
        assert c.call("SHUTDOWN").raw.startswith(b"-BUSY")
        c.send("SHUTDOWN", "NOSAVE")
        t.join(10)
        assert not t.is_alive()
        for _ in range(100):
            if not srv.alive():
                break
            time.sleep(0.05)
        assert not srv.alive(), which


def test_redis_py_register_script_falls_back_to_eval(target):
    """redis-py's Script object: EVALSHA, and on NOSCRIPT a SCRIPT LOAD and a retry."""
    import redis as redispy
    r = redispy.Redis(host=target.host, port=target.port)
    r.script_flush()
    incr = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    r.delete("rp:n")
    assert incr(keys=["rp:n"], args=[5]) == 5
    r.script_flush()                      # forces the NOSCRIPT path again
    assert incr(keys=["rp:n"], args=[2]) == 7
    pipe = r.pipeline()
    incr(keys=["rp:n"], args=[1], client=pipe)
    assert pipe.execute() == [8]
