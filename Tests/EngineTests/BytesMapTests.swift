// BytesMap against a trivially correct model (a Dictionary): random operations over many
// splits, merges and directory resizes, with and without live copies (a copy must not change
// when the original is written, nor the original when a copy is); payloads Void, Double,
// Bytes and a counted object (no leak, no double free through moves, clones and merges).
import XCTest
@testable import Engine

/// A payload that counts its live instances.
final class TrackedPayload {
    let counter: LiveCounter
    let id: Int
    init(_ c: LiveCounter, _ id: Int) { counter = c; self.id = id; c.live += 1 }
    deinit { counter.live -= 1 }
}

final class BytesMapTests: XCTestCase {
    func mapKey(_ n: Int) -> [UInt8] { testKey("m", n) }

    struct Replica<V> {
        let map: BytesMap<V>
        var model: [[UInt8]: V]
    }

    func compare<V>(_ r: Replica<V>, _ eq: (V, V) -> Bool, file: StaticString = #filePath, line: UInt = #line) {
        r.map.checkInvariants()
        XCTAssertEqual(r.map.count, r.model.count, file: file, line: line)
        var seen = 0
        r.map.forEach { k, v in
            seen += 1
            guard let m = r.model[k.array] else { return XCTFail("extra member \(k.array)", file: file, line: line) }
            XCTAssertTrue(eq(v, m), "payload of \(k.array)", file: file, line: line)
        }
        XCTAssertEqual(seen, r.model.count, file: file, line: line)
        for (k, m) in r.model {
            guard let v = k.withRaw({ r.map.get($0) }) else { XCTFail("missing \(k)", file: file, line: line); continue }
            XCTAssertTrue(eq(v, m), file: file, line: line)
        }
    }

