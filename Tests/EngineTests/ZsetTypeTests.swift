// Sorted-set encodings against a trivially correct model (an Array kept sorted by
// (score, member)), with the invariant checkers run after every step, across the
// listpack -> skiplist conversion.
import XCTest
@testable import Engine

/// The reference: elements sorted by (score, member bytes).
struct ZModel {
    var items: [([UInt8], Double)] = []

    static func less(_ a: ([UInt8], Double), _ b: ([UInt8], Double)) -> Bool {
        a.1 < b.1 || (a.1 == b.1 && a.0.lexicographicallyPrecedes(b.0))
    }
    func index(_ m: [UInt8]) -> Int? { items.firstIndex { $0.0 == m } }
    func score(_ m: [UInt8]) -> Double? { index(m).map { items[$0].1 } }
    mutating func set(_ m: [UInt8], _ s: Double) {
        if let i = index(m) { items.remove(at: i) }
        let e = (m, s)
        let at = items.firstIndex { ZModel.less(e, $0) } ?? items.count
        items.insert(e, at: at)
    }
    mutating func remove(_ m: [UInt8]) -> Bool {
        guard let i = index(m) else { return false }
        items.remove(at: i)
        return true
    }
}

// withRaw(_:_:) is shared with ListTypeTests.swift.

final class ZsetTypeTests: XCTestCase {
    func contents(_ z: ZsetValue) -> [([UInt8], Double)] {
        var out: [([UInt8], Double)] = []
        z.forEachElement { out.append((Array($0), $1)) }
        return out
    }

    func assertSame(_ z: ZsetValue, _ m: ZModel, _ step: Int, file: StaticString = #filePath, line: UInt = #line) {
        if let e = z.check() { XCTFail("step \(step): \(e)", file: file, line: line); return }
        let got = contents(z)
        XCTAssertEqual(got.count, m.items.count, "step \(step): count", file: file, line: line)
        XCTAssertEqual(z.count, m.items.count, "step \(step): count", file: file, line: line)
        for (a, b) in zip(got, m.items) where a.0 != b.0 || a.1 != b.1 {
            XCTFail("step \(step): \(String(decoding: a.0, as: UTF8.self)) \(a.1) != \(String(decoding: b.0, as: UTF8.self)) \(b.1)", file: file, line: line)
            return
        }
    }

