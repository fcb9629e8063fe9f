// Cluster hash slots (CRC16 vectors, hash tags), per-slot counts and lists, hashing vectors,
// and binary keys.
import XCTest
@testable import Engine

final class KeyTableSlotTests: XCTestCase {
    func slot(_ s: String) -> Int { key(s).withRaw { keyHashSlot($0) } }

    func testCRC16AndKeyHashSlot() {
        XCTAssertEqual(key("123456789").withRaw { crc16($0) }, 0x31C3)
        XCTAssertEqual(slot("foo"), 12182)
        XCTAssertEqual(slot("{user1000}.following"), slot("user1000"))
        XCTAssertEqual(slot("{user1000}.followers"), slot("user1000"))
        XCTAssertEqual(slot("foo{}{bar}"), Int(key("foo{}{bar}").withRaw { crc16($0) } & 0x3FFF))  // empty tag: whole key
        XCTAssertEqual(slot("foo{{bar}}zap"), slot("{bar"))
        XCTAssertEqual(slot("foo{bar}{zap}"), slot("bar"))
        XCTAssertEqual(slot("{"), Int(key("{").withRaw { crc16($0) } & 0x3FFF))
        XCTAssertEqual(slot("abc{"), Int(key("abc{").withRaw { crc16($0) } & 0x3FFF))
        XCTAssertEqual(slot(""), 0)
        // Values checked against redis-server 7.0.15 (CLUSTER KEYSLOT).
        XCTAssertEqual(slot("key:000000000001"), 8924)
        XCTAssertEqual(slot("hello"), 866)
        XCTAssertEqual(slot("{user1000}.following"), 3443)
        XCTAssertEqual(slot("foo{{bar}}zap"), 4015)
        XCTAssertEqual(slot("foo{}{bar}"), 8363)
    }

    func testWyhashVectors() {
        // wyhash final 4.2 test_vector (message, seed = index).
        let vectors: [(String, UInt64)] = [
            ("", 0x93228a4de0eec5a2), ("a", 0xc5bac3db178713c4), ("abc", 0xa97f2f7b1d9b3314),
            ("message digest", 0x786d1f1df3801df4), ("abcdefghijklmnopqrstuvwxyz", 0xdca5a8138ad37c87),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 0xb9e734f117cfaf70),
        ]
        for (i, (m, h)) in vectors.enumerated() {
            XCTAssertEqual(key(m).withRaw { KeyHasher(seed: UInt64(i)).hash($0) }, h, m)
        }
    }

    func testSlotCountsAndListsAgainstModel() {
        for enableFirst in [true, false] {
            var rng = SplitMix(enableFirst ? 1 : 2)
            let db = Database(index: 0, seed: 4)
            if enableFirst { db.enableSlotIndex() }
            var model: [Int: Set<[UInt8]>] = [:]
            for step in 0..<20_000 {
                let n = Int.random(in: 0..<3000, using: &rng)
                // Hash tags put many keys in few slots.
                let k = n % 3 == 0 ? key("{tag\(n % 17)}:\(n)") : key("key\(n)")
                let s = slot(String(decoding: k, as: UTF8.self))
                if Bool.random(using: &rng) { _ = db.set(k, .int(0)); model[s, default: []].insert(k) }
                else { _ = db.remove(k); model[s]?.remove(k) }
                if !enableFirst && step == 10_000 { db.enableSlotIndex() }
            }
            for s in 0..<clusterSlots {
                let want = model[s] ?? []
                XCTAssertEqual(db.countKeys(inSlot: s), want.count)
                if want.isEmpty { continue }
                XCTAssertEqual(Set(db.keys(inSlot: s, max: 100_000).map(\.array)), want)
                XCTAssertEqual(db.keys(inSlot: s, max: 1).count, 1)
            }
            db.table.checkInvariants()
            db.removeAll()
            XCTAssertTrue(db.slotIndexEnabled)
            XCTAssertEqual(db.countKeys(inSlot: slot("key1")), 0)
            _ = db.set(key("key1"), .int(0))
            XCTAssertEqual(db.keys(inSlot: slot("key1"), max: 10).map(\.string), ["key1"])
        }
    }

    func testBinaryKeys() {
        let db = Database(index: 0, seed: 8)
        var keys: [[UInt8]] = [[], [0], [0, 0], [0, 1, 0]]
        for n in [1, 21, 22, 23, 24, 1000] {
            keys.append([UInt8](repeating: 0, count: n))
            keys.append((0..<n).map { UInt8(truncatingIfNeeded: $0 * 7) })
            keys.append((0..<n).map { UInt8(truncatingIfNeeded: $0 * 7) } + [0])
        }
        keys = Array(Set(keys))   // short runs of zeros coincide
        XCTAssertGreaterThanOrEqual(keys.count, 18)
        for (i, k) in keys.enumerated() { XCTAssertTrue(db.set(k, .int(Int64(i)))) }
        for (i, k) in keys.enumerated() {
            XCTAssertEqual(db.find(k).map(describe), describe(.int(Int64(i))))
            XCTAssertFalse(db.set(k, .int(Int64(i))))
        }
        XCTAssertNil(db.find([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
        var scanned = Set<[UInt8]>()
        var c: UInt64 = 0
        repeat { c = db.scan(c) { k, _ in scanned.insert(k.array) } } while c != 0
        XCTAssertEqual(scanned, Set(keys))
        for k in keys { XCTAssertNotNil(db.remove(k)) }
        XCTAssertEqual(db.count, 0)
        db.table.checkInvariants()
    }
}
