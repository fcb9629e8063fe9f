// Strings family: what the recorded transcripts (StringOracleTests) cannot show — TTLs under a
// controlled clock, encodings, in-place growth, keyspace events and command metadata. Expected
// replies come from redis-server 7.0.15.
import XCTest
@testable import Engine
import RESP

extension EngineHarness {
    /// The stored value at `key` in the current db (no expiry applied).
    func stored(_ key: String) -> Value? {
        Array(key.utf8).withUnsafeBytes { engine.dbs[client.db].find($0) }
    }
    func encoding(_ key: String) -> String? { stored(key)?.encodingName }
    /// Absolute expire time (ms) of `key`, nil when persistent or missing.
    func expireAt(_ key: String) -> Int64? {
        Array(key.utf8).withUnsafeBytes { engine.dbs[client.db].expireTime($0) }
    }
    /// Records (key, event) for every keyspace change from now on.
    func recordEvents() -> EventLog {
        let log = EventLog()
        engine.keyChangeObservers.append { _, key, event in
            log.events.append("\(event) \(String(decoding: key, as: UTF8.self))")
        }
        return log
    }
    func putWrongType(_ key: String) {
        _ = Array(key.utf8).withUnsafeBytes { engine.dbs[client.db].set($0, .object(FakeList())) }
    }
}

final class EventLog { var events: [String] = [] }

final class StringCommandsTests: XCTestCase {
    let wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

    func testSetExpireOptionsUseEngineClock() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        XCTAssertEqual(h.raw(["SET", "k", "v", "EX", "100"]), "+OK\r\n")
        XCTAssertEqual(h.expireAt("k"), 1_100_000)
        XCTAssertEqual(h.raw(["SET", "k", "v", "PX", "1500"]), "+OK\r\n")
        XCTAssertEqual(h.expireAt("k"), 1_001_500)
        XCTAssertEqual(h.raw(["SET", "k", "v2", "KEEPTTL"]), "+OK\r\n")
        XCTAssertEqual(h.expireAt("k"), 1_001_500)
        XCTAssertEqual(h.raw(["SET", "k", "v3"]), "+OK\r\n")
        XCTAssertNil(h.expireAt("k"))
        XCTAssertEqual(h.raw(["SET", "k", "v", "EXAT", "2000"]), "+OK\r\n")
        XCTAssertEqual(h.expireAt("k"), 2_000_000)
        XCTAssertEqual(h.raw(["SET", "k", "v", "PXAT", "3000000"]), "+OK\r\n")
        XCTAssertEqual(h.expireAt("k"), 3_000_000)
        XCTAssertEqual(h.raw(["SETEX", "s", "10", "v"]), "+OK\r\n")
        XCTAssertEqual(h.expireAt("s"), 1_010_000)
        XCTAssertEqual(h.raw(["PSETEX", "p", "10", "v"]), "+OK\r\n")
        XCTAssertEqual(h.expireAt("p"), 1_000_010)

        // The key is gone once the clock passes its time (Redis: expired when now > at).
        h.engine.now = 1_000_010
        XCTAssertEqual(h.raw(["GET", "p"]), "$1\r\nv\r\n")
        h.engine.now = 1_000_011
        XCTAssertEqual(h.raw(["GET", "p"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["GET", "s"]), "$1\r\nv\r\n")
    }

