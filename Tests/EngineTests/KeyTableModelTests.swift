// KeyTable/Database against a trivially correct model (a Dictionary), with random operations
// over many growth and shrink cycles; full comparison and invariant checks along the way.
import XCTest
@testable import Engine

final class KeyTableModelTests: XCTestCase {
    struct ModelEntry { var value: String; var expireAt: Int64; var lru: UInt32 }

    func testEntryFitsOneCacheLine() {
        XCTAssertLessThanOrEqual(MemoryLayout<KeyEntry>.stride, 64)
        XCTAssertEqual(MemoryLayout<Bytes>.size, 24)
        XCTAssertEqual(MemoryLayout<Value>.size, 24)
    }

    func randomKey(_ rng: inout SplitMix, universe: Int) -> [UInt8] {
        testKey("k", Int.random(in: 0..<universe, using: &rng))
    }

    func randomValue(_ rng: inout SplitMix, _ counter: LiveCounter, _ tag: inout Int) -> (Value, String) {
        tag += 1
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: let v = Value.string(Array("\(tag)".utf8).withUnsafeBytes { $0 }); return (Array("\(tag)".utf8).withRaw { Value.string($0) }, describe(v))
        case 1: let b = [UInt8](repeating: UInt8(tag & 0x7f), count: Int.random(in: 0...60, using: &rng)); let v = b.withRaw { Value.string($0) }; return (v, describe(v))
        case 2: return (.object(CountedObject(counter, tag)), "obj:\(tag)")
        default: let v = Value.int(Int64(tag)); return (v, describe(v))
        }
    }

    func compare(_ db: Database, _ model: [[UInt8]: ModelEntry], _ counter: LiveCounter, file: StaticString = #filePath, line: UInt = #line) {
        db.table.checkInvariants()
        XCTAssertEqual(db.count, model.count, file: file, line: line)
        XCTAssertEqual(db.volatileCount, model.values.filter { $0.expireAt != 0 }.count, file: file, line: line)
        var seen = 0
        db.forEach { k, v, at in
            seen += 1
            guard let m = model[k.array] else { return XCTFail("extra key \(k.array)", file: file, line: line) }
            XCTAssertEqual(describe(v), m.value, file: file, line: line)
            XCTAssertEqual(at ?? 0, m.expireAt, file: file, line: line)
        }
        XCTAssertEqual(seen, model.count, file: file, line: line)
        for (k, m) in model {
            XCTAssertEqual(db.find(k).map(describe), m.value, file: file, line: line)
            XCTAssertEqual(db.expireTime(k) ?? 0, m.expireAt, file: file, line: line)
            XCTAssertEqual(k.withRaw { db.accessClock($0) }, m.lru, file: file, line: line)
        }
        XCTAssertEqual(counter.live, model.values.filter { $0.value.hasPrefix("obj:") }.count, "leaked or over-released objects", file: file, line: line)
    }

    func testRandomOperationsAgainstDictionary() {
        for seed in [1, 2, 3] as [UInt64] { runModel(seed: seed, ops: 40_000) }
    }

    func runModel(seed: UInt64, ops: Int) {
        var rng = SplitMix(seed)
        let counter = LiveCounter()
        var tag = 0
        let db = Database(index: 0, seed: seed)
        if seed == 2 { db.enableSlotIndex() }
        var model: [[UInt8]: ModelEntry] = [:]
        var universe = 16
        var growing = true
        var maxSize = 0, shrinks = 0, lastSize = 0
        for step in 0..<ops {
            // Cycle the key universe between 16 and 4096 keys: growth then shrink, repeatedly.
            if step % 500 == 0 {
                if growing { universe *= 2; if universe >= 4096 { growing = false } } else { universe /= 2; if universe <= 16 { growing = true } }
            }
            let k = randomKey(&rng, universe: universe)
            let r = Int.random(in: 0..<100, using: &rng)
            // Bias: inserts while growing, deletes while shrinking.
            let insertBias = growing ? 45 : 20
            switch r {
            case 0..<insertBias:
                let (v, d) = randomValue(&rng, counter, &tag)
                let keep = Bool.random(using: &rng)
                let isNew = db.set(k, v, keepTTL: keep)
                XCTAssertEqual(isNew, model[k] == nil)
                let old = model[k]
                model[k] = ModelEntry(value: d, expireAt: keep ? (old?.expireAt ?? 0) : 0, lru: old?.lru ?? 0)
            case insertBias..<(insertBias + 8):
                let (v, d) = randomValue(&rng, counter, &tag)
                let added = k.withRaw { db.add($0, v) }
                XCTAssertEqual(added, model[k] == nil)
                if added { model[k] = ModelEntry(value: d, expireAt: 0, lru: 0) }
            case (insertBias + 8)..<(insertBias + 40):
                let got = db.remove(k)
                XCTAssertEqual(got.map(describe), model.removeValue(forKey: k)?.value)
            case (insertBias + 40)..<(insertBias + 45):
                // update in place: replace with a new int
                tag += 1
                let t = tag
                let r = k.withRaw { db.update($0) { v -> Int in v = .int(Int64(t)); return t } }
                XCTAssertEqual(r != nil, model[k] != nil)
                if r != nil { model[k]!.value = describe(.int(Int64(t))) }
            case (insertBias + 45)..<(insertBias + 52):
                let at = Int64.random(in: 1...1_000_000_000_000, using: &rng)
                k.withRaw { db.setExpire($0, at: at) }
                if model[k] != nil { model[k]!.expireAt = at }
            case (insertBias + 52)..<(insertBias + 55):
                let had = k.withRaw { db.persist($0) }
                XCTAssertEqual(had, (model[k]?.expireAt ?? 0) != 0)
                if model[k] != nil { model[k]!.expireAt = 0 }
            default:
                // Handle-based paths.
                let clock = UInt32.random(in: 1...1000, using: &rng)
                if let s = k.withRaw({ db.findSlot($0) }) {
                    XCTAssertNotNil(model[k])
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: db.touch(at: s, clock: clock); model[k]!.lru = clock
                    case 1: XCTAssertEqual(describe(db.remove(at: s)), model.removeValue(forKey: k)?.value)
                    default: k.withRaw { db.touch($0, clock: clock) }; model[k]!.lru = clock
                    }
                } else {
                    XCTAssertNil(model[k])
                    let (v, d) = randomValue(&rng, counter, &tag)
                    let (s, ins) = k.withRaw { db.findOrAdd($0) { v } }
                    XCTAssertTrue(ins)
                    XCTAssertEqual(describe(db.value(at: s)), d)
                    model[k] = ModelEntry(value: d, expireAt: 0, lru: 0)
                }
            }
            if step % 9_973 == 9_972 {
                if Bool.random(using: &rng) { db.removeAll() } else { db.detachAll().release() }
                model.removeAll()
            }
            if db.table.t0.size < lastSize { shrinks += 1 }
            lastSize = db.table.t0.size
            maxSize = max(maxSize, db.table.t0.size)
            if step % 1_000 == 0 { compare(db, model, counter) }
            XCTAssertEqual(db.count, model.count)
        }
        compare(db, model, counter)
        XCTAssertGreaterThanOrEqual(maxSize, 2048, "never grew")
        XCTAssertGreaterThanOrEqual(shrinks, 4, "never shrank")
        db.removeAll()
        XCTAssertEqual(counter.live, 0)
    }

    /// Tables of >= 64k buckets are mmap'ed and released piecewise while a rehash drains them.
    func testLargeTablesGrowAndShrink() {
        let db = Database(index: 0, seed: 21)
        let n = 200_000
        for i in 0..<n { _ = db.set(key("big\(i)"), .int(Int64(i))) }
        XCTAssertTrue(db.table.isRehashing)
        XCTAssertTrue(db.table.t1.isMapped)
        XCTAssertGreaterThan(db.table.t0.releasedUpTo, 0, "moved buckets were not released \(db.table.rehashIdx) \(db.table.t0.size) \(db.table.t1.size)")
        db.table.checkInvariants()   // reads released (zero) buckets
        for i in stride(from: 0, to: n, by: 7) { XCTAssertEqual(db.find(key("big\(i)")).map(describe), describe(.int(Int64(i)))) }
        db.table.checkInvariants()
        while db.rehashStep() {}
        XCTAssertEqual(db.table.t0.size, 262_144)
        for i in 0..<(n - 20_000) { _ = db.remove(key("big\(i)")) }
        XCTAssertTrue(db.table.isRehashing, "expected a shrink in progress")
        for i in stride(from: n - 20_000, to: n, by: 3) { XCTAssertNotNil(db.find(key("big\(i)"))) }
        db.table.checkInvariants()
        while db.rehashStep() {}
        XCTAssertEqual(db.table.t0.size, 32_768)
        XCTAssertEqual(db.count, 20_000)
        db.table.checkInvariants()
    }

    func testDetachedContentsLiveUntilReleased() {
        let counter = LiveCounter()
        let db = Database(index: 0, seed: 7)
        for i in 0..<3000 { _ = db.set(key("o\(i)"), .object(CountedObject(counter, i))) }
        let shared = db.find(key("o1"))   // the engine still holds one value
        let box = db.detachAll()
        XCTAssertEqual(db.count, 0)
        XCTAssertNil(db.find(key("o2")))
        XCTAssertEqual(box.count, 3000)
        XCTAssertEqual(counter.live, 3000)
        let t = Thread { box.release() }   // freed on another thread, as FLUSHALL ASYNC does
        t.start()
        while counter.live != 1 { usleep(1000) }
        XCTAssertEqual(describe(shared!), "obj:1")
        _ = db.set(key("again"), .int(1))
        XCTAssertEqual(db.count, 1)
        db.table.checkInvariants()
    }

    func testUpdateDoesNotCopyHeapString() {
        let db = Database(index: 0)
        let long = [UInt8](repeating: 0x78, count: 100)
        _ = db.set(key("s"), long.withRaw { Value.string($0) })
        let unique = key("s").withRaw { raw in
            db.update(raw) { v -> Bool in
                guard case .raw(var h) = v else { return false }
                v = .int(0)   // drop the enum's reference so only `h` holds the buffer
                let u = isKnownUniquelyReferenced(&h)
                v = .raw(h)
                return u
            }
        }
        XCTAssertEqual(unique, true)
        let s = key("s").withRaw { db.findSlot($0) }!
        let unique2 = db.updateValue(at: s) { v -> Bool in
            guard case .raw(var h) = v else { return false }
            v = .int(0)
            let u = isKnownUniquelyReferenced(&h)
            v = .raw(h)
            return u
        }
        XCTAssertTrue(unique2)
    }
}

import Foundation
