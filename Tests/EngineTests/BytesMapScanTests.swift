// BytesMap SCAN (stable cursor across growth and shrink) and random-member uniformity.
import XCTest
@testable import Engine

final class BytesMapScanTests: XCTestCase {
    func fill(_ m: BytesMap<Void>, _ range: Range<Int>) { for i in range { m.set(Bytes("s\(i)"), ()) } }

    /// Without changes between steps, a full scan returns every member exactly once, in
    /// increasing cursor order, each step returning at least one member.
    func testScanReturnsEachMemberOnceWhenUnchanged() {
        for capBits in [2, 5, 8] {
            let m = BytesMap<Void>(seed: 11, maxCapacity: 1 << capBits)
            fill(m, 0..<3000)
            var seen: [Bytes: Int] = [:]
            var cursor: UInt64 = 0, last: UInt64 = 0, steps = 0
            repeat {
                var n = 0
                cursor = m.scan(cursor) { k, _ in seen[k, default: 0] += 1; n += 1 }
                XCTAssertGreaterThan(n, 0)
                XCTAssertTrue(cursor == 0 || cursor > last, "cursor must move forward in hash order")
                last = cursor
                steps += 1
            } while cursor != 0
            XCTAssertEqual(seen.count, 3000)
            XCTAssertEqual(seen.values.max(), 1)
            XCTAssertGreaterThan(steps, 3000 / 40, "steps should be small slices, not whole segments")
        }
    }

    /// Members present for the whole scan are returned even while the map grows several times
    /// over (splits, directory doubling) or shrinks 20x (merges, halving) between steps.
    /// Churn per step is proportional to the members a step returns: growing much faster than
    /// the scan advances would let the map outrun it (as with Redis's SCAN).
    func testScanGuaranteeWhileGrowingAndShrinking() {
        for (seed, capBits) in [(1, 2), (2, 3), (3, 8)] as [(UInt64, Int)] {
            for growing in [true, false] {
                var rng = SplitMix(seed)
                let m = BytesMap<Void>(seed: seed, maxCapacity: 1 << capBits)
                let stable = (0..<200).map { Bytes("stable\($0)") }
                for k in stable { m.set(k, ()) }
                var churn: [Bytes] = []
                var next = 0
                func add() { let k = Bytes("c\(next)"); next += 1; m.set(k, ()); churn.append(k) }
                if !growing { for _ in 0..<4000 { add() } }
                var seen = Set<Bytes>()
                var cursor: UInt64 = 0
                let (depth0, size0) = (m.shape.depth, m.count)
                var (minDepth, maxDepth) = (depth0, depth0)
                repeat {
                    var visited = 0
                    cursor = m.scan(cursor) { k, _ in seen.insert(k); visited += 1 }
                    for _ in 0..<Int.random(in: 0...(growing ? 3 : 30) * visited, using: &rng) {
                        if growing { add(); continue }
                        if churn.isEmpty { break }
                        if Int.random(in: 0..<10, using: &rng) == 0 { add(); continue }
                        let i = Int.random(in: 0..<churn.count, using: &rng)
                        m.remove(churn[i]); churn.swapAt(i, churn.count - 1); churn.removeLast()
                    }
                    minDepth = min(minDepth, m.shape.depth); maxDepth = max(maxDepth, m.shape.depth)
                } while cursor != 0
                m.checkInvariants()
                for k in stable { XCTAssertTrue(seen.contains(k), "scan missed \(k) (seed \(seed), growing \(growing))") }
                if growing {
                    XCTAssertGreaterThan(m.count, 3 * size0)
                    XCTAssertGreaterThan(maxDepth, depth0 + 1)
                } else {
                    XCTAssertLessThan(m.count, size0 / 4)
                    XCTAssertLessThan(minDepth, depth0)
                }
            }
        }
    }

    /// Chi-square test of randomElement over n members: with n-1 degrees of freedom the
    /// statistic has mean n-1 and standard deviation sqrt(2(n-1)); a seeded generator makes
    /// the test deterministic, the 6-sigma bound makes it robust to seed changes.
    func chiSquare(_ m: BytesMap<Void>, draws: Int, _ rng: inout SplitMix) -> (stat: Double, bound: Double) {
        var hits: [Bytes: Int] = [:]
        for _ in 0..<draws { hits[m.randomElement(using: &rng)!.0, default: 0] += 1 }
        XCTAssertEqual(hits.count, m.count, "some member was never drawn")
        let expected = Double(draws) / Double(m.count)
        var stat = 0.0
        m.forEach { k, _ in let d = Double(hits[k] ?? 0) - expected; stat += d * d / expected }
        let dof = Double(m.count - 1)
        return (stat, dof + 6 * (2 * dof).squareRoot())
    }

    func testRandomElementIsUniform() {
        var rng = SplitMix(77)
        for (capBits, n) in [(2, 300), (3, 500), (8, 2000), (8, 40)] {
            let m = BytesMap<Void>(seed: 5, maxCapacity: 1 << capBits)
            fill(m, 0..<n)
            let (stat, bound) = chiSquare(m, draws: n * 100, &rng)
            XCTAssertLessThan(stat, bound, "capBits \(capBits) n \(n)")
        }
    }

    /// After most members are removed the directory stays deeper than needed in places; draws
    /// stay uniform (rejection plus the exact fallback) and cheap.
    func testRandomElementIsUniformWhenSparse() {
        var rng = SplitMix(78)
        let m = BytesMap<Void>(seed: 6, maxCapacity: 8)
        fill(m, 0..<5000)
        for i in 0..<5000 where i % 40 != 0 { m.remove(Bytes("s\(i)")) }
        m.checkInvariants()
        XCTAssertEqual(m.count, 125)
        let (stat, bound) = chiSquare(m, draws: 125 * 200, &rng)
        XCTAssertLessThan(stat, bound)
        XCTAssertEqual(m.member(rank: 0).map { m.contains($0.0) }, true)
        XCTAssertNil(m.member(rank: 125))
    }

    func testRandomElementDefaultGenerator() {
        let m = BytesMap<Double>()
        for i in 0..<50 { m.set(Bytes("r\(i)"), Double(i)) }
        var seen = Set<Bytes>()
        for _ in 0..<2000 { let (k, v) = m.randomElement()!; XCTAssertEqual(m.get(k), v); seen.insert(k) }
        XCTAssertEqual(seen.count, 50)
    }
}