    func testSetExpireValidation() {
        let h = EngineHarness()
        h.engine.now = 1_700_000_000_000
        let invalid = "-ERR invalid expire time in 'set' command\r\n"
        XCTAssertEqual(h.raw(["SET", "k", "v", "EX", "0"]), invalid)
        XCTAssertEqual(h.raw(["SET", "k", "v", "PX", "-1"]), invalid)
        // Seconds that overflow when scaled, and relative times that overflow when added.
        XCTAssertEqual(h.raw(["SET", "k", "v", "EX", "9223372036854776"]), invalid)
        XCTAssertEqual(h.raw(["SET", "k", "v", "EX", "9223372036854775"]), invalid)
        XCTAssertEqual(h.raw(["SET", "k", "v", "PX", "9223372036854775807"]), invalid)
        XCTAssertEqual(h.raw(["SET", "k", "v", "PXAT", "9223372036854775807"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SET", "k", "v", "EX", "x"]), "-ERR value is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["SETEX", "k", "0", "v"]), "-ERR invalid expire time in 'setex' command\r\n")
        XCTAssertEqual(h.raw(["PSETEX", "k", "0", "v"]), "-ERR invalid expire time in 'psetex' command\r\n")
        XCTAssertEqual(h.raw(["GETEX", "k", "EX", "0"]), "-ERR invalid expire time in 'getex' command\r\n")
        XCTAssertEqual(h.raw(["SET", "k", "v", "KEEPTTL", "EX", "10"]), "-ERR syntax error\r\n")
    }

    func testSetWithPastAbsoluteTimeExpiresLazily() {
        let h = EngineHarness()
        h.engine.now = 5_000_000
        XCTAssertEqual(h.raw(["SET", "k", "v", "EXAT", "1"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["GET", "k"]), "$-1\r\n")
        XCTAssertNil(h.stored("k"))
    }

    func testGetexSetsPersistsAndDeletes() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["SET", "k", "v"])
        XCTAssertEqual(h.raw(["GETEX", "k", "EX", "100"]), "$1\r\nv\r\n")
        XCTAssertEqual(h.expireAt("k"), 1_100_000)
        XCTAssertEqual(h.raw(["GETEX", "k", "PXAT", "1200000"]), "$1\r\nv\r\n")
        XCTAssertEqual(h.expireAt("k"), 1_200_000)
        XCTAssertEqual(h.raw(["GETEX", "k"]), "$1\r\nv\r\n")
        XCTAssertEqual(h.expireAt("k"), 1_200_000)
        XCTAssertEqual(h.raw(["GETEX", "k", "PERSIST"]), "$1\r\nv\r\n")
        XCTAssertNil(h.expireAt("k"))
        // An absolute time already reached deletes the key after replying its value.
        XCTAssertEqual(h.raw(["GETEX", "k", "PXAT", "1000000"]), "$1\r\nv\r\n")
        XCTAssertNil(h.stored("k"))
        XCTAssertEqual(h.raw(["GETEX", "k", "EX", "0"]), "$-1\r\n")
    }

