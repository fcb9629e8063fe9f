import XCTest
@testable import Engine
import RESP

final class ActiveExpireTests: XCTestCase {
    let t0: Int64 = 1_700_000_000_000

    func harness(databases: Int = 16) -> EngineHarness {
        let h = EngineHarness(engine: Engine(databases: databases))
        h.engine.now = t0
        h.engine.activeExpire.clock = { 0 } // never out of time unless a test says so
        return h
    }

    func exists(_ h: EngineHarness, db: Int, _ key: String) -> Bool {
        Array(key.utf8).withUnsafeBytes { h.engine.dbs[db].find($0) != nil }
    }

    func testReclaimsExpiredKeysOnly() {
        let h = harness()
        var expired: [String] = []
        h.engine.keyChangeObservers.append { db, key, ev in
            if "\(ev)" == "expired" { expired.append("\(db):\(String(decoding: key, as: UTF8.self))") }
        }
        for i in 0..<50 { h.raw(["set", "gone\(i)", "x"]); h.raw(["pexpire", "gone\(i)", "100"]) }
        for i in 0..<5 { h.raw(["set", "live\(i)", "x"]); h.raw(["pexpire", "live\(i)", "100000"]) }
        h.raw(["set", "forever", "x"])
        h.engine.now += 101
        // Sampling is random: a few cycles make sure the last stale keys were drawn.
        for _ in 0..<20 { h.engine.activeExpireCycle(fast: false) }
        XCTAssertEqual(h.engine.dbs[0].count, 6)
        XCTAssertEqual(h.engine.stats.expiredKeys, 50)
        XCTAssertEqual(expired.count, 50)
        XCTAssertTrue(expired.allSatisfy { $0.hasPrefix("0:gone") })
        for i in 0..<5 { XCTAssertTrue(exists(h, db: 0, "live\(i)")) }
        XCTAssertTrue(exists(h, db: 0, "forever"))
        // The stale estimate moved towards the sampled fraction (5% weight), avg_ttl was sampled.
        XCTAssertGreaterThan(h.engine.stats.expiredStalePerc, 0)
        XCTAssertLessThan(h.engine.stats.expiredStalePerc, 1 - pow(0.95, 20) + 1e-9)
        XCTAssertGreaterThan(h.engine.activeExpire.averageTTL(0), 0)
    }

    func testKeyAtItsExactExpireTimeIsStillLive() {
        let h = harness()
        h.raw(["set", "a", "x"])
        h.raw(["pexpire", "a", "100"])
        h.engine.now += 100
        h.engine.activeExpireCycle(fast: false)
        XCTAssertTrue(exists(h, db: 0, "a"))
        h.engine.now += 1
        h.engine.activeExpireCycle(fast: false)
        XCTAssertFalse(exists(h, db: 0, "a"))
    }

    func testDatabasesRoundRobinSixteenPerCall() {
        let h = harness(databases: 20)
        h.raw(["select", "18"])
        h.raw(["set", "k", "x"])
        h.raw(["pexpire", "k", "1"])
        h.engine.now += 2
        h.engine.activeExpireCycle(fast: false) // dbs 0...15
        XCTAssertTrue(exists(h, db: 18, "k"))
        h.engine.activeExpireCycle(fast: false) // dbs 16...19, 0...11
        XCTAssertFalse(exists(h, db: 18, "k"))
    }

