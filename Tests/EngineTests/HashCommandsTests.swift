// Hashes: HashValue against a trivially correct model (a Dictionary) across the listpack ->
// hashtable conversion, with the invariant checker after every step; then the commands
// in-process (replies, encodings, events, RESP3 shapes).
import XCTest
@testable import Engine

final class HashCommandsTests: XCTestCase {
    // MARK: model

    func testMatchesDictionaryAcrossConversion() {
        for seed: UInt64 in [1, 2, 3, 4] {
            var rng = SplitMix(seed)
            var limits = EncodingLimits()
            limits.hashMaxListpackEntries = 16
            limits.hashMaxListpackValue = 12
            let h = HashValue()
            var model: [[UInt8]: [UInt8]] = [:]
            var mustConvert = false
            // Seeds 1 and 2 stay small (mostly listpack); 3 and 4 grow past the entries limit.
            let universe = seed <= 2 ? 14 : 60
            for step in 0..<1500 {
                let f = Array("f\(Int.random(in: 0..<universe, using: &rng))".utf8)
                    + (Int.random(in: 0..<300, using: &rng) == 0 ? Array(repeating: 120, count: 13) : [])
                let vlen = Int.random(in: 0...(Int.random(in: 0..<200, using: &rng) == 0 ? 13 : 12), using: &rng)
                let v = (0..<vlen).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    let removed = f.withUnsafeBytes { h.remove($0) }
                    XCTAssertEqual(removed, model.removeValue(forKey: f) != nil, "step \(step)")
                } else {
                    let added = f.withUnsafeBytes { fr in v.withUnsafeBytes { h.set(fr, $0, limits: limits) } }
                    XCTAssertEqual(added, model.updateValue(v, forKey: f) == nil, "step \(step)")
                    if f.count > 12 || v.count > 12 || model.count > 16 { mustConvert = true }
                }
                h.check(limits: limits)
                XCTAssertEqual(h.count, model.count)
                XCTAssertEqual(h.encodingName, mustConvert ? "hashtable" : "listpack", "seed \(seed) step \(step)")
                if step % 50 == 0 || step == 1499 { assertSame(h, model) }
            }
            // A copy is independent of the original.
            let c = h.copy() as! HashValue
            Array("new".utf8).withUnsafeBytes { c.set($0, $0, limits: limits) }
            assertSame(h, model)
        }
    }

    func assertSame(_ h: HashValue, _ model: [[UInt8]: [UInt8]], file: StaticString = #filePath, line: UInt = #line) {
        var seen: [[UInt8]: [UInt8]] = [:]
        h.forEach { f, v in seen[Array(f)] = Array(v) }
        XCTAssertEqual(seen, model, file: file, line: line)
        for (f, v) in model {
            XCTAssertEqual(f.withUnsafeBytes { h.get($0) { Array($0) } }, v, file: file, line: line)
            XCTAssertTrue(f.withUnsafeBytes { h.contains($0) }, file: file, line: line)
        }
        XCTAssertNil(Array("absent".utf8).withUnsafeBytes { h.get($0) { Array($0) } }, file: file, line: line)
    }

    func testListpackLongEntriesUseMultiByteLengths() {
        var lp = HashListpack()
        let long = [UInt8](repeating: 7, count: 20000)
        long.withUnsafeBytes { lp.set($0, $0) }
        Array("a".utf8).withUnsafeBytes { lp.set($0, $0) }
        lp.check()
        XCTAssertEqual(Array("a".utf8).withUnsafeBytes { lp.get($0) { $0.count } }, 1)
        XCTAssertEqual(long.withUnsafeBytes { lp.get($0) { $0.count } }, 20000)
        XCTAssertTrue(long.withUnsafeBytes { lp.remove($0) })
        lp.check()
        XCTAssertEqual(lp.count, 1)
    }
}