    func testWritesThatKeepOrClearTheTTL() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        for (cmd, keeps) in [(["INCR", "n"], true), (["INCRBYFLOAT", "n", "1.5"], true), (["APPEND", "n", "x"], true),
                             (["SETRANGE", "n", "0", "y"], true), (["SETBIT", "n", "1", "1"], true),
                             (["BITFIELD", "n", "SET", "u8", "0", "1"], true), (["GETSET", "n", "1"], false),
                             (["SET", "n", "1"], false), (["MSET", "n", "1"], false)] {
            h.raw(["SET", "n", "1", "EX", "50"])
            _ = h.raw(cmd)
            XCTAssertEqual(h.expireAt("n") != nil, keeps, "\(cmd)")
        }
        h.raw(["SET", "a", "a", "EX", "50"])
        h.raw(["SET", "d", "x", "EX", "50"])
        XCTAssertEqual(h.raw(["BITOP", "NOT", "d", "a"]), ":1\r\n")
        XCTAssertNil(h.expireAt("d"))
    }

    func testEncodingsMatchRedis() {
        let h = EngineHarness()
        h.raw(["SET", "i", "12345"]); XCTAssertEqual(h.encoding("i"), "int")
        h.raw(["SET", "z", "0123"]); XCTAssertEqual(h.encoding("z"), "embstr")
        h.raw(["SET", "e", String(repeating: "a", count: 44)]); XCTAssertEqual(h.encoding("e"), "embstr")
        h.raw(["SET", "r", String(repeating: "a", count: 45)]); XCTAssertEqual(h.encoding("r"), "raw")
        h.raw(["APPEND", "a", "123"]); XCTAssertEqual(h.encoding("a"), "int")
        h.raw(["APPEND", "a", "4"]); XCTAssertEqual(h.encoding("a"), "raw")
        h.raw(["APPEND", "empty", ""]); XCTAssertEqual(h.encoding("empty"), "embstr")
        h.raw(["APPEND", "empty", ""]); XCTAssertEqual(h.encoding("empty"), "raw")
        h.raw(["INCR", "a"]); XCTAssertEqual(h.encoding("a"), "int")
        h.raw(["INCRBYFLOAT", "f", "3"]); XCTAssertEqual(h.encoding("f"), "embstr")
        h.raw(["INCRBYFLOAT", "f", "99999999999999999999999999999999999999999999999999"])
        XCTAssertEqual(h.encoding("f"), "raw")
        h.raw(["SET", "s", "12"])
        h.raw(["SETRANGE", "s", "0", ""]); XCTAssertEqual(h.encoding("s"), "int")
        h.raw(["SETRANGE", "s", "0", "3"]); XCTAssertEqual(h.encoding("s"), "raw")
        h.raw(["SETRANGE", "new", "2", "x"]); XCTAssertEqual(h.encoding("new"), "raw")
        h.raw(["SET", "b", "1"])
        h.raw(["BITFIELD", "b", "GET", "u8", "0"]); XCTAssertEqual(h.encoding("b"), "int")
        h.raw(["BITFIELD", "b", "SET", "u8", "0", "49"]); XCTAssertEqual(h.encoding("b"), "raw")
        h.raw(["SET", "x", "a"])
        h.raw(["BITOP", "AND", "dst", "x"]); XCTAssertEqual(h.encoding("dst"), "raw")
        XCTAssertEqual(h.raw(["GET", "s"]), "$2\r\n32\r\n")
    }

    func testAppendGrowsInPlaceWithSpareCapacity() {
        let h = EngineHarness()
        // Only weak references here: a strong one would make the buffer shared (and copied).
        func buffer() -> HeapBytes? { if case .raw(let b)? = h.stored("k") { return b } else { return nil } }
        h.raw(["SET", "k", String(repeating: "a", count: 50)])
        h.raw(["APPEND", "k", "b"])
        weak var current = buffer()
        XCTAssertNotNil(current)
        // Append until the buffer is reallocated; the new one must have sds-like spare room.
        var appended = 0
        while current != nil && appended < 200 { h.raw(["APPEND", "k", "c"]); appended += 1 }
        XCTAssertNil(current, "never reallocated")
        current = buffer()
        let (count, capacity) = (current?.count ?? 0, current?.capacity ?? 0)
        XCTAssertGreaterThanOrEqual(capacity, 2 * count - 1)
        // Appends within that room reuse the same buffer.
        for _ in 0..<(capacity - count) { h.raw(["APPEND", "k", "d"]) }
        XCTAssertNotNil(current, "appends within capacity must not reallocate")
        XCTAssertEqual(current?.count, capacity)
        XCTAssertEqual(h.raw(["STRLEN", "k"]), ":\(capacity)\r\n")

        // A value still referenced elsewhere (a snapshot, say) is copied, never changed under it.
        let snapshot = h.stored("k")
        h.raw(["APPEND", "k", "e"])
        XCTAssertEqual(snapshot?.stringLength, capacity)
        XCTAssertEqual(h.stored("k")?.stringLength, capacity + 1)
        XCTAssertEqual(h.raw(["GETRANGE", "k", "-3", "-1"]), "$3\r\ndde\r\n")
    }

    func testIncrAndDecrErrors() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["INCR", "n"]), ":1\r\n")
        XCTAssertEqual(h.raw(["DECRBY", "n", "-9223372036854775808"]), "-ERR decrement would overflow\r\n")
        XCTAssertEqual(h.raw(["INCRBY", "n", "9223372036854775807"]), "-ERR increment or decrement would overflow\r\n")
        h.raw(["SET", "n", "1.0"])
        XCTAssertEqual(h.raw(["INCR", "n"]), "-ERR value is not an integer or out of range\r\n")
        h.putWrongType("l")
        XCTAssertEqual(h.raw(["INCR", "l"]), wrongType)
        XCTAssertEqual(h.raw(["INCRBY", "l", "x"]), "-ERR value is not an integer or out of range\r\n")
    }

    func testIncrbyfloatFormatsLikeRedis() {
        let h = EngineHarness()
        h.raw(["SET", "f", "10.50"])
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "f", "0.1"]), "$4\r\n10.6\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "f", "-5.6"]), "$1\r\n5\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "f", "5.0e3"]), "$4\r\n5005\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "g", "0x10"]), "$2\r\n16\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "z", "-0.0"]), "$1\r\n0\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "t", "0.00000000000000001"]), "$19\r\n0.00000000000000001\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "u", "0.000000000000000001"]), "$1\r\n0\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "big", "123456789012345678901234567890"]),
                       "$30\r\n123456789012345678899921813504\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "f", "inf"]), "-ERR increment would produce NaN or Infinity\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "f", "nan"]), "-ERR value is not a valid float\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "f", " 1"]), "-ERR value is not a valid float\r\n")
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "f", "1e-5000"]), "-ERR value is not a valid float\r\n")
        h.raw(["SET", "m", "5"])
        XCTAssertEqual(h.raw(["INCRBYFLOAT", "m", "1.5"]), "$3\r\n6.5\r\n")
    }

    func testSizeLimits() {
        let h = EngineHarness()
        let tooBig = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        h.raw(["SET", "s", "abc"])
        XCTAssertEqual(h.raw(["SETRANGE", "s", "536870912", "x"]), tooBig)
        XCTAssertEqual(h.raw(["SETRANGE", "new", "536870912", "x"]), tooBig)
        XCTAssertEqual(h.raw(["SETRANGE", "s", "9223372036854775807", "x"]), tooBig)
        XCTAssertEqual(h.raw(["SETRANGE", "new", "536870912", ""]), ":0\r\n")
        XCTAssertEqual(h.raw(["SETRANGE", "s", "-1", "x"]), "-ERR offset is out of range\r\n")
        XCTAssertNil(h.stored("new"))
    }

    func testKeyspaceEvents() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        let log = h.recordEvents()
        h.raw(["SET", "k", "v", "EX", "100"])
        h.raw(["GETEX", "k", "PERSIST"])
        h.raw(["GETEX", "k", "PERSIST"])          // no TTL left: no event
        h.raw(["GETEX", "k", "EXAT", "1"])        // deleted
        h.raw(["GETDEL", "nokey"])
        h.raw(["SET", "n", "1"])
        h.raw(["INCR", "n"])
        h.raw(["INCRBYFLOAT", "n", "1"])
        h.raw(["APPEND", "n", "x"])
        h.raw(["SETRANGE", "n", "0", "y"])
        h.raw(["SETRANGE", "n", "0", ""])         // nothing written: no event
        h.raw(["GETSET", "n", "2"])
        h.raw(["MSET", "a", "1", "b", "2"])
        h.raw(["SETNX", "a", "x"])                // exists: no event
        h.raw(["PSETEX", "p", "10", "v"])
        h.raw(["GETDEL", "p"])
        XCTAssertEqual(log.events, ["set k", "expire k", "persist k", "del k", "set n", "incrby n", "incrbyfloat n",
                                    "append n", "setrange n", "set n", "set a", "set b", "set p", "expire p", "del p"])
    }

    func testResp3Replies() {
        let h = EngineHarness(proto: .v3)
        XCTAssertEqual(h.raw(["GET", "missing"]), "_\r\n")
        XCTAssertEqual(h.raw(["SET", "k", "v", "NX", "GET"]), "_\r\n")
        XCTAssertEqual(h.raw(["MGET", "k", "x"]), "*2\r\n$1\r\nv\r\n_\r\n")
        XCTAssertEqual(h.raw(["LCS", "k", "k", "IDX"]),
                       "%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:0\r\n:0\r\n*2\r\n:0\r\n:0\r\n$3\r\nlen\r\n:1\r\n")
    }

    func testCommandMetadata() {
        let t = CommandTable()
        func check(_ name: String, _ arity: Int, _ flags: [String], _ keys: (Int, Int, Int), since: String,
                   file: StaticString = #filePath, line: UInt = #line) {
            guard let s = t.lookup(name) else { return XCTFail("no \(name)", file: file, line: line) }
            XCTAssertEqual(s.arity, arity, name, file: file, line: line)
            XCTAssertEqual(s.flags.names, flags, name, file: file, line: line)
            XCTAssertEqual([s.firstKey, s.lastKey, s.step], [keys.0, keys.1, keys.2], name, file: file, line: line)
            XCTAssertEqual(s.since, since, name, file: file, line: line)
            XCTAssertEqual(s.categories, [s.group == "bitmap" ? "bitmap" : "string"], name, file: file, line: line)
        }
        check("get", 2, ["readonly", "fast"], (1, 1, 1), since: "1.0.0")
        check("set", -3, ["write", "denyoom"], (1, 1, 1), since: "1.0.0")
        check("incr", 2, ["write", "denyoom", "fast"], (1, 1, 1), since: "1.0.0")
        check("getdel", 2, ["write", "fast"], (1, 1, 1), since: "6.2.0")
        check("getex", -2, ["write", "fast"], (1, 1, 1), since: "6.2.0")
        check("mget", -2, ["readonly", "fast"], (1, -1, 1), since: "1.0.0")
        check("mset", -3, ["write", "denyoom"], (1, -1, 2), since: "1.0.1")
        check("msetnx", -3, ["write", "denyoom"], (1, -1, 2), since: "1.0.1")
        check("getrange", 4, ["readonly"], (1, 1, 1), since: "2.4.0")
        check("substr", 4, ["readonly"], (1, 1, 1), since: "1.0.0")
        check("lcs", -3, ["readonly"], (1, 2, 1), since: "7.0.0")
        check("setbit", 4, ["write", "denyoom"], (1, 1, 1), since: "2.2.0")
        check("bitop", -4, ["write", "denyoom"], (2, -1, 1), since: "2.6.0")
        check("bitfield", -2, ["write", "denyoom"], (1, 1, 1), since: "3.2.0")
        check("bitfield_ro", -2, ["readonly", "fast"], (1, 1, 1), since: "6.0.0")
        XCTAssertEqual(t.lookup("lcs")?.summary, "Find longest common substring")
        XCTAssertEqual(t.lookup("mget")?.complexity, "O(N) where N is the number of keys to retrieve.")
    }

    func testArityErrors() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["MSET", "a", "1", "b"]), "-ERR wrong number of arguments for 'mset' command\r\n")
        XCTAssertEqual(h.raw(["MSETNX", "a"]), "-ERR wrong number of arguments for 'msetnx' command\r\n")
        XCTAssertEqual(h.raw(["LCS", "a"]), "-ERR wrong number of arguments for 'lcs' command\r\n")
        XCTAssertEqual(h.raw(["BITOP", "AND", "d"]), "-ERR wrong number of arguments for 'bitop' command\r\n")
    }
}
