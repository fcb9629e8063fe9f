// The list structure's pieces: the listpack entry codec at every encoding boundary, chunk
// filling per list-max-listpack-size, and targeted edits (split, replace, trims) with the
// invariant checker after each step.
import XCTest
@testable import Engine

func listContents(_ l: ListValue) -> [[UInt8]] {
    var out: [[UInt8]] = []
    l.forEach(from: 0) { out.append($0.owned.array); return true }
    return out
}

func withRaw<R>(_ s: [UInt8], _ body: (UnsafeRawBufferPointer) -> R) -> R { s.withUnsafeBytes(body) }

final class ListTypeTests: XCTestCase {
    /// Integers at each listpack width's edges, and strings at each header's and backlen's edges.
    static let boundaryElements: [[UInt8]] = {
        let ints: [Int64] = [0, 1, 127, 128, -1, -4096, 4095, -4097, 4096, 32767, 32768, -32768, -32769,
                             8_388_607, 8_388_608, -8_388_608, -8_388_609, 2_147_483_647, 2_147_483_648,
                             -2_147_483_648, -2_147_483_649, Int64.max, Int64.min]
        var out = ints.map { Array(String($0).utf8) }
        for n in [0, 1, 62, 63, 64, 125, 126, 127, 128, 4093, 4094, 4095, 4096, 16377, 16378, 16379, 20000] {
            out.append([UInt8](repeating: UInt8(97 + n % 26), count: n))
        }
        out += [Array("007".utf8), Array("-0".utf8), Array("+1".utf8), Array("9223372036854775808".utf8),
                Array("1.5".utf8), [0, 255, 13, 10]]
        return out
    }()

    func testCodecRoundTripsEveryBoundary() {
        for el in Self.boundaryElements {
            let l = ListValue(fill: -2)
            withRaw(el) { l.push($0, atHead: false) }
            withRaw(el) { l.push($0, atHead: true) }
            withRaw(el) { l.insert($0, at: 1) }
            l.check()
            XCTAssertEqual(listContents(l), [el, el, el], "element of \(el.count) bytes")
            var back: [[UInt8]] = []
            l.forEach(from: 2, reverse: true) { back.append($0.owned.array); return true }
            XCTAssertEqual(back, [el, el, el])
        }
    }

    func testIntsAreStoredCompactly() {
        // 7-bit ints take 2 bytes, 13-bit 3, a short string 1 + len + 1.
        let l = ListValue(fill: -2)
        withRaw(Array("100".utf8)) { l.push($0, atHead: false) }
        XCTAssertEqual(l.chunks[0].used, 2)
        withRaw(Array("-4000".utf8)) { l.push($0, atHead: false) }
        XCTAssertEqual(l.chunks[0].used, 5)
        withRaw(Array("abc".utf8)) { l.push($0, atHead: false) }
        XCTAssertEqual(l.chunks[0].used, 10)
        if case .int(let v) = l.chunks[0].element(at: l.chunks[0].start) { XCTAssertEqual(v, 100) } else { XCTFail() }
    }

    func testCountFillLimitsEntriesPerChunk() {
        for fill in [0, 1, 3, 128] {
            let l = ListValue(fill: fill)
            for i in 0..<500 { withRaw(Array("e\(i)".utf8)) { l.push($0, atHead: false) } }
            l.check()
            XCTAssertTrue(l.chunkCounts.allSatisfy { $0 <= max(fill, 1) }, "fill \(fill): \(l.chunkCounts.prefix(8))")
            XCTAssertEqual(l.chunkCounts.count, (500 + max(fill, 1) - 1) / max(fill, 1))
            // Pushing at both ends fills a chunk at each end.
            let d = ListValue(fill: fill)
            for i in 0..<500 { withRaw(Array("e\(i)".utf8)) { d.push($0, atHead: i % 2 == 0) } }
            d.check()
            XCTAssertTrue(d.chunkCounts.allSatisfy { $0 <= max(fill, 1) })
            XCTAssertLessThanOrEqual(d.chunkCounts.count, 500 / max(fill, 1) + 2)
        }
    }

    func testSizeFillLimitsChunkBytes() {
        for fill in [-1, -2, -3, -4, -5, -9] {
            let l = ListValue(fill: fill)
            let limit = 4096 << (min(-fill, 5) - 1)
            for i in 0..<3000 { withRaw(Array("element-\(i)-padding-padding".utf8)) { l.push($0, atHead: false) } }
            l.check()
            for k in 0..<l.chunks.count {
                XCTAssertLessThanOrEqual(l.chunks[k].listpackBytes, limit)
            }
            // Chunks fill up: all but the last are more than 90% full.
            for k in 0..<(l.chunks.count - 1) {
                XCTAssertGreaterThan(l.chunks[k].listpackBytes, limit * 9 / 10)
            }
        }
    }

    func testBigElementsGetTheirOwnChunk() {
        let l = ListValue(fill: -1)
        let big = [UInt8](repeating: 120, count: 10000)
        withRaw(Array("a".utf8)) { l.push($0, atHead: false) }
        withRaw(big) { l.push($0, atHead: false) }
        withRaw(Array("b".utf8)) { l.push($0, atHead: false) }
        l.check()
        XCTAssertEqual(l.chunkCounts, [1, 1, 1])
        withRaw(big) { l.replace(at: 0, with: $0) }   // a single-entry chunk takes anything
        l.check()
        XCTAssertEqual(listContents(l), [big, big, Array("b".utf8)])
    }

