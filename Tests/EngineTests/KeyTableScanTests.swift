// SCAN across growth and shrink: every key present for the whole scan must be returned.
import XCTest
@testable import Engine

final class KeyTableScanTests: XCTestCase {
    func scanAll(_ db: Database) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var c: UInt64 = 0
        repeat { c = db.scan(c) { k, _ in out.append(k.array) } } while c != 0
        return out
    }

    func testScanWithoutChangesReturnsEachKeyOnce() {
        let db = Database(index: 0, seed: 11)
        XCTAssertEqual(db.scan(0) { _, _ in XCTFail() }, 0)
        for i in 0..<1000 { _ = db.set(key("k\(i)"), .int(Int64(i))) }
        db.table.rehashFor(micros: 1_000_000)
        XCTAssertFalse(db.table.isRehashing)
        let got = scanAll(db)
        XCTAssertEqual(got.count, 1000)
        XCTAssertEqual(Set(got).count, 1000)
    }

    func testScanDuringRehashReturnsAllKeys() {
        for n in [5, 9, 17, 33, 200, 1025, 4097] {
            let db = Database(index: 0, seed: UInt64(n))
            for i in 0..<n { _ = db.set(key("k\(i)"), .int(Int64(i))) }
            XCTAssertTrue(db.table.isRehashing || n < 5, "n=\(n) expected a rehash in progress")
            XCTAssertEqual(Set(scanAll(db)).count, n, "n=\(n)")
        }
        // Shrink in progress.
        let db = Database(index: 0, seed: 3)
        for i in 0..<4096 { _ = db.set(key("k\(i)"), .int(1)) }
        db.table.rehashFor(micros: 1_000_000)
        for i in 0..<3900 { _ = db.remove(key("k\(i)")) }
        XCTAssertTrue(db.table.isRehashing)
        XCTAssertGreaterThan(db.table.t0.size, db.table.t1.size)
        XCTAssertEqual(Set(scanAll(db)), Set((3900..<4096).map { key("k\($0)") }))
    }

    func testScanWhileMutatingAcrossGrowthAndShrink() {
        for seed in 1...12 as ClosedRange<UInt64> {
            var rng = SplitMix(seed)
            let db = Database(index: 0, seed: seed)
            let stable = (0..<64).map { key("stable:\($0)") }
            for k in stable { _ = db.set(k, .int(1)) }
            var churn = 0            // churn keys "c:0" ..< "c:churn" exist
            var target = Int.random(in: 0...6000, using: &rng)
            var seen = Set<[UInt8]>()
            var cursor: UInt64 = 0
            var steps = 0, sizes = Set<Int>()
            repeat {
                cursor = db.scan(cursor) { k, _ in seen.insert(k.array) }
                steps += 1
                // Move the churn population towards a target that changes now and then, so the
                // table grows and shrinks (and rehashes) while the scan is in progress.
                let ops = Int.random(in: 0...40, using: &rng)
                for _ in 0..<ops {
                    if churn < target { _ = db.set(key("c:\(churn)"), .int(0)); churn += 1 }
                    else if churn > target { churn -= 1; _ = db.remove(key("c:\(churn)")) }
                }
                if Int.random(in: 0..<50, using: &rng) == 0 { target = Int.random(in: 0...6000, using: &rng) }
                sizes.insert(db.table.t0.size)
                XCTAssertLessThan(steps, 1_000_000, "scan does not terminate")
            } while cursor != 0 && steps < 1_000_000
            for k in stable { XCTAssertTrue(seen.contains(k), "seed \(seed): missed \(String(decoding: k, as: UTF8.self))") }
            XCTAssertGreaterThan(sizes.count, 1, "seed \(seed): the table never resized during the scan")
            db.table.checkInvariants()
        }
    }

    func testBitReverse() {
        XCTAssertEqual(bitReverse(1), 1 << 63)
        XCTAssertEqual(bitReverse(0x0000_0000_0000_00F0), 0x0F00_0000_0000_0000)
        XCTAssertEqual(bitReverse(bitReverse(0x1234_5678_9ABC_DEF0)), 0x1234_5678_9ABC_DEF0)
    }
}
