import XCTest
@testable import Engine
import RESP

/// Eviction driven by a made-up memory figure: 1000 bytes per key, so `maxmemory 100000`
/// holds 100 keys. Time comes from `engine.now` only.
final class EvictionTests: XCTestCase {
    let t0: Int64 = 1_700_000_000_000

    func harness(policy: String, maxKeys: Int = 100) -> EngineHarness {
        let h = EngineHarness(engine: Engine(databases: 4))
        h.engine.now = t0
        let e = h.engine
        e.eviction.memory.source = { [unowned e] in Int64(e.dbs.reduce(0) { $0 + $1.count }) * 1000 }
        e.eviction.clock = { 0 }   // never out of time unless a test says so
        XCTAssertEqual(h.raw(["config", "set", "maxmemory-policy", policy]), "+OK\r\n")
        XCTAssertEqual(h.raw(["config", "set", "maxmemory", String(maxKeys * 1000)]), "+OK\r\n")
        return h
    }

    func keys(_ h: EngineHarness) -> Int { h.engine.dbs.reduce(0) { $0 + $1.count } }
    func exists(_ h: EngineHarness, _ key: String) -> Bool { h.raw(["exists", key]) == ":1\r\n" }

    // MARK: LFU math

    func testLFUIncrementIsLogarithmic() {
        // Below LFU_INIT_VAL (and at it) every access counts.
        XCTAssertEqual(LFU.increment(3, logFactor: 10, r: 0.99), 4)
        XCTAssertEqual(LFU.increment(5, logFactor: 10, r: 0.99), 6)
        // At counter 15 with factor 10 the probability is 1 / (10 * 10 + 1).
        XCTAssertEqual(LFU.increment(15, logFactor: 10, r: 1.0 / 102), 16)
        XCTAssertEqual(LFU.increment(15, logFactor: 10, r: 1.0 / 100), 15)
        XCTAssertEqual(LFU.increment(255, logFactor: 0, r: 0), 255)
        // Factor 0: always.
        XCTAssertEqual(LFU.increment(200, logFactor: 0, r: 0.999), 201)
    }

    func testLFUDecaysPerPeriodAndWraps() {
        let f = LFU.field(minutes: 100, counter: 20)
        XCTAssertEqual(LFU.decayed(f, now: 100, decayTime: 1), 20)
        XCTAssertEqual(LFU.decayed(f, now: 107, decayTime: 1), 13)
        XCTAssertEqual(LFU.decayed(f, now: 107, decayTime: 2), 17)
        XCTAssertEqual(LFU.decayed(f, now: 200, decayTime: 1), 0)
        XCTAssertEqual(LFU.decayed(f, now: 500, decayTime: 0), 20, "decay time 0 never decays")
        // The 16-bit minute clock wrapped: 65535 - 65530 + 3 = 8 minutes.
        XCTAssertEqual(LFU.elapsed(since: 65530, now: 3), 8)
        XCTAssertEqual(LFU.decayed(LFU.field(minutes: 65530, counter: 20), now: 3, decayTime: 1), 12)
    }

    func testObjectFreqCountsReadsUnderLFU() {
        let h = harness(policy: "allkeys-lfu", maxKeys: 1000)
        h.raw(["config", "set", "lfu-log-factor", "0"])
        h.raw(["set", "k", "v"])
        XCTAssertEqual(h.raw(["object", "freq", "k"]), ":5\r\n", "new keys start at LFU_INIT_VAL")
        for _ in 0..<10 { h.raw(["get", "k"]) }
        XCTAssertEqual(h.raw(["object", "freq", "k"]), ":15\r\n")
        h.engine.now += 3 * 60_000
        XCTAssertEqual(h.raw(["object", "freq", "k"]), ":12\r\n", "one step per idle minute")
        XCTAssertTrue(h.raw(["object", "idletime", "k"]).hasPrefix("-ERR An LFU maxmemory policy is selected"))
    }

    func testWritesTouchTheAccessClock() {
        let h = harness(policy: "allkeys-lru", maxKeys: 1000)
        h.raw(["set", "a", "v"]); h.raw(["set", "b", "v"])
        h.engine.now += 5000
        h.raw(["append", "a", "x"])   // lookupKeyWrite touches, as Redis
        XCTAssertEqual(h.raw(["object", "idletime", "a"]), ":0\r\n")
        XCTAssertEqual(h.raw(["object", "idletime", "b"]), ":5\r\n")
    }

    // MARK: pool

