"""maxmemory and eviction policies against a live server, the same scenarios on the
real redis-server (to prove each test) and on keyward-server.

Each test sets `maxmemory 20mb` and a policy on the session's server, writes past
the limit with 1 KB values, and checks what Redis guarantees: used memory stays
near the limit, `evicted_keys` grows, volatile-* evict only keys with a TTL (and
refuse writes with -OOM when none is left), LRU/LFU keep a hot set that is read
continuously in preference to cold keys (statistical: generous bounds), noeviction
refuses denyoom commands while reads and DEL still work, and `evicted` keyspace
events reach a subscriber. The fixture restores the server's settings afterwards.
"""
from __future__ import annotations

import time

import pytest
import redis as redispy

LIMIT = 20 * 1024 * 1024
VALUE = b"x" * 1024
OOM = "command not allowed when used memory > 'maxmemory'."


@pytest.fixture
def mm(target):
    r = redispy.Redis(host=target.host, port=target.port)
    r.flushall()
    r.config_resetstat()
    r.config_set("maxmemory", LIMIT)
    yield r
    r.config_set("maxmemory", 0)
    r.config_set("maxmemory-policy", "noeviction")
    r.config_set("notify-keyspace-events", "")
    r.config_set("lfu-log-factor", 10)
    r.config_set("maxmemory-samples", 5)
    r.flushall()
    r.close()


def fill(r, prefix: str, n: int, ttl: int | None = None, batch: int = 500):
    """Writes n keys; returns the number of OOM errors."""
    ooms = 0
    for start in range(0, n, batch):
        p = r.pipeline(transaction=False)
        for i in range(start, min(n, start + batch)):
            if ttl:
                p.set(f"{prefix}{i}", VALUE, ex=ttl)
            else:
                p.set(f"{prefix}{i}", VALUE)
        for res in p.execute(raise_on_error=False):
            if isinstance(res, redispy.exceptions.ResponseError):
                assert OOM in str(res), res
                ooms += 1
    return ooms


def used(r) -> int:
    return r.info("memory")["used_memory"]


def evicted(r) -> int:
    return r.info("stats")["evicted_keys"]


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random",
                                    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_memory_stays_bounded(mm, policy):
    mm.config_set("maxmemory-policy", policy)
    ttl = 100000 if policy.startswith("volatile") else None
    assert fill(mm, "k:", 40000, ttl=ttl) == 0
    assert used(mm) <= LIMIT * 1.05
    assert evicted(mm) > 10000
    assert 5000 < mm.dbsize() < 40000


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"])
def test_volatile_evicts_only_keys_with_ttl(mm, policy):
    mm.config_set("maxmemory-policy", policy)
    assert fill(mm, "p:", 8000) == 0                 # ~ 9 MB persistent
    assert fill(mm, "t:", 8000, ttl=100000) == 0      # ~ 9 MB volatile
    assert fill(mm, "q:", 16000) > 0                  # volatile keys run out: -OOM
    persistent = sum(1 for k in mm.scan_iter("p:*", count=1000))
    assert persistent == 8000
    assert evicted(mm) >= 7000
    # Reads and DEL still work; DEL makes room again.
    assert mm.get("p:1") == VALUE
    assert mm.delete(*[f"p:{i}" for i in range(2000)]) == 2000
    assert mm.set("after", b"v")


def test_noeviction_refuses_writes_but_not_reads_or_del(mm):
    mm.config_set("maxmemory-policy", "noeviction")
    assert fill(mm, "k:", 30000) > 0
    # The pipelined fill's query buffer (~500 KB) counts while it is read and is released
    # after it: used memory can drop back under the limit. Single writes until one is
    # refused put the server over the limit with no such buffer left.
    for i in range(3000):
        try:
            mm.set(f"one:{i}", VALUE)
        except redispy.exceptions.ResponseError as e:
            assert OOM in str(e)
            break
    else:
        pytest.fail("no write was refused over the limit")
    assert evicted(mm) == 0
    with pytest.raises(redispy.exceptions.ResponseError, match="command not allowed when used memory"):
        mm.lpush("list", b"x")
    assert mm.get("k:1") == VALUE
    assert mm.exists("k:2") == 1
    assert mm.delete(*[f"k:{i}" for i in range(3000)]) == 3000
    assert mm.set("after", b"v")


