// Hash commands in-process: replies, errors, encodings across CONFIG'd thresholds, keyspace
// events, RESP3 shapes.
import XCTest
@testable import Engine

extension HashCommandsTests {
    func testBasicCommands() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["HSET", "h", "a", "1", "b", "2"]), ":2\r\n")
        XCTAssertEqual(h.raw(["HSET", "h", "a", "x", "c", "3"]), ":1\r\n")
        XCTAssertEqual(h.raw(["HMSET", "h", "d", "4"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["HSET", "h", "a"]), "-ERR wrong number of arguments for 'hset' command\r\n")
        XCTAssertEqual(h.raw(["HMSET", "h", "a", "1", "b"]), "-ERR wrong number of arguments for 'hmset' command\r\n")
        XCTAssertEqual(h.raw(["HGET", "h", "a"]), "$1\r\nx\r\n")
        XCTAssertEqual(h.raw(["HGET", "h", "zz"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["HMGET", "h", "a", "zz"]), "*2\r\n$1\r\nx\r\n$-1\r\n")
        XCTAssertEqual(h.raw(["HGETALL", "h"]), "*8\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n")
        XCTAssertEqual(h.raw(["HKEYS", "h"]), "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n")
        XCTAssertEqual(h.raw(["HLEN", "h"]), ":4\r\n")
        XCTAssertEqual(h.raw(["HSTRLEN", "h", "a"]), ":1\r\n")
        XCTAssertEqual(h.raw(["HEXISTS", "h", "b"]), ":1\r\n")
        XCTAssertEqual(h.raw(["HSETNX", "h", "b", "9"]), ":0\r\n")
        XCTAssertEqual(h.raw(["HSETNX", "h", "e", "9"]), ":1\r\n")
        XCTAssertEqual(h.raw(["HDEL", "h", "a", "b", "zz"]), ":2\r\n")
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "h"]), "$8\r\nlistpack\r\n")
        XCTAssertEqual(h.raw(["HDEL", "h", "c", "d", "e"]), ":3\r\n")
        XCTAssertEqual(h.raw(["EXISTS", "h"]), ":0\r\n")
        h.raw(["SET", "s", "v"])
        for cmd in [["HGET", "s", "a"], ["HSET", "s", "a", "b"], ["HGETALL", "s"], ["HRANDFIELD", "s"], ["HSCAN", "s", "0"]] {
            XCTAssertEqual(h.raw(cmd), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "\(cmd)")
        }
    }

    func testIncr() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["HINCRBY", "h", "n", "5"]), ":5\r\n")
        XCTAssertEqual(h.raw(["HINCRBY", "h", "n", "-7"]), ":-2\r\n")
        h.raw(["HSET", "h", "s", "x", "big", "9223372036854775807"])
        XCTAssertEqual(h.raw(["HINCRBY", "h", "s", "1"]), "-ERR hash value is not an integer\r\n")
        XCTAssertEqual(h.raw(["HINCRBY", "h", "big", "1"]), "-ERR increment or decrement would overflow\r\n")
        XCTAssertEqual(h.raw(["HINCRBY", "h", "n", "x"]), "-ERR value is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["HINCRBYFLOAT", "h", "f", "10.5"]), "$4\r\n10.5\r\n")
        XCTAssertEqual(h.raw(["HINCRBYFLOAT", "h", "f", "0.1"]), "$4\r\n10.6\r\n")
        XCTAssertEqual(h.raw(["HINCRBYFLOAT", "h", "n", "2"]), "$1\r\n0\r\n")
        XCTAssertEqual(h.raw(["HINCRBYFLOAT", "h", "s", "1"]), "-ERR hash value is not a float\r\n")
        XCTAssertEqual(h.raw(["HINCRBYFLOAT", "h", "f", "inf"]), "-ERR value is NaN or Infinity\r\n")
        XCTAssertEqual(h.raw(["HINCRBYFLOAT", "h", "f", "x"]), "-ERR value is not a valid float\r\n")
        h.raw(["SET", "str", "1"])
        // The increment is checked before the key's type, as in Redis.
        XCTAssertEqual(h.raw(["HINCRBYFLOAT", "str", "f", "x"]), "-ERR value is not a valid float\r\n")
        XCTAssertEqual(h.raw(["HINCRBY", "str", "f", "1"]), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
    }

    func testEncodingThresholdsFollowConfig() {
        let h = EngineHarness()
        h.raw(["CONFIG", "SET", "hash-max-listpack-entries", "4"])
        h.raw(["CONFIG", "SET", "hash-max-listpack-value", "8"])
        h.raw(["HSET", "a", "1", "1", "2", "2", "3", "3", "4", "4"])
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "a"]), "$8\r\nlistpack\r\n")
        h.raw(["HSET", "a", "5", "5"])
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "a"]), "$9\r\nhashtable\r\n")
        h.raw(["HDEL", "a", "1", "2", "3", "4"])
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "a"]), "$9\r\nhashtable\r\n")
        h.raw(["HSET", "b", "f", "12345678"])
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "b"]), "$8\r\nlistpack\r\n")
        h.raw(["HINCRBYFLOAT", "b", "f", "0.5"])   // "12345678.5" is 10 bytes
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "b"]), "$9\r\nhashtable\r\n")
        XCTAssertEqual(h.raw(["HGET", "b", "f"]), "$10\r\n12345678.5\r\n")
    }

    func testRandfieldAndScanShapes() {
        let h = EngineHarness()
        h.raw(["HSET", "h", "a", "1", "b", "2", "c", "3"])
        XCTAssertEqual(h.raw(["HRANDFIELD", "nokey"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["HRANDFIELD", "nokey", "3"]), "*0\r\n")
        XCTAssertEqual(h.raw(["HRANDFIELD", "h", "0"]), "*0\r\n")
        XCTAssertEqual(h.raw(["HRANDFIELD", "h", "5"]), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n")
        guard case .array(let neg) = h.run("HRANDFIELD", "h", "-7", "WITHVALUES") else { return XCTFail() }
        XCTAssertEqual(neg.count, 14)
        guard case .array(let two) = h.run("HRANDFIELD", "h", "2") else { return XCTFail() }
        XCTAssertEqual(Set(two.map { "\($0)" }).count, 2)
        XCTAssertEqual(h.raw(["HRANDFIELD", "h", "5", "WITHVALUE"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"]), "-ERR value is out of range\r\n")
        XCTAssertEqual(h.raw(["HSCAN", "h", "0", "MATCH", "[ab]"]), "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n")
        XCTAssertEqual(h.raw(["HSCAN", "h", "0", "COUNT", "0"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["HSCAN", "nokey", "0", "COUNT", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n")

        let r3 = EngineHarness(engine: h.engine, proto: .v3)
        XCTAssertEqual(r3.raw(["HRANDFIELD", "h", "3", "WITHVALUES"]),
                       "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n")
        XCTAssertEqual(r3.raw(["HGETALL", "nokey"]), "%0\r\n")
        XCTAssertEqual(r3.raw(["HRANDFIELD", "nokey"]), "_\r\n")
    }

    func testHashtableScanVisitsEverything() {
        let h = EngineHarness()
        h.raw(["CONFIG", "SET", "hash-max-listpack-entries", "4"])
        for i in 0..<100 { h.raw(["HSET", "h", "f\(i)", "v\(i)"]) }
        var cursor = "0"
        var seen = Set<String>()
        repeat {
            guard case .array(let top) = h.run("HSCAN", "h", cursor, "COUNT", "7"),
                  case .bulk(let c) = top[0], case .array(let items) = top[1] else { return XCTFail() }
            cursor = String(decoding: c, as: UTF8.self)
            for i in stride(from: 0, to: items.count, by: 2) {
                if case .bulk(let f) = items[i] { seen.insert(String(decoding: f, as: UTF8.self)) }
            }
        } while cursor != "0"
        XCTAssertEqual(seen.count, 100)
        // HRANDFIELD's sparse case (count * 3 <= size) draws distinct fields.
        guard case .array(let ten) = h.run("HRANDFIELD", "h", "10", "WITHVALUES") else { return XCTFail() }
        XCTAssertEqual(ten.count, 20)
        XCTAssertEqual(Set(stride(from: 0, to: 20, by: 2).map { "\(ten[$0])" }).count, 10)
    }

    func testKeyspaceEvents() {
        let h = EngineHarness()
        var events: [String] = []
        h.engine.keyChangeObservers.append { _, _, ev in events.append("\(ev)") }
        h.raw(["HSET", "h", "a", "1"])
        h.raw(["HSETNX", "h", "a", "1"])   // no change, no event
        h.raw(["HINCRBY", "h", "n", "1"])
        h.raw(["HINCRBYFLOAT", "h", "n", "1.5"])
        h.raw(["HDEL", "h", "zz"])         // nothing deleted, no event
        h.raw(["HDEL", "h", "a", "n"])
        XCTAssertEqual(events, ["hset", "hincrby", "hincrbyfloat", "hdel", "del"])
    }
}
