"""Datasets and keyspace comparisons shared by the persistence and replication tests: a small
set of keys of every type (compact and big encodings), and a snapshot of a keyspace through
redis-py that compares equal across servers (order-free where Redis doesn't fix the order)."""
from __future__ import annotations


def fill_every_type(r) -> None:
    r.set("str", "hello")
    r.set("int", 12345)
    r.set("ttl", "v", ex=1000)
    r.incrbyfloat("float", 2.5)
    r.rpush("list", *[f"e{i}" for i in range(300)])
    r.rpush("smalllist", "a", "b")
    r.hset("hash", mapping={f"f{i}": f"v{i}" for i in range(200)})
    r.hset("smallhash", "a", "1")
    r.sadd("intset", 1, 2, 3)
    r.sadd("set", *[f"m{i}" for i in range(150)])
    r.zadd("zset", {f"z{i}": i / 3 for i in range(200)})
    r.zadd("smallzset", {"a": 1.5})


def snapshot(r, encoding: bool = False) -> dict:
    """key -> (type, value, [OBJECT ENCODING,] has a TTL) for every key of the client's db."""
    out = {}
    for k in sorted(r.keys("*")):
        t = r.type(k).decode()
        if t == "string":
            v = r.get(k)
        elif t == "list":
            v = r.lrange(k, 0, -1)
        elif t == "hash":
            v = sorted(r.hgetall(k).items())
        elif t == "set":
            v = sorted(r.smembers(k))
        elif t == "zset":
            v = r.zrange(k, 0, -1, withscores=True)
        else:
            v = None
        ttl = r.pttl(k) > 0
        out[k] = (t, v, r.object("encoding", k), ttl) if encoding else (t, v, ttl)
    return out
