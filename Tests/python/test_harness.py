"""The harness's own pieces: if the RESP reader or the argument splitter were
wrong, every differential test would compare the wrong thing."""
from __future__ import annotations

import pytest

from harness.resp import Incomplete, RespError, encode, parse
from harness.script import comparable, parse_script, split_args


@pytest.mark.parametrize("raw,value", [
    (b"+OK\r\n", "OK"),
    (b"-ERR x\r\n", "ERR x"),
    (b":-5\r\n", -5),
    (b"$3\r\na\r\n\r\n", b"a\r\n"),
    (b"$-1\r\n", None),
    (b"*-1\r\n", None),
    (b"_\r\n", None),
    (b"#t\r\n", True),
    (b",1.5\r\n", 1.5),
    (b"(12345678901234567890\r\n", 12345678901234567890),
    (b"=7\r\ntxt:abc\r\n", b"txt:abc"),
    (b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n", [b"a", [1]]),
    (b"%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n", {"k": [1, 2]}),
    (b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n", b"v"),
])
def test_parse_every_reply_type(raw, value):
    node, end = parse(raw)
    assert end == len(raw) and node.raw == raw
    got = node.to_py()
    assert got == value
    assert isinstance(got, RespError) == raw.startswith(b"-")


def test_parse_needs_whole_reply():
    whole = b"*2\r\n$5\r\nhello\r\n:1\r\n"
    for cut in range(len(whole)):
        with pytest.raises(Incomplete):
            parse(whole[:cut])


def test_encode():
    assert encode(["SET", b"k\x00", 5]) == b"*3\r\n$3\r\nSET\r\n$2\r\nk\x00\r\n$1\r\n5\r\n"


@pytest.mark.parametrize("line,args", [
    ('SET k v', [b"SET", b"k", b"v"]),
    ('  SET   "a b"  \'c d\' ', [b"SET", b"a b", b"c d"]),
    (r'ECHO "\x00\xff\r\n\t\"\\"', [b"ECHO", b"\x00\xff\r\n\t\"\\"]),
    (r"ECHO 'it\'s' '\x41'", [b"ECHO", b"it's", b"\\x41"]),
    ('ECHO ""', [b"ECHO", b""]),
    (r'ECHO "\x4g"', [b"ECHO", b"x4g"]),
])
def test_split_args_like_redis_cli(line, args):
    assert split_args(line) == args


@pytest.mark.parametrize("line", ['ECHO "a', "ECHO 'a", 'ECHO "a"b'])
def test_split_args_rejects_what_redis_cli_rejects(line):
    with pytest.raises(ValueError):
        split_args(line)


def test_script_directives():
    steps = parse_script("# c\n\n!sorted KEYS *\n!sleep 0.5\n!resp3 !shape HELLO 3\nGET k\n")
    assert [s.flags for s in steps] == [{"sorted"}, set(), {"resp3", "shape"}, set()]
    assert steps[1].sleep == 0.5 and steps[3].args == [b"GET", b"k"] and steps[3].lineno == 6
    with pytest.raises(ValueError):
        parse_script("!bogus GET k")


def test_comparisons():
    a, _ = parse(b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n")
    b, _ = parse(b"*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n")
    c, _ = parse(b"*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nx\r\n")
    sorted_step, = parse_script("!sorted KEYS *")
    shape_step, = parse_script("!shape KEYS *")
    plain, = parse_script("KEYS *")
    assert comparable(sorted_step, a) == comparable(sorted_step, b) != comparable(sorted_step, c)
    assert comparable(shape_step, a) == comparable(shape_step, c)
    assert comparable(plain, a) != comparable(plain, b)
    m1, _ = parse(b"*4\r\n$1\r\nk\r\n$1\r\n1\r\n$1\r\nj\r\n$1\r\n2\r\n")
    m2, _ = parse(b"*4\r\n$1\r\nj\r\n$1\r\n2\r\n$1\r\nk\r\n$1\r\n1\r\n")
    m3, _ = parse(b"*4\r\n$1\r\nj\r\n$1\r\n1\r\n$1\r\nk\r\n$1\r\n2\r\n")
    pairs, = parse_script("!pairs CONFIG GET *")
    assert comparable(pairs, m1) == comparable(pairs, m2) != comparable(pairs, m3)
