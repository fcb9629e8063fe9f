"""BF.* (RedisBloom-compatible Bloom filters) through the wire with redis-py's
execute_command, against keyward-server only: no RedisBloom module is
installed here to compare with. Expected values come from RedisBloom's source
(src/rebloom.c, src/sb.c, deps/bloom/bloom.c) and its own tests
(tests/flow/test_overall.py, test_resp3.py).

The false-positive checks insert KEYWARD_BLOOM_N items (default 1,000,000),
verify every one reads present (no false negatives) and probe as many others.
"""
from __future__ import annotations

import os

import pytest
import redis as redispy
from redis.exceptions import ResponseError

N = int(os.environ.get("KEYWARD_BLOOM_N", "1000000"))
BATCH = 10_000


def client(server, protocol: int) -> redispy.Redis:
    c = redispy.Redis(host=server.host, port=server.port, socket_timeout=300, protocol=protocol)
    c.flushall()
    return c


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def r(request, keyward):
    c = client(keyward, request.param)
    c.resp3 = request.param == 3
    yield c
    c.close()


@pytest.fixture
def r2(keyward):
    c = client(keyward, 2)
    yield c
    c.flushall()
    c.close()


def info(c, key) -> dict:
    """BF.INFO as a dict whatever the protocol (RESP2 flat array, RESP3 map)."""
    rep = c.execute_command("BF.INFO", key)
    if isinstance(rep, dict):
        return {k.decode(): v for k, v in rep.items()}
    return {rep[i].decode(): rep[i + 1] for i in range(0, len(rep), 2)}


def batched(c, cmd, key, items):
    """`cmd key item...` in pipelined batches; returns the flat list of replies."""
    out = []
    pipe = c.pipeline(transaction=False)
    for i in range(0, len(items), BATCH):
        pipe.execute_command(cmd, key, *items[i:i + BATCH])
    for rep in pipe.execute():
        out.extend(rep)
    return out


# -- replies and shapes ---------------------------------------------------------


def test_add_exists_card_and_type(r):
    yes, no = (True, False) if r.resp3 else (1, 0)
    assert r.execute_command("BF.EXISTS", "bf", "a") == no
    assert r.execute_command("BF.CARD", "bf") == 0
    assert r.execute_command("BF.ADD", "bf", "a") == yes
    assert r.execute_command("BF.ADD", "bf", "a") == no
    assert r.execute_command("BF.MADD", "bf", "a", "b", "c") == [no, yes, yes]
    assert r.execute_command("BF.MEXISTS", "bf", "a", "zz", "c") == [yes, no, yes]
    assert r.execute_command("BF.CARD", "bf") == 3
    assert r.execute_command("TYPE", "bf") in (b"MBbloom--", "MBbloom--")
    assert r.execute_command("OBJECT", "ENCODING", "bf") == b"raw"
    assert type(r.execute_command("BF.EXISTS", "bf", "a")) is (bool if r.resp3 else int)


def test_info_fields_and_shapes(r):
    def field(name, value):
        return {name.encode(): value} if r.resp3 else [value]

    r.execute_command("BF.RESERVE", "bf", "0.001", "100")
    assert info(r, "bf") == {"Capacity": 100, "Size": 296, "Number of filters": 1,
                             "Number of items inserted": 0, "Expansion rate": 2}
    assert r.execute_command("BF.INFO", "bf", "CAPACITY") == field("Capacity", 100)
    assert r.execute_command("BF.INFO", "bf", "size") == field("Size", 296)
    assert r.execute_command("BF.INFO", "bf", "filters") == field("Number of filters", 1)
    assert r.execute_command("BF.INFO", "bf", "items") == field("Number of items inserted", 0)
    assert r.execute_command("BF.INFO", "bf", "expansion") == field("Expansion rate", 2)
    # NONSCALING: the expansion rate is null (test_nonscaling_err).
    r.execute_command("BF.RESERVE", "ns", "0.01", "3", "NONSCALING")
    assert info(r, "ns") == {"Capacity": 3, "Size": 104, "Number of filters": 1,
                             "Number of items inserted": 0, "Expansion rate": None}
    with pytest.raises(ResponseError, match="^Invalid information value$"):
        r.execute_command("BF.INFO", "bf", "wrong_value")
    with pytest.raises(ResponseError, match="^not found$"):
        r.execute_command("BF.INFO", "missing")


def test_scaling_layers_match_redisbloom(r2):
    # test_debug / test_expansion numbers; they depend on the exact hash and bit layout.
    r2.execute_command("BF.RESERVE", "bf", "0.01", "10")
    for i in range(100):
        r2.execute_command("BF.ADD", "bf", str(i))
    assert info(r2, "bf") == {"Capacity": 150, "Size": 568, "Number of filters": 4,
                              "Number of items inserted": 99, "Expansion rate": 2}
    for expansion, filters in ((1, 23), (2, 5), (4, 4)):
        key = f"exp{expansion}"
        r2.execute_command("BF.RESERVE", key, "0.01", "4", "EXPANSION", expansion)
        for i in range(100):
            r2.execute_command("BF.ADD", key, str(i))
        assert info(r2, key)["Number of filters"] == filters
        assert batched(r2, "BF.MEXISTS", key, [str(i) for i in range(100)]) == [1] * 100


