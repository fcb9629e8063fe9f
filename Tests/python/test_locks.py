"""ADMIN LOCKS through redis-py (issue 8): a lock taken with Redisson's own acquire script by
a named redis-py client shows up with its owner, lease, fencing token, waiters and the owner
connection's liveness; the wrapper's failure records (keyward:lock-failures) come back parsed.
The lock library itself is tested in Tests/LocksTests (Swift, both servers)."""
from __future__ import annotations

import json
import time

import redis

FENCED = ("if (redis.call('exists', KEYS[1]) == 0 or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then "
          "local token = redis.call('incr', KEYS[2]);redis.call('hincrby', KEYS[1], ARGV[2], 1); "
          "redis.call('pexpire', KEYS[1], ARGV[1]); return {-1, token}; end; "
          "return {redis.call('pttl', KEYS[1]), -1};")


def admin_locks(r, *pattern):
    return json.loads(r.execute_command("ADMIN", "LOCKS", *pattern))


def test_admin_locks_lists_a_redisson_lock_with_its_owner_and_waiters(keyward):
    r = redis.Redis(host=keyward.host, port=keyward.port, decode_responses=True)
    r.flushall()
    owner = redis.Redis(host=keyward.host, port=keyward.port, decode_responses=True,
                        client_name="keyward-lock:py-owner")
    owner.ping()
    assert owner.eval(FENCED, 2, "py:job", "redisson_lock_token:{py:job}", 30000, "py-owner:1") == [-1, 1]
    sub = r.pubsub()
    sub.subscribe("redisson_lock__channel:{py:job}")
    sub.get_message(timeout=1)
    doc = admin_locks(r, "py:*")
    assert doc["schema"] == 1 and doc["failureKey"] == "keyward:lock-failures"
    [lock] = doc["locks"]
    assert lock["name"] == "py:job" and lock["db"] == 0
    assert 0 < lock["remainingLeaseMs"] <= 30000
    assert lock["fencingToken"] == 1 and lock["waiters"] == 1
    assert lock["owners"] == [{"field": "py-owner:1", "clientId": "py-owner", "threadId": "1",
                               "reentrancy": 1, "connection": "alive"}]
    owner.close()
    deadline = time.monotonic() + 10
    while admin_locks(r)["locks"][0]["owners"][0]["connection"] != "gone":
        assert time.monotonic() < deadline, "the owner's closed connection was not noticed"
        time.sleep(0.02)
    r.delete("py:job")
    assert admin_locks(r)["locks"] == []
    sub.close()


def test_admin_locks_returns_recent_failure_records(keyward):
    r = redis.Redis(host=keyward.host, port=keyward.port, decode_responses=True)
    r.flushall()
    record = {"lock": "job", "task": {"name": "report"}, "holders": [], "attempts": 3, "time": 1,
              "clientId": "c", "message": "gave up"}
    r.lpush("keyward:lock-failures", json.dumps(record))
    assert admin_locks(r)["failures"] == [record]