COLD = 12000


def hot_set_survives(r, reads_per_round: int):
    """Cold keys, then a hot set read continuously while new keys push memory over the
    limit; returns (hot kept fraction, cold kept fraction)."""
    hot = [f"hot:{i}" for i in range(500)]
    p = r.pipeline(transaction=False)
    for k in hot:
        p.set(k, VALUE)
    p.execute()
    # Under the limit with room to spare (~14 MB): if the cold fill itself evicted, the oldest
    # keys would go first and those are the hot set, not yet read — one way redis-server could
    # keep only 60-61% of it (two CI runs, after other tests). The premise is checked.
    fill(r, "cold:", COLD)
    assert evicted(r) == 0, "the cold fill alone went over maxmemory"
    time.sleep(2.1)                                  # the LRU clock has 1 s resolution
    for rnd in range(20):
        # 100 GETs per pipeline: 500 pending 1 KB replies are output-buffer memory that both
        # servers count toward maxmemory, evicting mid-read (redis-server kept 60% of the hot
        # set once on a loaded CI machine).
        for _ in range(reads_per_round):
            for at in range(0, len(hot), 100):
                p = r.pipeline(transaction=False)
                for k in hot[at:at + 100]:
                    p.get(k)
                p.execute()
        fill(r, f"new{rnd}:", 600)                   # 12,000 new keys: ~5,000 must go
    kept_hot = sum(r.exists(k) for k in hot) / len(hot)
    p = r.pipeline(transaction=False)
    for i in range(COLD):
        p.exists(f"cold:{i}")
    kept_cold = sum(p.execute()) / COLD
    assert evicted(r) > 2000
    return kept_hot, kept_cold


def test_allkeys_lru_keeps_the_hot_set(mm):
    mm.config_set("maxmemory-policy", "allkeys-lru")
    # Approximated LRU: with the default 5 samples redis-server itself kept 74-100% of the hot
    # set across runs (74% failed CI once); 10 samples, Redis's advice for accuracy, keeps the
    # test about the policy rather than sampling luck.
    mm.config_set("maxmemory-samples", 10)
    hot, cold = hot_set_survives(mm, reads_per_round=1)
    assert hot >= 0.75 and hot >= cold + 0.2, (hot, cold)


def test_allkeys_lfu_keeps_the_hot_set(mm):
    mm.config_set("maxmemory-policy", "allkeys-lfu")
    # With the default lfu-log-factor 10, three reads lift a counter from 5 to about 6, barely
    # above a cold key's 5: redis-server itself then kept only 72% of the hot set in one CI run.
    # Factor 0 counts every read, so the test is about the policy, not sampling luck.
    mm.config_set("lfu-log-factor", 0)
    hot, cold = hot_set_survives(mm, reads_per_round=3)
    assert hot >= 0.75 and hot >= cold + 0.2, (hot, cold)


def test_lfu_object_freq_grows_with_reads(mm):
    mm.config_set("maxmemory-policy", "allkeys-lfu")
    mm.set("f", b"v")
    assert mm.object("freq", "f") == 5 or mm.object("freq", "f") <= 5
    for _ in range(100):
        mm.get("f")
    assert mm.object("freq", "f") > 5


def test_evicted_keyspace_events(mm):
    mm.config_set("maxmemory-policy", "allkeys-random")
    mm.config_set("notify-keyspace-events", "Ee")
    sub = mm.pubsub()
    sub.subscribe("__keyevent@0__:evicted")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    fill(mm, "k:", 30000)
    n = evicted(mm)
    assert n > 5000
    got = 0
    deadline = time.time() + 10
    while got < n and time.time() < deadline:
        m = sub.get_message(timeout=1)
        if m and m["type"] == "message":
            assert m["data"].startswith(b"k:")
            got += 1
    sub.close()
    assert got == n