    func testInsertSplitsAFullChunk() {
        let l = ListValue(fill: 4)
        for s in ["a", "b", "c", "d"] { withRaw(Array(s.utf8)) { l.push($0, atHead: false) } }
        XCTAssertEqual(l.chunkCounts, [4])
        withRaw(Array("X".utf8)) { l.insert($0, at: 2) }
        l.check()
        XCTAssertEqual(listContents(l).map { String(decoding: $0, as: UTF8.self) }, ["a", "b", "X", "c", "d"])
        XCTAssertEqual(l.chunkCounts, [3, 2])
        // At a chunk's head, the chunk itself takes it while it has room...
        withRaw(Array("Y".utf8)) { l.insert($0, at: 3) }
        withRaw(Array("Z".utf8)) { l.insert($0, at: 3) }
        l.check()
        XCTAssertEqual(l.chunkCounts, [3, 4])
        // ...then the previous chunk's tail does.
        withRaw(Array("W".utf8)) { l.insert($0, at: 3) }
        l.check()
        XCTAssertEqual(l.chunkCounts, [4, 4])
        // Both full: a new chunk between them.
        withRaw(Array("V".utf8)) { l.insert($0, at: 4) }
        l.check()
        XCTAssertEqual(l.chunkCounts, [4, 1, 4])
        XCTAssertEqual(listContents(l).map { String(decoding: $0, as: UTF8.self) },
                       ["a", "b", "X", "W", "V", "Z", "Y", "c", "d"])
    }

    func testReplaceGrowingPastTheLimitMovesTheElement() {
        let l = ListValue(fill: -1)   // 4 KB chunks
        let mid = [UInt8](repeating: 109, count: 1000)
        for _ in 0..<4 { withRaw(mid) { l.push($0, atHead: false) } }
        XCTAssertEqual(l.chunkCounts, [4])
        let big = [UInt8](repeating: 98, count: 2000)
        withRaw(big) { l.replace(at: 1, with: $0) }
        l.check()
        XCTAssertEqual(listContents(l), [mid, big, mid, mid])
        withRaw(Array("7".utf8)) { l.replace(at: 1, with: $0) }
        l.check()
        XCTAssertEqual(listContents(l), [mid, Array("7".utf8), mid, mid])
    }

    func testTrimsDropWholeChunksAndCutEdges() {
        let l = ListValue(fill: 10)
        for i in 0..<95 { withRaw(Array(String(i).utf8)) { l.push($0, atHead: false) } }
        l.removeFirst(23)
        l.removeLast(31)
        l.check()
        XCTAssertEqual(listContents(l), (23..<64).map { Array(String($0).utf8) })
        l.removeFirst(1000)
        l.check()
        XCTAssertEqual(l.count, 0)
        XCTAssertEqual(l.chunks.count, 0)
    }

    func testRemoveMatchingFromEitherEnd() {
        let l = ListValue(fill: 3)
        let seq = ["a", "b", "a", "a", "c", "a", "b", "a", "12", "a"]
        for s in seq { withRaw(Array(s.utf8)) { l.push($0, atHead: false) } }
        XCTAssertEqual(withRaw(Array("a".utf8)) { l.removeAll(matching: ListNeedle($0), limit: 2, fromTail: true) }, 2)
        l.check()
        XCTAssertEqual(listContents(l).map { String(decoding: $0, as: UTF8.self) }, ["a", "b", "a", "a", "c", "a", "b", "12"])
        XCTAssertEqual(withRaw(Array("12".utf8)) { l.removeAll(matching: ListNeedle($0), limit: 0, fromTail: false) }, 1)
        XCTAssertEqual(withRaw(Array("a".utf8)) { l.removeAll(matching: ListNeedle($0), limit: 0, fromTail: false) }, 4)
        l.check()
        XCTAssertEqual(listContents(l).map { String(decoding: $0, as: UTF8.self) }, ["b", "c", "b"])
    }

    func testCopyIsIndependent() {
        let l = ListValue(fill: 2)
        for s in ["a", "b", "c"] { withRaw(Array(s.utf8)) { l.push($0, atHead: false) } }
        let c = l.copy() as! ListValue
        withRaw(Array("d".utf8)) { c.push($0, atHead: true) }
        c.pop(atHead: false) { _ in }
        c.check(); l.check()
        XCTAssertEqual(listContents(l).map { String(decoding: $0, as: UTF8.self) }, ["a", "b", "c"])
        XCTAssertEqual(listContents(c).map { String(decoding: $0, as: UTF8.self) }, ["d", "a", "b"])
        XCTAssertEqual(c.encodingName, "quicklist")
        XCTAssertEqual(c.typeName, "list")
    }

    func testDequeUseDoesNotLeakSlack() {
        // A queue (push tail, pop head) cycling many times keeps a bounded footprint.
        let l = ListValue(fill: -2)
        for i in 0..<200_000 {
            withRaw(Array("job-\(i)".utf8)) { l.push($0, atHead: false) }
            if i >= 100 { l.pop(atHead: true) { _ in } }
        }
        l.check()
        XCTAssertEqual(l.count, 100)
        var bytes = 0
        for k in 0..<l.chunks.count { bytes += l.chunks[k].capacity }
        XCTAssertLessThan(bytes, 20_000)
    }
}