    /// Random adds, increments, removals and range removals; the limit of 24 entries makes
    /// every run cross the conversion point.
    func testModelAcrossConversion() {
        for seed in 1...6 as ClosedRange<UInt64> {
            var rng = SplitMix(seed)
            var limits = EncodingLimits()
            limits.zsetMaxListpackEntries = 24
            limits.zsetMaxListpackValue = 16
            let z = ZsetValue()
            var model = ZModel()
            let scores: [Double] = [0, 1, 1.5, -2, 3, .infinity, -.infinity, 1e17, 0.1]
            var converted = false
            for step in 0..<1500 {
                let m = Array("m\(Int.random(in: 0..<60, using: &rng))".utf8) + (Int.random(in: 0..<40, using: &rng) == 0 ? Array(repeating: 120, count: 20) : [])
                switch Int.random(in: 0..<10, using: &rng) {
                case 0...4:
                    let s = scores.randomElement(using: &rng)!
                    let (outcome, new) = withRaw(m) { z.add($0, s, ZAddFlags(), limits) }
                    let old = model.score(m)
                    model.set(m, s)
                    if old == nil { XCTAssertEqual("\(outcome)", "added") } else if old != s { XCTAssertEqual("\(outcome)", "updated") }
                    XCTAssertEqual(new, s)
                case 5:
                    var f = ZAddFlags()
                    f.incr = true
                    let s = Double(Int.random(in: -3...3, using: &rng))
                    let (outcome, new) = withRaw(m) { z.add($0, s, f, limits) }
                    if case .nan = outcome { XCTAssertTrue((model.score(m) ?? 0).isInfinite); continue }
                    model.set(m, (model.score(m) ?? 0) + s)
                    XCTAssertEqual(new, model.score(m))
                case 6, 7:
                    XCTAssertEqual(withRaw(m) { z.remove($0) }, model.remove(m))
                case 8 where model.items.count > 0:
                    let a = Int.random(in: 0..<model.items.count, using: &rng)
                    let b = Int.random(in: a..<min(model.items.count, a + 4), using: &rng)
                    z.removeRanks(a, b)
                    model.items.removeSubrange(a...b)
                default:
                    let r = ZScoreRange(min: scores.randomElement(using: &rng)!, max: scores.randomElement(using: &rng)!,
                                        minex: Bool.random(using: &rng), maxex: Bool.random(using: &rng))
                    let expected = model.items.filter { r.gteMin($0.1) && r.lteMax($0.1) }.count
                    XCTAssertEqual(z.countInRange(empty: r.isEmpty, gte: r.gteCheck, lte: r.lteCheck), expected, "step \(step)")
                    if Bool.random(using: &rng) {
                        XCTAssertEqual(z.removeRange(empty: r.isEmpty, gte: r.gteCheck, lte: r.lteCheck), expected)
                        model.items.removeAll { r.gteMin($0.1) && r.lteMax($0.1) }
                    }
                }
                if !z.isListpack { converted = true }
                assertSame(z, model, step)
                // Ranks and scores of a few members.
                for _ in 0..<3 {
                    let probe = Array("m\(Int.random(in: 0..<60, using: &rng))".utf8)
                    let i = model.index(probe)
                    XCTAssertEqual(withRaw(probe) { z.rank($0, reverse: false) }, i, "step \(step)")
                    XCTAssertEqual(withRaw(probe) { z.rank($0, reverse: true) }, i.map { model.items.count - 1 - $0 })
                    XCTAssertEqual(withRaw(probe) { z.score($0) }, model.score(probe))
                }
            }
            XCTAssertTrue(converted, "seed \(seed) never converted")
        }
    }

    /// Rank ranges, score walks with offsets/limits, both directions, both encodings.
    func testWalksMatchModel() {
        var rng = SplitMix(42)
        for size in [0, 1, 5, 23, 24, 25, 200] {
            for encoding in ["listpack", "skiplist"] {
                let z = ZsetValue()
                var model = ZModel()
                var limits = EncodingLimits()
                limits.zsetMaxListpackEntries = encoding == "listpack" ? 1000 : 0
                for i in 0..<size {
                    let m = Array("e\(i)".utf8)
                    let s = Double(Int.random(in: 0..<10, using: &rng))
                    _ = withRaw(m) { z.add($0, s, ZAddFlags(), limits) }
                    model.set(m, s)
                }
                if size > 0 { XCTAssertEqual(z.encodingName, encoding) }
                for _ in 0..<60 where size > 0 {
                    let a = Int.random(in: 0..<size, using: &rng), b = Int.random(in: a..<size, using: &rng)
                    let rev = Bool.random(using: &rng)
                    var got: [[UInt8]] = []
                    z.forEach(ranks: a, b, reverse: rev) { m, _ in got.append(Array(m)) }
                    let ordered = rev ? Array(model.items.reversed()) : model.items
                    XCTAssertEqual(got, ordered[a...b].map(\.0))

                    let r = ZScoreRange(min: Double(Int.random(in: -1...10, using: &rng)), max: Double(Int.random(in: -1...10, using: &rng)),
                                        minex: Bool.random(using: &rng), maxex: Bool.random(using: &rng))
                    let offset = Int.random(in: -1...4, using: &rng), limit = Int.random(in: -1...6, using: &rng)
                    got = []
                    let n = z.walk(empty: r.isEmpty, gte: r.gteCheck, lte: r.lteCheck, offset: offset, limit: limit, reverse: rev) { m, _ in got.append(Array(m)) }
                    var want = ordered.filter { r.gteMin($0.1) && r.lteMax($0.1) }.map(\.0)
                    want = offset < 0 ? [] : Array(want.dropFirst(offset))
                    if limit >= 0 { want = Array(want.prefix(limit)) }
                    XCTAssertEqual(got, want, "\(encoding) size \(size) range \(r) offset \(offset) limit \(limit) rev \(rev)")
                    XCTAssertEqual(n, want.count)
                }
            }
        }
    }

