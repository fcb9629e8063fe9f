// ListValue against a trivially correct model (an Array of byte arrays): random operations
// with small chunks so every step crosses chunk boundaries, the invariant checker and a full
// comparison (forwards and backwards) after each step, and a copy that must not change.
import XCTest
@testable import Engine

final class ListTypeModelTests: XCTestCase {
    /// A small universe (so LREM/LPOS-style matches happen) of assorted encodings.
    func element(_ rng: inout SplitMix) -> [UInt8] {
        let n = Int.random(in: 0..<40, using: &rng)
        switch n % 8 {
        case 0: return Array(String(n).utf8)                               // 7-bit int
        case 1: return Array(String(-5000 - n).utf8)                       // 16-bit int
        case 2: return Array(String(Int64(n) << 40).utf8)                  // 64-bit int
        case 3: return [UInt8](repeating: UInt8(65 + n % 26), count: 60 + n % 8)   // 6/12-bit string edge
        case 4: return n == 4 ? [] : Array("s\(n)".utf8)
        case 5: return [0, UInt8(n), 255]
        case 6: return n == 6 ? [UInt8](repeating: 122, count: 5000) : Array("0\(n)".utf8)   // big / int-like string
        default: return Array("element-\(n)".utf8)
        }
    }

    func verify(_ l: ListValue, _ model: [[UInt8]], _ step: Int, _ what: String) {
        l.check()
        XCTAssertEqual(l.count, model.count, "step \(step) \(what)")
        guard !model.isEmpty else { return }
        var i = 0
        var same = true
        l.forEach(from: 0) { e in
            same = i < model.count && Self.equal(e, model[i])
            i += 1
            return same
        }
        XCTAssertTrue(same && i == model.count, "step \(step) \(what): contents differ at \(i - 1)")
        i = model.count - 1
        l.forEach(from: model.count - 1, reverse: true) { e in
            same = i >= 0 && Self.equal(e, model[i])
            i -= 1
            return same
        }
        XCTAssertTrue(same && i == -1, "step \(step) \(what): backwards differ at \(i + 1)")
    }

    /// Compares without copying (the model check runs after every step).
    static func equal(_ e: ListElement, _ m: [UInt8]) -> Bool {
        switch e {
        case .int: return e.owned.array == m
        case .bytes(let b): return m.withUnsafeBytes { bytesEqual(b, $0) }
        }
    }

    func run(fill: Int, seed: UInt64, steps: Int) {
        var rng = SplitMix(seed)
        let l = ListValue(fill: fill)
        var model: [[UInt8]] = []
        var snapshot: (ListValue, [[UInt8]])? = nil
        for step in 0..<steps {
            let op = Int.random(in: 0..<100, using: &rng)
            var what = ""
            switch op {
            case 0..<25:
                let e = element(&rng)
                let head = Bool.random(using: &rng)
                what = "push \(head ? "head" : "tail")"
                withRaw(e) { l.push($0, atHead: head) }
                if head { model.insert(e, at: 0) } else { model.append(e) }
            case 25..<40:
                let head = Bool.random(using: &rng)
                what = "pop"
                var got: [UInt8]? = nil
                let ok = l.pop(atHead: head) { got = $0.owned.array }
                XCTAssertEqual(ok, !model.isEmpty)
                if !model.isEmpty { XCTAssertEqual(got, head ? model.removeFirst() : model.removeLast(), "step \(step)") }
            case 40..<52:
                let e = element(&rng)
                let i = Int.random(in: 0...model.count, using: &rng)
                what = "insert at \(i)"
                withRaw(e) { l.insert($0, at: i) }
                model.insert(e, at: i)
            case 52..<62:
                guard !model.isEmpty else { continue }
                let e = element(&rng)
                let i = Int.random(in: 0..<model.count, using: &rng)
                what = "replace \(i)"
                withRaw(e) { l.replace(at: i, with: $0) }
                model[i] = e
            case 62..<70:
                guard !model.isEmpty else { continue }
                let i = Int.random(in: 0..<model.count, using: &rng)
                what = "index \(i)"
                XCTAssertEqual(l.withElement(at: i) { $0.owned.array }, model[i], "step \(step)")
                var got: [[UInt8]] = []
                let take = Int.random(in: 1...20, using: &rng)
                l.forEach(from: i) { got.append($0.owned.array); return got.count < take }
                XCTAssertEqual(got, Array(model[i..<min(model.count, i + take)]), "step \(step) range")
            case 70..<76:
                let n = Int.random(in: 0...max(1, model.count / 3), using: &rng)
                what = "trim \(n)"
                if Bool.random(using: &rng) { l.removeFirst(n); model.removeFirst(min(n, model.count)) } else {
                    l.removeLast(n); model.removeLast(min(n, model.count))
                }
            case 76..<84:
                let e = element(&rng)
                let limit = Int.random(in: 0...3, using: &rng)
                let fromTail = Bool.random(using: &rng)
                what = "remove \(limit) fromTail \(fromTail)"
                let n = withRaw(e) { l.removeAll(matching: ListNeedle($0), limit: limit, fromTail: fromTail) }
                var removed = 0
                var idx = fromTail ? Array(model.indices.reversed()) : Array(model.indices)
                idx = idx.filter { model[$0] == e }
                if limit > 0 { idx = Array(idx.prefix(limit)) }
                for i in idx.sorted(by: >) { model.remove(at: i); removed += 1 }
                XCTAssertEqual(n, removed, "step \(step)")
            case 84..<90:
                let e = element(&rng)
                what = "firstIndex"
                XCTAssertEqual(withRaw(e) { l.firstIndex(of: ListNeedle($0)) }, model.firstIndex(of: e), "step \(step)")
            case 90..<93:
                what = "snapshot"
                snapshot = (l.copy() as! ListValue, model)
            default:
                what = "grow"
                let head = Bool.random(using: &rng)
                for _ in 0..<Int.random(in: 10...60, using: &rng) {
                    let e = element(&rng)
                    withRaw(e) { l.push($0, atHead: head) }
                    if head { model.insert(e, at: 0) } else { model.append(e) }
                }
            }
            verify(l, model, step, what)
            if let snap = snapshot, step % 50 == 0 { verify(snap.0, snap.1, step, "snapshot") }
            if model.count > 1200 { l.removeFirst(800); model.removeFirst(800) }
        }
    }

    func testSmallCountChunks() { run(fill: 3, seed: 1, steps: 1500) }
    func testOneEntryChunks() { run(fill: 1, seed: 2, steps: 1500) }
    func testZeroFillMeansOne() { run(fill: 0, seed: 3, steps: 800) }
    func testFourKBChunks() { run(fill: -1, seed: 4, steps: 1500) }
    func testDefaultChunks() { run(fill: -2, seed: 5, steps: 1500) }
    func testManySeeds() {
        for seed: UInt64 in 10..<16 { run(fill: Int(seed % 5) + 2, seed: seed, steps: 600) }
    }
}