    func testPoolKeepsTheBestSixteenInOrder() {
        var p = EvictionPool()
        for i in 0..<40 { p.insert(score: UInt64((i * 7) % 40), key: Bytes(Array("k\(i)".utf8)), db: 0) }
        XCTAssertEqual(p.entries.count, 16)
        XCTAssertEqual(p.entries.map(\.score), Array(24..<40).map(UInt64.init))
        p.insert(score: 24, key: Bytes(Array("low".utf8)), db: 0)   // not better than the worst kept
        XCTAssertEqual(p.entries.first?.score, 24)
        XCTAssertEqual(p.entries.count, 16)
        XCTAssertEqual(p.popBest()?.score, 39)
    }

    // MARK: policies

    func testAllkeysLRUKeepsRecentlyReadKeys() {
        let h = harness(policy: "allkeys-lru")
        var evicted: [String] = []
        h.engine.keyChangeObservers.append { _, key, ev in
            if "\(ev)" == "evicted" { evicted.append(String(decoding: key, as: UTF8.self)) }
        }
        for i in 0..<100 { h.raw(["set", "k\(i)", "v"]) }
        h.engine.now += 10_000
        for i in 0..<20 { h.raw(["get", "k\(i)"]) }      // the hot set
        h.engine.now += 10_000
        for i in 0..<50 { h.raw(["set", "new\(i)", "v"]) }
        XCTAssertLessThanOrEqual(keys(h), 101)
        XCTAssertGreaterThanOrEqual(h.engine.stats.evictedKeys, 49)
        XCTAssertEqual(Int64(evicted.count), h.engine.stats.evictedKeys)
        let hotKept = (0..<20).filter { exists(h, "k\($0)") }.count
        XCTAssertGreaterThanOrEqual(hotKept, 18, "the pool picks the idlest of its samples")
        XCTAssertTrue(h.raw(["info", "stats"]).contains("evicted_keys:\(h.engine.stats.evictedKeys)\r\n"))
    }

    func testAllkeysLFUKeepsFrequentlyReadKeys() {
        let h = harness(policy: "allkeys-lfu")
        h.raw(["config", "set", "lfu-log-factor", "0"])
        for i in 0..<100 { h.raw(["set", "k\(i)", "v"]) }
        for _ in 0..<5 { for i in 0..<20 { h.raw(["get", "k\(i)"]) } }
        for i in 0..<50 { h.raw(["set", "new\(i)", "v"]) }
        XCTAssertLessThanOrEqual(keys(h), 101)
        XCTAssertGreaterThanOrEqual((0..<20).filter { exists(h, "k\($0)") }.count, 19)
    }