    /// Lex ranges over equal scores, the case Redis defines.
    func testLexRangesMatchModel() {
        var rng = SplitMix(7)
        let words = ["", "a", "aa", "ab", "b", "ba", "c", "d\u{0}", "zz"].map { Array($0.utf8) }
        for encoding in ["listpack", "skiplist"] {
            let z = ZsetValue()
            var limits = EncodingLimits()
            limits.zsetMaxListpackEntries = encoding == "listpack" ? 128 : 0
            var model = ZModel()
            for w in words { _ = withRaw(w) { z.add($0, 0, ZAddFlags(), limits) }; model.set(w, 0) }
            let bounds = ["-", "+", "[a", "(a", "[b", "(ab", "[", "(", "[zz", "(c"]
            for lo in bounds {
                for hi in bounds {
                    let rev = Bool.random(using: &rng)
                    // The range points into the bound bytes: use it inside their scope only.
                    withRaw(Array(lo.utf8)) { l in
                        withRaw(Array(hi.utf8)) { h in
                            guard let r = ZLexRange(min: l, max: h) else { XCTFail("\(lo) \(hi)"); return }
                            var got: [[UInt8]] = []
                            _ = z.walk(empty: r.isEmpty, gte: r.gteCheck, lte: r.lteCheck, offset: 0, limit: -1, reverse: rev) { m, _ in got.append(Array(m)) }
                            let inRange = model.items.filter { m in m.0.withUnsafeBytes { r.gteMin($0) && r.lteMax($0) } }.map(\.0)
                            XCTAssertEqual(got, rev ? inRange.reversed() : inRange, "\(encoding) \(lo) \(hi)")
                            XCTAssertEqual(z.countInRange(empty: r.isEmpty, gte: r.gteCheck, lte: r.lteCheck), inRange.count)
                        }
                    }
                }
            }
        }
    }

    /// The skiplist alone: inserts, deletes and score updates keep spans, levels, links.
    func testSkiplistInvariantsAndRanks() {
        var rng = SplitMix(99)
        let s = ZSkiplist(seed: 12345)
        var model = ZModel()
        for step in 0..<4000 {
            let m = Array("k\(Int.random(in: 0..<500, using: &rng))".utf8)
            let sc = Double(Int.random(in: 0..<50, using: &rng))
            if let cur = model.score(m) {
                if Bool.random(using: &rng) {
                    XCTAssertTrue(withRaw(m) { s.delete(cur, $0) })
                    _ = model.remove(m)
                } else {
                    withRaw(m) { s.updateScore(cur, $0, to: sc) }
                    model.set(m, sc)
                }
            } else {
                _ = withRaw(m) { s.insert(sc, $0) }
                model.set(m, sc)
            }
            if step % 97 == 0, let e = s.check() { XCTFail("step \(step): \(e)"); return }
        }
        XCTAssertNil(s.check())
        XCTAssertEqual(s.length, model.items.count)
        for (i, e) in model.items.enumerated() {
            XCTAssertEqual(withRaw(e.0) { s.rank(e.1, $0) }, i + 1)
            let n = s.node(atRank: i + 1)
            XCTAssertEqual(n.map { Array($0.member) }, e.0)
        }
        XCTAssertNil(s.node(atRank: 0))
        XCTAssertNil(s.node(atRank: model.items.count + 1))
        // Level distribution: roughly a quarter of the nodes reach level 2.
        var twoPlus = 0
        var x = s.first
        while let n = x { if n.levelCount >= 2 { twoPlus += 1 }; x = n.forward(0) }
        let share = Double(twoPlus) / Double(s.length)
        XCTAssertTrue(share > 0.15 && share < 0.35, "level-2 share \(share)")
        // Deleting everything by ranks leaves a valid empty list.
        _ = s.deleteRange(ranks: 1, s.length) { _ in }
        XCTAssertEqual(s.length, 0)
        XCTAssertNil(s.check())
    }

