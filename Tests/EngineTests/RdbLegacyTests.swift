// Encodings Redis 7.0 reads but no longer writes (ziplist lists/hashes/zsets, quicklist of
// ziplists, zipmap hashes): hand-built blobs load with the right contents, and byte flips in
// them are errors, never crashes.
@testable import Engine
import XCTest

final class RdbLegacyTests: XCTestCase {
    /// A ziplist (ziplist.c) of short strings and int8 / 4-bit immediate integers.
    func ziplist(_ items: [String]) -> [UInt8] {
        var entries: [UInt8] = []
        var prev = 0, lastOffset = 10
        for s in items {
            var e: [UInt8] = [UInt8(prev)]
            if let v = Int(s), v >= 0, v <= 12 {
                e.append(0xF1 + UInt8(v))
            } else if let v = Int(s), v >= -128, v <= 127 {
                e += [0xFE, UInt8(bitPattern: Int8(v))]
            } else {
                e += [UInt8(s.utf8.count)] + Array(s.utf8)
            }
            lastOffset = 10 + entries.count
            entries += e
            prev = e.count
        }
        let total = 10 + entries.count + 1
        func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        return le(total, 4) + le(lastOffset, 4) + le(items.count, 2) + entries + [0xFF]
    }

    func zipmap(_ pairs: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = [UInt8(pairs.count)]
        for (k, v) in pairs {
            out += [UInt8(k.utf8.count)] + Array(k.utf8) + [UInt8(v.utf8.count), 0] + Array(v.utf8)
        }
        return out + [0xFF]
    }

    /// type byte + one RDB string holding `blob` (or a quicklist of one node).
    func body(_ type: UInt8, _ blob: [UInt8], quicklist: Bool = false) -> [UInt8] {
        precondition(blob.count < 64)
        return [type] + (quicklist ? [1] : []) + [UInt8(blob.count)] + blob
    }

    func load(_ b: [UInt8]) throws -> Value? {
        try b.withUnsafeBytes { try RdbLoader.object($0, limits: EncodingLimits()) }
    }

    func listItems(_ v: Value?) -> [String] {
        guard case .object(let o)? = v, let l = o as? ListValue else { return [] }
        var out: [String] = []
        l.forEach(from: 0) { out.append($0.owned.string); return true }
        return out
    }

    func testLegacyEncodingsLoad() throws {
        let items = ["a", "bb", "7", "-100", "120", "hello"]
        XCTAssertEqual(listItems(try load(body(Rdb.typeListZiplist, ziplist(items)))), items)
        XCTAssertEqual(listItems(try load(body(Rdb.typeListQuicklist, ziplist(items), quicklist: true))), items)

        guard case .object(let h)? = try load(body(Rdb.typeHashZiplist, ziplist(["f", "v", "n", "5"]))),
              let hash = h as? HashValue else { return XCTFail("hash ziplist") }
        XCTAssertEqual(hash.pairs().map { "\($0.0)=\($0.1)" }, ["f=v", "n=5"])

        guard case .object(let z)? = try load(body(Rdb.typeZsetZiplist, ziplist(["a", "1", "b", "2.5"]))),
              let zset = z as? ZsetValue else { return XCTFail("zset ziplist") }
        XCTAssertEqual(zset.score(UnsafeRawBufferPointer(start: [UInt8(98)], count: 1)), 2.5)

        guard case .object(let m)? = try load(body(Rdb.typeHashZipmap, zipmap([("k", "v"), ("x", "yz")]))),
              let zm = m as? HashValue else { return XCTFail("zipmap") }
        XCTAssertEqual(zm.count, 2)

        // Odd pair counts and duplicates are errors.
        XCTAssertThrowsError(try load(body(Rdb.typeHashZiplist, ziplist(["f", "v", "g"]))))
        XCTAssertThrowsError(try load(body(Rdb.typeHashZiplist, ziplist(["f", "v", "f", "w"]))))
        XCTAssertThrowsError(try load(body(Rdb.typeZsetZiplist, ziplist(["a", "x"]))))
    }

    func testLegacyBlobFuzz() {
        var rng = SplitMix(3)
        let blobs = [body(Rdb.typeListZiplist, ziplist(["a", "bb", "7", "-100", "hello"])),
                     body(Rdb.typeHashZiplist, ziplist(["f", "v", "n", "5"])),
                     body(Rdb.typeHashZipmap, zipmap([("k", "v"), ("x", "yz")])),
                     body(Rdb.typeListQuicklist, ziplist(["q", "1"]), quicklist: true)]
        for b in blobs {
            for _ in 0..<2000 {
                var x = b
                x[Int.random(in: 1..<x.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                if Bool.random(using: &rng) { x.removeLast(Int.random(in: 0..<(x.count - 1), using: &rng)) }
                _ = try? load(x)
            }
        }
    }
}
