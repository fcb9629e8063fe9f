// Sorted-set commands in-process: reply bytes per protocol (checked against redis-server
// 7.0.15), encodings across the limits, blocking pops, and plain sets as algebra inputs
// (through a fake `ZsetInputSource`). The full command/error matrix runs against a real
// server in Tests/python/differential/zsets.txt.
import XCTest
@testable import Engine
import RESP

/// A stand-in for the set type: a set of members readable as a ZUNION/ZINTER/ZDIFF input.
final class FakeSet: ObjectValue, ZsetInputSource {
    var members: [[UInt8]]
    init(_ m: [String]) { members = m.map { Array($0.utf8) } }
    var typeName: String { "set" }
    var encodingName: String { "hashtable" }
    func copy() -> ObjectValue { let s = FakeSet([]); s.members = members; return s }
    var zsetInputCount: Int { members.count }
    func zsetInputContains(_ m: UnsafeRawBufferPointer) -> Bool { members.contains { $0.elementsEqual(m) } }
    func zsetInputForEach(_ body: (UnsafeRawBufferPointer) -> Void) { for m in members { m.withUnsafeBytes(body) } }
}

final class ZsetCommandsTests: XCTestCase {
    func run(_ h: EngineHarness, _ c: ClientState, _ args: [String]) -> String {
        c.out.clear()
        Argv.with(args.map { Array($0.utf8) }) { h.engine.execute(c, $0) }
        return String(decoding: c.out.readableBytes, as: UTF8.self)
    }