    func testCopyIsIndependent() {
        for entries in [128, 0] {
            var limits = EncodingLimits()
            limits.zsetMaxListpackEntries = entries
            let z = ZsetValue()
            for i in 0..<10 { _ = withRaw(Array("m\(i)".utf8)) { z.add($0, Double(i), ZAddFlags(), limits) } }
            let c = z.copy() as! ZsetValue
            _ = withRaw(Array("m3".utf8)) { z.remove($0) }
            XCTAssertEqual(c.count, 10)
            XCTAssertEqual(z.count, 9)
            XCTAssertEqual(c.encodingName, z.encodingName)
            XCTAssertNil(c.check())
        }
    }

    /// Every listpack score form (1-byte small ints, 1...8-byte ints, raw doubles) reads back
    /// exactly; -0 becomes 0 as in Redis's listpack.
    func testListpackScoresRoundTrip() {
        var scores: [Double] = [0, 1, 127, 128, 255, 256, -1, -128, -129, 32767, -32768, 1e15, -1e15,
                                9007199254740993, 4611686018427387904, -9223372036854775808, 9223372036854775807,
                                0.5, -0.1, 1e300, .infinity, -.infinity, 5e-324, 1e17]
        for bits in 1...63 { scores.append(Double(Int64(1) << bits)); scores.append(-Double(Int64(1) << bits) - 1) }
        var limits = EncodingLimits()
        limits.zsetMaxListpackEntries = 10_000
        let z = ZsetValue()
        var model = ZModel()
        for (i, s) in scores.enumerated() {
            let m = Array("m\(i)".utf8)
            _ = withRaw(m) { z.add($0, s, ZAddFlags(), limits) }
            model.set(m, s)
        }
        _ = withRaw(Array("negzero".utf8)) { z.add($0, -0.0, ZAddFlags(), limits) }
        model.set(Array("negzero".utf8), 0)
        XCTAssertTrue(z.isListpack)
        assertSame(z, model, 0)
        XCTAssertEqual(withRaw(Array("negzero".utf8)) { z.score($0) }?.sign, .plus)
        // Small scores take one byte: "a" at score 5 is a 3-byte entry.
        let small = ZsetValue()
        _ = withRaw(Array("a".utf8)) { small.add($0, 5, ZAddFlags(), limits) }
        XCTAssertEqual(small.lp.byteCount, 3)
    }

    func testScoreParsingAndFormatting() {
        func parse(_ s: String) -> Double? { withRaw(Array(s.utf8)) { parseZsetScore($0) } }
        XCTAssertEqual(parse("1"), 1)
        XCTAssertEqual(parse("+5"), 5)
        XCTAssertEqual(parse("0x10"), 16)
        XCTAssertEqual(parse("-inf"), -.infinity)
        XCTAssertEqual(parse("infinity"), .infinity)
        XCTAssertEqual(parse("-0")?.sign, .minus)
        XCTAssertNil(parse("nan"))
        XCTAssertNil(parse(" 1"))
        XCTAssertNil(parse("1 "))
        XCTAssertNil(parse(""))
        XCTAssertNil(parse("1e400"))
        XCTAssertNil(parse("1e-400"))
        XCTAssertNotNil(parse("1e-320"))
        func text(_ d: Double) -> String { withZsetScoreText(d) { String(decoding: $0, as: UTF8.self) } }
        XCTAssertEqual(text(1), "1")
        XCTAssertEqual(text(-0.0), "-0")
        XCTAssertEqual(text(0.1), "0.10000000000000001")
        XCTAssertEqual(text(1e17), "1e+17")
        XCTAssertEqual(text(99999999999999984), "99999999999999984")
        XCTAssertEqual(text(1.5e-5), "1.5e-05")
        XCTAssertEqual(text(1e-5), "1.0000000000000001e-05")
        XCTAssertEqual(text(-.infinity), "-inf")
        XCTAssertEqual(text(123456789012345678), "1.2345678901234568e+17")
    }
}