    func testVolatilePoliciesEvictOnlyKeysWithTTLThenRefuse() {
        for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"] {
            let h = harness(policy: policy)
            for i in 0..<60 { h.raw(["set", "p\(i)", "v"]) }
            for i in 0..<40 { h.raw(["set", "t\(i)", "v", "ex", String(100 + i)]) }
            for i in 0..<30 { XCTAssertEqual(h.raw(["set", "q\(i)", "v"]), "+OK\r\n", policy) }
            XCTAssertEqual((0..<60).filter { exists(h, "p\($0)") }.count, 60, policy)
            XCTAssertEqual(h.engine.dbs[0].volatileCount, 10, policy)
            for i in 30..<41 { _ = h.raw(["set", "q\(i)", "v"]) }
            XCTAssertEqual(h.engine.dbs[0].volatileCount, 0, policy)
            XCTAssertEqual(h.raw(["set", "more", "v"]), "-OOM command not allowed when used memory > 'maxmemory'.\r\n", policy)
            XCTAssertEqual(h.raw(["get", "p1"]), "$1\r\nv\r\n", "reads still work")
            XCTAssertEqual(h.raw(["del", "p1", "p2"]), ":2\r\n", "DEL is not denyoom")
            XCTAssertEqual(h.raw(["set", "more", "v"]), "+OK\r\n", "room again after DEL")
        }
    }

    func testVolatileTTLEvictsTheSoonestToExpire() {
        let h = harness(policy: "volatile-ttl")
        // With the default 5 samples of 10 candidates t0 escapes 3 evictions ~17% of the time:
        // sample more than there are candidates so the test is about ranking, not luck.
        h.raw(["config", "set", "maxmemory-samples", "64"])
        for i in 0..<90 { h.raw(["set", "p\(i)", "v"]) }
        for i in 0..<10 { h.raw(["set", "t\(i)", "v", "ex", String(1000 * (i + 1))]) }
        for i in 0..<3 { h.raw(["set", "q\(i)", "v"]) }
        // Every candidate is in the 16-entry pool: the shortest TTLs go first.
        XCTAssertFalse(exists(h, "t0"))
        XCTAssertTrue(exists(h, "t9"))
    }

    func testNoevictionRefusesDenyOOMCommandsOnly() {
        let h = harness(policy: "noeviction", maxKeys: 10)
        for i in 0..<10 { h.raw(["set", "k\(i)", "v"]) }
        XCTAssertEqual(h.raw(["set", "k10", "v"]), "+OK\r\n", "at the limit, not over it")
        let oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
        XCTAssertEqual(h.raw(["set", "k11", "v"]), oom)
        XCTAssertEqual(h.raw(["lpush", "l", "v"]), oom)
        XCTAssertEqual(h.raw(["get", "k1"]), "$1\r\nv\r\n")
        XCTAssertEqual(h.raw(["expire", "k1", "100"]), ":1\r\n", "EXPIRE is not denyoom")
        XCTAssertEqual(h.engine.stats.evictedKeys, 0)
        XCTAssertTrue(h.raw(["info", "errorstats"]).contains("errorstat_OOM:count=2"))
        h.raw(["config", "set", "maxmemory", "0"])
        XCTAssertEqual(h.raw(["set", "k11", "v"]), "+OK\r\n")
    }

    func testRandomPoliciesSpreadOverDatabases() {
        let h = harness(policy: "allkeys-random")
        for db in 0..<4 {
            h.raw(["select", String(db)])
            for i in 0..<25 { h.raw(["set", "k\(i)", "v"]) }
        }
        h.raw(["select", "0"])
        for i in 0..<40 { h.raw(["set", "n\(i)", "v"]) }
        XCTAssertLessThanOrEqual(keys(h), 101)
        for db in 1..<4 { XCTAssertLessThan(h.engine.dbs[db].count, 25, "db \(db) gave keys too") }
    }

    func testTimeBudgetLeavesTheRestToTheCron() {
        let h = harness(policy: "allkeys-random")
        for i in 0..<100 { h.raw(["set", "k\(i)", "v"]) }
        h.raw(["config", "set", "maxmemory-eviction-tenacity", "0"])   // 0 us: stop after 16 keys
        var t: Int64 = 0
        h.engine.eviction.clock = { t += 1; return t }
        h.raw(["config", "set", "maxmemory", "50000"])
        XCTAssertEqual(h.raw(["set", "x", "v"]), "+OK\r\n", "running out of time is not out of memory")
        XCTAssertEqual(h.engine.stats.evictedKeys, 16)
        XCTAssertTrue(h.engine.eviction.pending)
        h.engine.eviction.clock = { 0 }
        h.engine.serverCron()
        XCTAssertFalse(h.engine.eviction.pending)
        XCTAssertLessThanOrEqual(keys(h), 50)
    }

    func testEvictedKeyspaceEvent() {
        let h = harness(policy: "allkeys-lru", maxKeys: 2)
        h.raw(["config", "set", "notify-keyspace-events", "Ee"])
        let sub = ClientState(id: 2)
        h.engine.clients[sub.id] = sub
        Argv.with([Array("subscribe".utf8), Array("__keyevent@0__:evicted".utf8)]) { h.engine.execute(sub, $0) }
        sub.out.clear()
        for i in 0..<3 { h.raw(["set", "k\(i)", "v"]) }   // over the limit after the third
        h.raw(["ping"])                                      // evictions run before any command
        XCTAssertEqual(h.engine.stats.evictedKeys, 1)
        let got = String(decoding: sub.out.readableBytes, as: UTF8.self)
        XCTAssertTrue(got.contains("__keyevent@0__:evicted"), got)
    }

    func testMemoryCommands() {
        let h = harness(policy: "allkeys-lru", maxKeys: 1000)
        h.raw(["set", "k", String(repeating: "x", count: 100)])
        guard case .integer(let n) = h.run("memory", "usage", "k") else { return XCTFail() }
        XCTAssertGreaterThanOrEqual(n, 64 + 100)
        XCTAssertEqual(h.raw(["memory", "usage", "nokey"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["memory", "usage", "k", "samples", "-1"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["memory", "usage", "k", "foo", "1"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["memory", "usage", "k", "samples", "x"]), "-ERR value is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["memory", "purge"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["memory", "foo"]), "-ERR unknown subcommand 'foo'. Try MEMORY HELP.\r\n")
        XCTAssertTrue(h.raw(["memory", "doctor"]).contains("Hi Sam"))
        XCTAssertTrue(h.raw(["memory", "stats"]).contains("overhead.hashtable.main"))
        let info = h.raw(["info", "memory"])
        XCTAssertTrue(info.contains("used_memory:1000\r\n"), info)
        XCTAssertTrue(info.contains("maxmemory:1000000\r\nmaxmemory_human:976.56K\r\nmaxmemory_policy:allkeys-lru\r\n"))
    }
}