    func testTimeCapStopsTheCycleAndEnablesFastCycles() {
        let h = harness()
        var micros: Int64 = 0
        h.engine.activeExpire.clock = { micros += 3_000; return micros } // 3 ms per clock read
        // A fast cycle doesn't run while the last slow one finished in time (and doesn't even
        // read the clock: it runs before every event-loop sleep).
        h.engine.activeExpireCycle(fast: true)
        XCTAssertEqual(micros, 0)
        for i in 0..<4000 { h.raw(["set", "k\(i)", "x"]); h.raw(["pexpire", "k\(i)", "1"]) }
        h.engine.now += 2
        h.engine.activeExpireCycle(fast: false)
        // The clock is read every 16 iterations; 25 ms at hz 10 is crossed on the 9th read.
        XCTAssertEqual(h.engine.stats.expiredTimeCapReached, 1)
        XCTAssertEqual(h.engine.stats.expiredKeys, 9 * 16 * 20)
        XCTAssertTrue(h.engine.activeExpire.timelimitExit)
        // Now a fast cycle runs (1 ms budget: stops at its first clock check). It resumes at db 1;
        // the empty dbs 1...15 count as iterations, so the check comes after db 0's first sample.
        let before = h.engine.stats.expiredKeys
        h.engine.activeExpireCycle(fast: true)
        XCTAssertEqual(h.engine.stats.expiredKeys - before, 20)
        XCTAssertEqual(h.engine.stats.expiredTimeCapReached, 2)
    }

    func testEffortSamplesMore() {
        let h = harness()
        h.engine.activeExpire.effort = 10
        var micros: Int64 = 0
        h.engine.activeExpire.clock = { micros += 100_000; return micros }
        for i in 0..<1500 { h.raw(["set", "k\(i)", "x"]); h.raw(["pexpire", "k\(i)", "1"]) }
        h.engine.now += 2
        h.engine.activeExpireCycle(fast: false)
        // 20 + 20/4*9 = 65 keys per loop, 16 loops before the first (over-budget) clock check.
        XCTAssertEqual(h.engine.stats.expiredKeys, 16 * 65)
    }

    /// Property: against a model of which keys must be live, active expiry never removes a live
    /// key, and once time has moved on, enough cycles leave no expired key behind.
    func testAgainstModel() {
        for seed in UInt64(1)...8 {
            var rng = SplitMix(seed)
            let h = harness(databases: 4)
            // db -> key -> expire time (nil = persistent)
            var model: [[String: Int64?]] = Array(repeating: [:], count: 4)
            for _ in 0..<3000 {
                let db = Int.random(in: 0..<4, using: &rng)
                let key = "k\(Int.random(in: 0..<400, using: &rng))"
                h.raw(["select", "\(db)"])
                switch Int.random(in: 0..<10, using: &rng) {
                case 0...4:
                    h.raw(["set", key, "v"])
                    if Bool.random(using: &rng) {
                        let ttl = Int64.random(in: 1...20_000, using: &rng)
                        h.raw(["pexpire", key, "\(ttl)"])
                        model[db][key] = .some(h.engine.now + ttl)
                    } else {
                        model[db][key] = .some(nil)
                    }
                case 5:
                    h.raw(["del", key])
                    model[db][key] = nil
                case 6...7:
                    h.engine.now += Int64.random(in: 0...1_000, using: &rng)
                default:
                    h.engine.activeExpireCycle(fast: Bool.random(using: &rng))
                    checkNoLiveKeyRemoved(h, model, seed)
                }
            }
            // Time moves past some TTLs; cycles run as the server would run them.
            h.engine.now += 10_000
            for _ in 0..<500 { h.engine.activeExpireCycle(fast: false) }
            checkNoLiveKeyRemoved(h, model, seed)
            for db in 0..<4 {
                for (key, at) in model[db] {
                    if let at = at, h.engine.now > at {
                        XCTAssertFalse(exists(h, db: db, key), "seed \(seed): expired \(key) in db \(db) remains")
                    }
                }
                // Nothing outside the model, nothing volatile left that the model says expired.
                h.engine.dbs[db].forEach { k, _, _ in XCTAssertTrue(model[db].keys.contains(k.string), "seed \(seed): \(k)") }
            }
        }
    }

    func checkNoLiveKeyRemoved(_ h: EngineHarness, _ model: [[String: Int64?]], _ seed: UInt64,
                               file: StaticString = #filePath, line: UInt = #line) {
        let now = h.engine.now
        for db in 0..<model.count {
            for (key, at) in model[db] where at == nil || now <= at! {
                XCTAssertTrue(exists(h, db: db, key), "seed \(seed): live \(key) in db \(db) was removed", file: file, line: line)
            }
        }
    }
}