def test_nonscaling_full(r):
    yes, no = (True, False) if r.resp3 else (1, 0)
    assert r.execute_command("BF.INSERT", "nse", "CAPACITY", 3, "NONSCALING", "ITEMS", "a", "b", "c") == [yes] * 3
    rep = r.execute_command("BF.INSERT", "nse", "ITEMS", "a", "b", "c", "d", "d")
    assert rep[:3] == [no, no, no] and len(rep) == 4
    assert isinstance(rep[3], ResponseError) and str(rep[3]) == "non scaling filter is full"
    with pytest.raises(ResponseError, match="^non scaling filter is full$"):
        r.execute_command("BF.ADD", "nse", "e")
    assert r.execute_command("BF.CARD", "nse") == 3


def test_errors(r2):
    # redis-py drops a leading "ERR " (and other known codes) from the message.
    cases = [
        (("BF.RESERVE", "k", "0.01"), "wrong number of arguments for 'BF.RESERVE' command"),
        (("BF.RESERVE", "k", "x", "10"), "bad error rate"),
        (("BF.RESERVE", "k", "1", "10"), "(0 < error rate range < 1) "),
        (("BF.RESERVE", "k", "0.01", "x"), "bad capacity"),
        (("BF.RESERVE", "k", "0.01", "0"), "(capacity should be larger than 0)"),
        (("BF.RESERVE", "k", "0.01", "4", "EXPANSION"), "no expansion"),
        (("BF.RESERVE", "k", "0.01", "4", "EXPANSION", "0"), "expansion should be greater or equal to 1"),
        (("BF.RESERVE", "k", "0.01", "4", "NONSCALING", "EXPANSION", "2"), "Nonscaling filters cannot expand"),
        (("BF.INSERT", "k", "NOCREATE", "ITEMS", "a"), "not found"),
        (("BF.INSERT", "k", "ERROR", "x", "ITEMS", "a"), "Bad error rate"),
        (("BF.INSERT", "k", "CAPACITY", "x", "ITEMS", "a"), "Bad capacity"),
        (("BF.INSERT", "k", "EXPANSION", "x", "ITEMS", "a"), "Bad expansion"),
        (("BF.INSERT", "k", "EXPANSION", "0", "ITEMS", "a"), "Bad argument received"),
        (("BF.INSERT", "k", "BOGUS", "ITEMS", "a"), "Unknown argument received"),
        (("BF.ADD", "k"), "wrong number of arguments for 'BF.ADD' command"),
    ]
    for args, text in cases:
        with pytest.raises(ResponseError) as e:
            r2.execute_command(*args)
        assert str(e.value) == text, args
    r2.execute_command("BF.RESERVE", "k", "0.01", "4")
    with pytest.raises(ResponseError, match="^item exists$"):
        r2.execute_command("BF.RESERVE", "k", "0.01", "4")
    r2.set("s", "x")
    for args in (("BF.ADD", "s", "a"), ("BF.INFO", "s"), ("BF.CARD", "s"), ("BF.RESERVE", "s", "0.1", "5")):
        with pytest.raises(ResponseError, match="^WRONGTYPE Operation against a key holding the wrong kind of value$"):
            r2.execute_command(*args)
    # BF.EXISTS reads a key of another type as a missing filter, as RedisBloom does.
    assert r2.execute_command("BF.EXISTS", "s", "a") == 0


# -- probabilistic properties ---------------------------------------------------


def fp_rate(c, key) -> float:
    inserted = [b"in:%d" % i for i in range(N)]
    batched(c, "BF.MADD", key, inserted)
    assert all(x == 1 for x in batched(c, "BF.MEXISTS", key, inserted)), "false negative"
    probes = batched(c, "BF.MEXISTS", key, [b"out:%d" % i for i in range(N)])
    return sum(probes) / N


@pytest.mark.parametrize("error", ["0.01", "0.001"])
def test_false_positive_rate_reserved(r2, error):
    r2.execute_command("BF.RESERVE", "bf", error, N)
    rate = fp_rate(r2, "bf")
    assert rate <= float(error), rate
    assert info(r2, "bf")["Number of filters"] == 1


def test_false_positive_rate_scaling(r2):
    # BF.MADD creates the key with capacity 100, error 0.01, expansion 2.
    rate = fp_rate(r2, "bf")
    assert rate <= 0.01, rate
    i = info(r2, "bf")
    assert i["Number of filters"] >= 8 and i["Capacity"] >= N
    assert i["Number of items inserted"] <= N