    /// Random operations on a map and up to three live copies, each checked against its model.
    func runModel<V>(seed: UInt64, maxCapacity: Int, ops: Int, universeMax: Int = 4096,
                     _ make: (inout SplitMix, Int) -> V, _ eq: @escaping (V, V) -> Bool) {
        var rng = SplitMix(seed)
        var reps = [Replica(map: BytesMap<V>(seed: seed, maxCapacity: maxCapacity), model: [:])]
        var universe = 8, growing = true, tag = 0
        var maxDepth = 0
        for step in 0..<ops {
            // Cycle the key universe up and down: growth (splits) then shrink (merges), repeatedly.
            if step % 400 == 0 {
                if growing { universe *= 2; growing = universe < universeMax } else { universe /= 2; growing = universe <= 8 }
            }
            // Occasionally snapshot, drop a snapshot, or switch which replica is written.
            let r = Int.random(in: 0..<1000, using: &rng)
            if r < 3 && reps.count < 4 {
                let c = reps[0].map.copy()
                reps.append(Replica(map: c, model: reps[0].model))
            } else if r < 5 && reps.count > 1 {
                reps.remove(at: Int.random(in: 1..<reps.count, using: &rng))
            } else if r < 7 && reps.count > 1 {
                reps.swapAt(0, Int.random(in: 1..<reps.count, using: &rng))
            }
            // Mostly write the first replica; sometimes a copy.
            let w = Int.random(in: 0..<10, using: &rng) == 0 ? Int.random(in: 0..<reps.count, using: &rng) : 0
            let k = mapKey(Int.random(in: 0..<universe, using: &rng))
            let map = reps[w].map
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<50:
                tag += 1
                let v = make(&rng, tag)
                let fresh = k.withRaw { map.set($0, v) }
                XCTAssertEqual(fresh, reps[w].model.updateValue(v, forKey: k) == nil)
            case 50..<55:
                tag += 1
                let v = make(&rng, tag)
                let fresh = map.set(Bytes(k), v)
                XCTAssertEqual(fresh, reps[w].model.updateValue(v, forKey: k) == nil)
            case 55..<88:
                let got = k.withRaw { map.remove($0) }
                let want = reps[w].model.removeValue(forKey: k)
                XCTAssertEqual(got == nil, want == nil)
                if let got, let want { XCTAssertTrue(eq(got, want)) }
            case 88..<93:
                tag += 1
                let v = make(&rng, tag)
                let had = k.withRaw { map.update($0) { (x: inout V) -> Int in x = v; return 7 } }
                if reps[w].model[k] != nil { reps[w].model[k] = v; XCTAssertEqual(had, 7) } else { XCTAssertNil(had) }
            default:
                XCTAssertEqual(k.withRaw { map.contains($0) }, reps[w].model[k] != nil)
                XCTAssertEqual(map.contains(Bytes(k)), reps[w].model[k] != nil)
            }
            XCTAssertEqual(map.count, reps[w].model.count)
            maxDepth = max(maxDepth, map.shape.depth)
            if step % 997 == 0 { for rep in reps { compare(rep, eq) } }
        }
        for rep in reps { compare(rep, eq) }
        XCTAssertGreaterThan(maxDepth, maxCapacity <= 8 ? 6 : 2, "the model run never grew the directory")
        for rep in reps { rep.map.removeAll(); compare(Replica(map: rep.map, model: [:]), eq) }
    }

    func testModelVoidPayloadSmallSegments() {
        for seed in [1, 2] as [UInt64] { runModel(seed: seed, maxCapacity: 4, ops: 30_000, { _, _ in () }, { _, _ in true }) }
    }

    func testModelDoublePayload() {
        runModel(seed: 3, maxCapacity: 64, ops: 30_000, { rng, t in Double(t) * (Bool.random(using: &rng) ? 1.5 : -0.25) }, { $0 == $1 })
    }

    func testModelBytesPayloadFullSizeSegments() {
        runModel(seed: 4, maxCapacity: 256, ops: 40_000, universeMax: 16384, { rng, t in
            Bytes([UInt8](repeating: UInt8(t & 0x7f), count: Int.random(in: 0...40, using: &rng)) + [UInt8(t >> 8 & 0xff)])
        }, { $0 == $1 })
    }

    /// Objects are released exactly once across moves (splits, merges), clones and removeAll.
    func testModelCountedPayloadNeitherLeaksNorOverReleases() {
        let counter = LiveCounter()
        runModel(seed: 5, maxCapacity: 8, ops: 20_000, { _, t in TrackedPayload(counter, t) }, { $0.id == $1.id })
        XCTAssertEqual(counter.live, 0)
    }

    func testCopyIsIndependentBothWays() {
        let a = BytesMap<Double>(seed: 9, maxCapacity: 8)
        for i in 0..<500 { a.set(Bytes("k\(i)"), Double(i)) }
        let b = a.copy()
        for i in 0..<500 where i % 2 == 0 { a.remove(Bytes("k\(i)")) }
        for i in 500..<900 { a.set(Bytes("k\(i)"), -1) }
        for i in 0..<500 where i % 3 == 0 { _ = b.update(Array("k\(i)".utf8).withUnsafeBytes { $0 }) { $0 += 0.5 } }
        a.checkInvariants(); b.checkInvariants()
        XCTAssertEqual(a.count, 650)
        XCTAssertEqual(b.count, 500)
        for i in 0..<500 {
            XCTAssertEqual(b.get(Bytes("k\(i)")), Double(i) + (i % 3 == 0 ? 0.5 : 0))
            XCTAssertEqual(a.get(Bytes("k\(i)")), i % 2 == 0 ? nil : Double(i))
        }
        a.removeAll()
        XCTAssertEqual(b.count, 500)
        b.checkInvariants()
    }

    func childNodes<V>(_ m: BytesMap<V>) -> Int {
        var n = 0
        for i in 0..<m.root.size where MapNode<V>.isNode(m.root.entries[i]) { n += 1 }
        return n
    }

    /// Growth past one full node hangs child nodes under it; shrinking folds them back; a copy
    /// taken in between is unaffected and first writes clone only the nodes on their path.
    func testTrieGrowsAndFoldsChildNodes() {
        let m = BytesMap<Double>(seed: 21, maxCapacity: 16)
        for i in 0..<30000 { m.set(Bytes("t\(i)"), Double(i)) }
        m.checkInvariants()
        XCTAssertEqual(m.root.depth, MapNode<Double>.maxDepth)
        XCTAssertGreaterThan(childNodes(m), 100)
        let snap = m.copy()
        m.set(Bytes("extra"), -1)
        // The root was cloned; all but the written path's child node are still shared.
        XCTAssertFalse(m.root === snap.root)
        var shared = 0
        for i in 0..<m.root.size where m.root.entries[i] == snap.root.entries[i] { shared += 1 }
        XCTAssertGreaterThanOrEqual(shared, m.root.size - 1)
        for i in 0..<30000 where i % 1000 != 0 { m.remove(Bytes("t\(i)")) }
        m.checkInvariants(); snap.checkInvariants()
        XCTAssertEqual(childNodes(m), 0)
        XCTAssertLessThan(m.root.depth, MapNode<Double>.maxDepth)
        XCTAssertEqual(m.count, 31)
        XCTAssertEqual(snap.count, 30000)
        for i in 0..<30000 { XCTAssertEqual(snap.get(Bytes("t\(i)")), Double(i)) }
    }

    func testEmptyMap() {
        let m = BytesMap<Void>()
        XCTAssertTrue(m.isEmpty)
        XCTAssertEqual(m.scan(0) { _, _ in XCTFail() }, 0)
        XCTAssertNil(m.randomElement())
        XCTAssertNil(m.remove(Bytes("x")))
        XCTAssertNil(m.update(Array("x".utf8).withUnsafeBytes { $0 }) { _ in 1 })
        m.set(Bytes(""), ())
        XCTAssertTrue(m.contains(Bytes("")))
        XCTAssertNotNil(m.randomElement())
        m.checkInvariants()
    }
}
