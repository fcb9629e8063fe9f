// Random sampling: RANDOMKEY over all keys, volatile sampling only over keys with a TTL and
// never a stale one, with the lazily cleaned volatile list staying bounded.
import XCTest
@testable import Engine

final class KeyTableSamplingTests: XCTestCase {
    func testRandomKeyCoversAllKeys() {
        let db = Database(index: 0, seed: 5)
        XCTAssertNil(db.randomKey())
        let keys = (0..<20).map { key("r\($0)") }
        for k in keys { _ = db.set(k, .int(0)) }
        var seen = Set<[UInt8]>()
        for _ in 0..<2000 {
            let k = db.randomKey()!.array
            XCTAssertTrue(keys.contains(k))
            seen.insert(k)
        }
        XCTAssertEqual(seen.count, 20)
        // While rehashing as well.
        for i in 0..<100 { _ = db.set(key("x\(i)"), .int(0)) }
        for _ in 0..<200 { XCTAssertNotNil(db.find(db.randomKey()!.array)) }
    }

    func testSampleVolatileOnlyLiveVolatileKeys() {
        var rng = SplitMix(99)
        let db = Database(index: 0, seed: 99)
        var ttl: [[UInt8]: Int64] = [:]
        var all = Set<[UInt8]>()
        for round in 0..<200 {
            for _ in 0..<50 {
                let k = key("v\(Int.random(in: 0..<400, using: &rng))")
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: _ = db.set(k, .int(1)); all.insert(k); ttl[k] = nil
                case 1: _ = db.set(k, .int(1), keepTTL: true); all.insert(k)
                case 2:
                    if all.contains(k) { let at = Int64(1000 + round); k.withRaw { db.setExpire($0, at: at) }; ttl[k] = at }
                case 3: k.withRaw { _ = db.persist($0) }; ttl[k] = nil
                default: _ = db.remove(k); all.remove(k); ttl[k] = nil
                }
            }
            var got = Set<[UInt8]>()
            db.sampleVolatile(20) { k, at in
                XCTAssertEqual(ttl[k.array], at, "sampled a key without that TTL")
                XCTAssertTrue(got.insert(k.array).inserted, "duplicate within one call")
            }
            XCTAssertEqual(got.count, min(20, ttl.count))
            XCTAssertEqual(db.volatileCount, ttl.count)
            XCTAssertLessThanOrEqual(db.table.volatileList.count, Int(db.table.highWater))
            db.table.checkInvariants()
        }
    }

    func testActiveExpiryStyleSamplingRemovesKeys() {
        let db = Database(index: 0, seed: 1)
        for i in 0..<10_000 { _ = db.set(key("p\(i)"), .int(0)) }
        for i in 0..<100 { _ = db.set(key("t\(i)"), .int(0)); key("t\(i)").withRaw { db.setExpire($0, at: 50) } }
        var sampled = 0
        // Only the 100 volatile keys are ever offered, however many persistent keys there are.
        while db.volatileCount > 0 {
            db.sampleVolatile(20) { k, at in
                XCTAssertTrue(k.string.hasPrefix("t"))
                XCTAssertEqual(at, 50)
                sampled += 1
                _ = db.remove(k.array)
            }
        }
        XCTAssertEqual(sampled, 100)
        XCTAssertEqual(db.count, 10_000)
        var none = 0
        db.sampleVolatile(20) { _, _ in none += 1 }
        XCTAssertEqual(none, 0)
        db.table.checkInvariants()
    }

    func testStaleListEntriesAreCleanedAndSlotsNotDuplicated() {
        let db = Database(index: 0, seed: 2)
        // Reusing the same slab slot for new volatile keys must not grow the list.
        for i in 0..<5000 {
            let k = key("cycle\(i)")
            _ = db.set(k, .int(0))
            k.withRaw { db.setExpire($0, at: 10) }
            _ = db.remove(k)
        }
        XCTAssertLessThanOrEqual(db.table.volatileList.count, 2)
        for i in 0..<1000 { _ = db.set(key("a\(i)"), .int(0)); key("a\(i)").withRaw { db.setExpire($0, at: 10) } }
        for i in 0..<1000 { key("a\(i)").withRaw { _ = db.persist($0) } }
        XCTAssertEqual(db.volatileCount, 0)
        _ = db.set(key("a7"), .int(0))
        key("a7").withRaw { db.setExpire($0, at: 10) }
        var got: [String] = []
        db.sampleVolatile(5) { k, _ in got.append(k.string) }
        XCTAssertEqual(got, ["a7"])
        XCTAssertLessThanOrEqual(db.table.volatileList.count, 1001)
        db.table.checkInvariants()
    }
}