    func testRepliesPerProtocol() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["ZADD", "z", "1", "a", "2.5", "b", "inf", "c"]), ":3\r\n")
        XCTAssertEqual(h.raw(["ZRANGE", "z", "0", "1", "WITHSCORES"]), "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n")
        XCTAssertEqual(h.raw(["ZSCORE", "z", "c"]), "$3\r\ninf\r\n")
        XCTAssertEqual(h.raw(["ZPOPMIN", "z"]), "*2\r\n$1\r\na\r\n$1\r\n1\r\n")
        XCTAssertEqual(h.raw(["ZINCRBY", "z", "0.1", "b"]), "$18\r\n2.6000000000000001\r\n")
        h.client.proto = .v3
        XCTAssertEqual(h.raw(["ZRANGE", "z", "0", "-1", "WITHSCORES"]), "*2\r\n*2\r\n$1\r\nb\r\n,2.6000000000000001\r\n*2\r\n$1\r\nc\r\n,inf\r\n")
        XCTAssertEqual(h.raw(["ZPOPMIN", "z", "1"]), "*1\r\n*2\r\n$1\r\nb\r\n,2.6000000000000001\r\n")
        XCTAssertEqual(h.raw(["ZMPOP", "1", "z", "MAX"]), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n,inf\r\n")
        XCTAssertEqual(h.raw(["EXISTS", "z"]), ":0\r\n")
        XCTAssertEqual(h.raw(["ZMPOP", "1", "z", "MAX"]), "_\r\n")
        XCTAssertEqual(h.raw(["ZSCORE", "z", "a"]), "_\r\n")
        XCTAssertEqual(h.raw(["ZADD", "z", "XX", "INCR", "1", "a"]), "_\r\n")
    }

    func testEncodingFollowsTheLimits() {
        let h = EngineHarness()
        h.raw(["CONFIG", "SET", "zset-max-listpack-entries", "3"])
        h.raw(["CONFIG", "SET", "zset-max-listpack-value", "5"])
        h.raw(["ZADD", "z", "1", "a", "2", "b", "3", "c"])
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "z"]), "$8\r\nlistpack\r\n")
        h.raw(["ZADD", "z", "4", "d"])
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "z"]), "$8\r\nskiplist\r\n")
        h.raw(["ZREM", "z", "a", "b"])
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "z"]), "$8\r\nskiplist\r\n", "no conversion back, as Redis 7.0")
        h.raw(["ZADD", "v", "1", "abcdef"])
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "v"]), "$8\r\nskiplist\r\n")
        XCTAssertEqual(h.raw(["ZRANGESTORE", "w", "z", "0", "-1"]), ":2\r\n")
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "w"]), "$8\r\nlistpack\r\n", "results written whole take the listpack")
        XCTAssertEqual(h.raw(["TYPE", "w"]), "+zset\r\n")
        for key in ["z", "v", "w"] {
            guard case .object(let o)? = Array(key.utf8).withUnsafeBytes({ h.engine.dbs[0].find($0) }),
                  let z = o as? ZsetValue else { XCTFail(key); continue }
            XCTAssertNil(z.check())
        }
    }

    func testStoreReplacesTheDestinationAndItsTTL() {
        let h = EngineHarness()
        h.raw(["SET", "dst", "x"])
        h.raw(["EXPIRE", "dst", "100"])
        h.raw(["ZADD", "z", "1", "a", "2", "b"])
        XCTAssertEqual(h.raw(["ZUNIONSTORE", "dst", "1", "z"]), ":2\r\n")
        XCTAssertEqual(h.raw(["TTL", "dst"]), ":-1\r\n")
        XCTAssertEqual(h.raw(["ZINTERSTORE", "dst", "2", "z", "nokey"]), ":0\r\n")
        XCTAssertEqual(h.raw(["EXISTS", "dst"]), ":0\r\n")
    }

    func testSetsAreAlgebraInputs() {
        let h = EngineHarness()
        Array("s".utf8).withUnsafeBytes { h.engine.dbs[0].set($0, .object(FakeSet(["a", "b", "x"]))) }
        h.raw(["ZADD", "z", "5", "a", "6", "b", "7", "c"])
        XCTAssertEqual(h.raw(["ZUNION", "2", "s", "z", "WITHSCORES"]),
                       "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n6\r\n$1\r\nb\r\n$1\r\n7\r\n$1\r\nc\r\n$1\r\n7\r\n")
        XCTAssertEqual(h.raw(["ZINTER", "2", "s", "z", "WEIGHTS", "10", "1", "WITHSCORES"]),
                       "*4\r\n$1\r\na\r\n$2\r\n15\r\n$1\r\nb\r\n$2\r\n16\r\n")
        XCTAssertEqual(h.raw(["ZDIFF", "2", "s", "z"]), "*1\r\n$1\r\nx\r\n")
        XCTAssertEqual(h.raw(["ZINTERCARD", "2", "s", "z"]), ":2\r\n")
        XCTAssertEqual(h.raw(["ZDIFFSTORE", "out", "2", "s", "z"]), ":1\r\n")
        XCTAssertEqual(h.raw(["ZRANGE", "out", "0", "-1", "WITHSCORES"]), "*2\r\n$1\r\nx\r\n$1\r\n1\r\n")
        // A set is not a sorted set for the other commands.
        XCTAssertEqual(h.raw(["ZRANGE", "s", "0", "-1"]), "-\(WireError.wrongType)\r\n")
        Array("l".utf8).withUnsafeBytes { h.engine.dbs[0].set($0, .object(FakeList())) }
        XCTAssertEqual(h.raw(["ZUNION", "2", "s", "l"]), "-\(WireError.wrongType)\r\n")
    }

    func testBlockingPopIsServedByALaterWrite() {
        let h = EngineHarness()
        let writer = ClientState(id: 2)
        h.engine.clients[2] = writer
        XCTAssertEqual(h.raw(["BZPOPMIN", "k1", "k2", "0"]), "", "blocked: no reply yet")
        XCTAssertNotNil(h.client.blocked)
        XCTAssertEqual(run(h, writer, ["ZADD", "k2", "3", "c", "1", "a"]), ":2\r\n")
        XCTAssertNil(h.client.blocked)
        XCTAssertEqual(String(decoding: h.client.out.readableBytes, as: UTF8.self), "*3\r\n$2\r\nk2\r\n$1\r\na\r\n$1\r\n1\r\n")
        XCTAssertEqual(run(h, writer, ["ZRANGE", "k2", "0", "-1"]), "*1\r\n$1\r\nc\r\n")

        XCTAssertEqual(h.raw(["BZMPOP", "0", "1", "k3", "MAX", "COUNT", "5"]), "")
        XCTAssertEqual(run(h, writer, ["ZADD", "k3", "1", "x", "2", "y"]), ":2\r\n")
        XCTAssertEqual(String(decoding: h.client.out.readableBytes, as: UTF8.self),
                       "*2\r\n$2\r\nk3\r\n*2\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n")
        XCTAssertEqual(run(h, writer, ["EXISTS", "k3"]), ":0\r\n")
    }

    func testBlockingPopTimesOutAndRespectsDenyBlocking() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        XCTAssertEqual(h.raw(["BZPOPMAX", "k", "1.5"]), "")
        h.engine.now += 1500
        h.engine.handleBlockedTimeouts()
        XCTAssertNotNil(h.client.blocked, "not before the deadline")
        h.engine.now += 1
        h.engine.handleBlockedTimeouts()
        XCTAssertNil(h.client.blocked)
        XCTAssertEqual(String(decoding: h.client.out.readableBytes, as: UTF8.self), "*-1\r\n")
        h.client.denyBlocking = true
        XCTAssertEqual(h.raw(["BZPOPMIN", "k", "0"]), "*-1\r\n")
        XCTAssertEqual(h.raw(["BZMPOP", "0", "1", "k", "MIN"]), "*-1\r\n")
    }

    func testBlockedClientSeesWrongTypeWhenTheKeyChangesType() {
        let h = EngineHarness()
        let writer = ClientState(id: 2)
        h.engine.clients[2] = writer
        XCTAssertEqual(h.raw(["BZPOPMIN", "k", "0"]), "")
        XCTAssertEqual(run(h, writer, ["SET", "k", "v"]), "+OK\r\n")
        XCTAssertEqual(String(decoding: h.client.out.readableBytes, as: UTF8.self), "-\(WireError.wrongType)\r\n")
    }

    func testLargeSkiplistRangesAndRanks() {
        let h = EngineHarness()
        var args = ["ZADD", "big"]
        for i in 0..<1000 { args += [String(i % 100), "m\(i)"] }
        XCTAssertEqual(h.raw(args), ":1000\r\n")
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "big"]), "$8\r\nskiplist\r\n")
        XCTAssertEqual(h.raw(["ZCOUNT", "big", "10", "(20"]), ":100\r\n")
        XCTAssertEqual(h.raw(["ZRANK", "big", "m0"]), ":0\r\n")
        XCTAssertEqual(h.raw(["ZRANK", "big", "m999"]), ":999\r\n")
        XCTAssertEqual(h.raw(["ZREVRANK", "big", "m999"]), ":0\r\n")
        XCTAssertEqual(h.raw(["ZRANGE", "big", "500", "501"]), "*2\r\n$4\r\nm150\r\n$4\r\nm250\r\n")
        XCTAssertEqual(h.raw(["ZREMRANGEBYSCORE", "big", "-inf", "(50"]), ":500\r\n")
        XCTAssertEqual(h.raw(["ZCARD", "big"]), ":500\r\n")
        XCTAssertEqual(h.raw(["ZRANGE", "big", "0", "0", "WITHSCORES"]), "*2\r\n$4\r\nm150\r\n$2\r\n50\r\n")
    }
}
