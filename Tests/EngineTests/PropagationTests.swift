import XCTest
@testable import Engine
import RESP

/// The effects stream against what Redis 7.0 sends a replica
/// (/work/shared/reference/stream_rewrites.txt and src/*.c's rewriteClientCommandVector calls).
final class PropagationTests: XCTestCase {
    var h: EngineHarness!
    var units: [[[String]]] = []      // execution units as the repl sink received them
    var aofUnits: [[[String]]] = []

    override func setUp() {
        h = EngineHarness()
        h.engine.now = 1_700_000_000_000
        units = []
        aofUnits = []
        h.engine.propagation.repl.sinks.append { [unowned self] raw in units.append(decode(raw)) }
        h.engine.propagation.aof.sinks.append { [unowned self] raw in aofUnits.append(decode(raw)) }
    }

    func decode(_ raw: UnsafeRawBufferPointer) -> [[String]] {
        var out: [[String]] = []
        var off = 0
        while off < raw.count {
            let rest = UnsafeRawBufferPointer(rebasing: raw[off...])
            guard let (v, used) = try! parseRESPValue(rest), case .array(let items) = v else {
                XCTFail("undecodable stream"); return out
            }
            out.append(items.map { item -> String in
                guard case .bulk(let b) = item else { XCTFail("not a bulk: \(item)"); return "" }
                return String(decoding: b, as: UTF8.self)
            })
            off += used
        }
        return out
    }

    var flat: [[String]] { units.flatMap { $0 } }

    func testVerbatimWritesAndNothingForReadsOrNoOps() {
        h.run("SET", "a", "1")
        h.run("GET", "a")
        h.run("DEL", "missing")
        h.run("EXPIRE", "missing", "10")
        h.run("SET", "a", "2", "NX")          // not written: not propagated
        h.run("HSET", "h", "f", "v")
        XCTAssertEqual(units, [[["SELECT", "0"], ["SET", "a", "1"]], [["HSET", "h", "f", "v"]]])
    }

    func testRelativeTimesBecomeAbsolute() {
        let now = h.engine.now
        h.run("SET", "k", "v", "EX", "50")
        h.run("PEXPIRE", "k", "100000", "GT")
        h.run("SETEX", "k2", "10", "v")
        h.run("SET", "k3", "v", "PXAT", String(now + 5))
        h.run("GETEX", "k3", "PX", "7")
        h.run("GETEX", "k3", "PERSIST")
        h.run("EXPIREAT", "k3", "1")          // in the past: deleted
        XCTAssertEqual(flat, [
            ["SELECT", "0"],
            ["SET", "k", "v", "PXAT", String(now + 50_000)],
            ["PEXPIREAT", "k", String(now + 100_000), "GT"],
            ["SET", "k2", "v", "PXAT", String(now + 10_000)],
            ["SET", "k3", "v", "PXAT", String(now + 5)],
            ["PEXPIREAT", "k3", String(now + 7)],
            ["PERSIST", "k3"],
            ["DEL", "k3"],
        ])
    }

    func testFloatsAndRandomPopsReplayAsTheirResults() {
        h.run("INCRBYFLOAT", "f", "1.5")
        h.run("HINCRBYFLOAT", "h", "x", "0.25")
        h.run("SADD", "s", "a")
        h.run("SPOP", "s")
        h.run("GETDEL", "f")
        XCTAssertEqual(flat, [
            ["SELECT", "0"], ["SET", "f", "1.5", "KEEPTTL"], ["HSET", "h", "x", "0.25"],
            ["SADD", "s", "a"], ["SREM", "s", "a"], ["DEL", "f"],
        ])
    }

    func testSpopWithCountBatchesSremOrDeletesTheWholeSet() {
        h.raw(["SADD", "s"] + (0..<3000).map { "m\($0)" })
        units = []
        h.run("SPOP", "s", "2500")
        let srems = flat.filter { $0.first == "SREM" }
        XCTAssertEqual(srems.map { $0.count - 2 }, [1024, 1024, 452])
        XCTAssertEqual(Set(srems.flatMap { $0.dropFirst(2) }).count, 2500)
        XCTAssertEqual(units.count, 1)
        XCTAssertEqual(units[0].first, ["MULTI"])      // several commands: one transaction
        XCTAssertEqual(units[0].last, ["EXEC"])
        units = []
        h.run("SPOP", "s", "1000")
        XCTAssertEqual(flat, [["DEL", "s"]])
    }

    func testExpiryPropagatesDel() {
        h.run("SET", "k", "v", "PX", "10")
        h.engine.now += 20
        units = []
        XCTAssertEqual(h.run("GET", "k"), .null)
        XCTAssertEqual(units, [[["DEL", "k"]]])
        h.run("CONFIG", "SET", "lazyfree-lazy-expire", "yes")
        h.run("SET", "k", "v", "PX", "10")
        h.engine.now += 20
        units = []
        h.run("SET", "k", "w")                       // lazy expiry, then the write: one unit
        XCTAssertEqual(units, [[["MULTI"], ["UNLINK", "k"], ["SET", "k", "w"], ["EXEC"]]])
    }

