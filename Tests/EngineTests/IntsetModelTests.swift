// Intset against a trivially correct model (a Swift Set, sorted on demand): widths, upgrades at
// both ends, sorted order and invariants after every step, with and without a shared copy alive.
import XCTest
@testable import Engine

final class IntsetModelTests: XCTestCase {
    func check(_ s: Intset, _ model: Set<Int64>, file: StaticString = #filePath, line: UInt = #line) {
        s.checkInvariants()
        XCTAssertEqual(s.count, model.count, file: file, line: line)
        XCTAssertEqual(s.elements, model.sorted(), file: file, line: line)
    }

    func testWidthsFollowRedisEncodingRule() {
        XCTAssertEqual(Intset.width(for: 0), 2)
        XCTAssertEqual(Intset.width(for: 32767), 2)
        XCTAssertEqual(Intset.width(for: -32768), 2)
        XCTAssertEqual(Intset.width(for: 32768), 4)
        XCTAssertEqual(Intset.width(for: -32769), 4)
        XCTAssertEqual(Intset.width(for: Int64(Int32.max)), 4)
        XCTAssertEqual(Intset.width(for: Int64(Int32.min)), 4)
        XCTAssertEqual(Intset.width(for: Int64(Int32.max) + 1), 8)
        XCTAssertEqual(Intset.width(for: Int64(Int32.min) - 1), 8)
        XCTAssertEqual(Intset.width(for: .max), 8)
        XCTAssertEqual(Intset.width(for: .min), 8)
    }

    func testUpgradesPrependNegativesAndAppendPositives() {
        var s = Intset()
        XCTAssertEqual(s.width, 2)
        XCTAssertTrue(s.insert(5))
        XCTAssertTrue(s.insert(-5))
        XCTAssertFalse(s.insert(5))
        XCTAssertEqual(s.width, 2)
        XCTAssertTrue(s.insert(40000))          // wider and larger: appended
        XCTAssertEqual(s.width, 4)
        XCTAssertEqual(s.elements, [-5, 5, 40000])
        XCTAssertTrue(s.insert(-40000))         // already wide enough: binary-searched in
        XCTAssertEqual(s.elements, [-40000, -5, 5, 40000])
        XCTAssertTrue(s.insert(Int64.min))      // wider and smaller: prepended
        XCTAssertEqual(s.width, 8)
        XCTAssertEqual(s.elements, [Int64.min, -40000, -5, 5, 40000])
        XCTAssertTrue(s.insert(Int64.max))
        XCTAssertEqual(s.elements, [Int64.min, -40000, -5, 5, 40000, Int64.max])
        s.checkInvariants()
        // Removing the wide members keeps the width, as Redis does.
        XCTAssertTrue(s.remove(Int64.min))
        XCTAssertTrue(s.remove(Int64.max))
        XCTAssertEqual(s.width, 8)
        XCTAssertEqual(s.elements, [-40000, -5, 5, 40000])
        XCTAssertFalse(s.remove(Int64.max))
        XCTAssertTrue(s.contains(-5))
        XCTAssertFalse(s.contains(6))
        XCTAssertFalse(s.contains(Int64.max))
        s.checkInvariants()
    }

    func testNarrowSetRejectsWideLookupsWithoutSearching() {
        var s = Intset([1, 2, 3])
        XCTAssertFalse(s.contains(1 << 40))
        XCTAssertFalse(s.remove(1 << 40))
        XCTAssertEqual(s.width, 2)
    }

    /// Random inserts and removes in ranges that cross every width, checked after each step.
    func testRandomOperationsMatchModel() {
        var rng = SystemRandomNumberGenerator()
        let ranges: [ClosedRange<Int64>] = [-100...100, -40000...40000, Int64(Int32.min) - 10...Int64(Int32.max) + 10,
                                            Int64.min...Int64.max]
        for round in 0..<40 {
            var s = Intset()
            var model = Set<Int64>()
            for step in 0..<300 {
                let r = ranges[min(ranges.count - 1, (round + step / 60) % ranges.count)]
                let v = Int64.random(in: r, using: &rng)
                if Int.random(in: 0..<3, using: &rng) == 0, let victim = model.randomElement() {
                    XCTAssertTrue(s.remove(victim))
                    model.remove(victim)
                    XCTAssertFalse(s.remove(victim))
                } else {
                    XCTAssertEqual(s.insert(v), model.insert(v).inserted)
                }
                s.checkInvariants()
                XCTAssertEqual(s.count, model.count)
            }
            check(s, model)
            for v in model { XCTAssertTrue(s.contains(v)) }
            for i in 0..<s.count { XCTAssertEqual(s[i], model.sorted()[i]) }
        }
    }

    /// Value semantics: a copy taken before writes keeps its members (copy on write).
    func testCopiesAreIndependent() {
        var a = Intset([1, 2, 3])
        let snapshot = a
        a.insert(4)
        a.insert(1 << 40)
        a.remove(1)
        check(snapshot, [1, 2, 3])
        check(a, [2, 3, 4, 1 << 40])
        var b = a
        b.remove(2)
        check(a, [2, 3, 4, 1 << 40])
        check(b, [3, 4, 1 << 40])
    }

    func testGrowsAndShrinksAcrossManyMembers() {
        var s = Intset()
        var model = Set<Int64>()
        for v in stride(from: Int64(10000), to: 0, by: -3) { s.insert(v); model.insert(v) }
        check(s, model)
        for v in stride(from: Int64(10000), to: 0, by: -3) where v % 2 == 0 { s.remove(v); model.remove(v) }
        check(s, model)
        for v in model { s.remove(v) }
        XCTAssertTrue(s.isEmpty)
        s.checkInvariants()
        XCTAssertNil(s.randomElement())
    }

    func testRandomElementIsAMember() {
        let s = Intset([7, -3, 1 << 33])
        var seen = Set<Int64>()
        for _ in 0..<300 { seen.insert(s.randomElement()!) }
        XCTAssertEqual(seen, [7, -3, 1 << 33])
    }
}