    func testActiveExpiryPropagatesEachDeletionAlone() {
        h.engine.activeExpire.clock = { 0 }
        h.run("SELECT", "3")
        for k in ["x", "y"] { h.run("SET", k, "v", "PX", "10") }
        h.engine.now += 20
        units = []
        for _ in 0..<5 { h.engine.activeExpireCycle(fast: false) }
        XCTAssertEqual(Set(units.map { $0.last! }), [["DEL", "x"], ["DEL", "y"]])
        XCTAssertEqual(units.count, 2)                // no MULTI around independent deletions
    }

    func testSelectFollowsTheClientDbAndForcedCommands() {
        h.run("SET", "a", "1")
        h.run("SELECT", "2")
        h.run("SET", "b", "1")
        h.run("PUBLISH", "ch", "m")
        h.run("FLUSHDB")
        h.run("FLUSHDB")                             // empty already: still propagated
        XCTAssertEqual(flat, [["SELECT", "0"], ["SET", "a", "1"], ["SELECT", "2"], ["SET", "b", "1"],
                              ["PUBLISH", "ch", "m"], ["FLUSHDB"], ["FLUSHDB"]])
        // PUBLISH goes to replicas only.
        XCTAssertEqual(aofUnits.flatMap { $0 }, [["SELECT", "0"], ["SET", "a", "1"], ["SELECT", "2"],
                                                 ["SET", "b", "1"], ["FLUSHDB"], ["FLUSHDB"]])
    }

    func testForcedSelectForANewConsumer() {
        h.run("SET", "a", "1")
        h.engine.propagation.repl.selectedDb = -1
        h.run("SET", "a", "2")
        XCTAssertEqual(flat, [["SELECT", "0"], ["SET", "a", "1"], ["SELECT", "0"], ["SET", "a", "2"]])
    }

    func testBlockingAndMultiKeyPopsReplayAsPlainPops() {
        h.run("RPUSH", "l", "a", "b", "c")
        h.run("ZADD", "z", "1", "x", "2", "y")
        units = []
        h.run("BLPOP", "nothing", "l", "0")
        h.run("LMPOP", "1", "l", "RIGHT", "COUNT", "5")
        h.run("BZPOPMAX", "z", "0")
        h.run("ZMPOP", "1", "z", "MIN", "COUNT", "3")
        XCTAssertEqual(flat, [["LPOP", "l"], ["RPOP", "l", "2"], ["ZPOPMAX", "z"], ["ZPOPMIN", "z", "1"]])
    }

    func testServedBlockedClientIsItsOwnUnit() {
        let other = ClientState(id: 2)
        h.engine.clients[other.id] = other
        Argv.with(["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"].map { Array($0.utf8) }) { h.engine.execute(other, $0) }
        XCTAssertNotNil(other.blocked)
        units = []
        h.run("RPUSH", "src", "v")
        XCTAssertNil(other.blocked)
        XCTAssertEqual(units, [[["SELECT", "0"], ["RPUSH", "src", "v"]], [["LMOVE", "src", "dst", "LEFT", "RIGHT"]]])
    }

    func testScriptsPropagateTheirEffectsAsOneTransaction() {
        let now = h.engine.now
        h.run("EVAL", "redis.call('set', KEYS[1], 'x'); redis.call('pexpire', KEYS[1], 1000); return redis.call('get', KEYS[1])", "1", "lk")
        h.run("EVAL", "return redis.call('incr', KEYS[1])", "1", "n")
        h.run("EVAL", "return redis.call('get', KEYS[1])", "1", "n")
        XCTAssertEqual(units, [
            [["MULTI"], ["SELECT", "0"], ["set", "lk", "x"], ["PEXPIREAT", "lk", String(now + 1000)], ["EXEC"]],
            [["incr", "n"]],
        ])
    }

    func testExecPropagatesItsWritesAsOneTransaction() {
        h.run("MULTI"); h.run("SET", "a", "1"); h.run("GET", "a"); h.run("SELECT", "1"); h.run("INCR", "n")
        h.run("EXEC")
        h.run("MULTI"); h.run("SET", "b", "1"); h.run("EXEC")
        h.run("MULTI"); h.run("GET", "b"); h.run("EXEC")
        XCTAssertEqual(units, [
            [["MULTI"], ["SELECT", "0"], ["SET", "a", "1"], ["SELECT", "1"], ["INCR", "n"], ["EXEC"]],
            [["SET", "b", "1"]],
        ])
    }

    func testNothingIsEncodedWithoutConsumers() {
        let e = Engine()
        XCTAssertFalse(e.propagation.active)
        let id = e.propagation.repl
        id.sinks.append { _ in }
        XCTAssertTrue(e.propagation.active)
        id.sinks.removeAll()
        XCTAssertFalse(e.propagation.active)
    }
}
