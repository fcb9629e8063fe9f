// Bloom filters (BloomFilter.swift): sizing and hashing against numbers from RedisBloom's own
// test suite (tests/flow/test_overall.py: test_debug, test_expansion, test_issue178,
// test_nonscaling_err), no false negatives against a model set, measured false-positive rates
// on 1M items, scaling, NONSCALING, and the chunked copy-on-write layout.
// Command replies (RESP2/RESP3, errors) are in BloomCommandsTests.swift.
import XCTest
@testable import Engine

final class BloomTests: XCTestCase {
    /// Runs `body` with the 8 bytes of `i` (a cheap, distinct item per integer).
    @inline(__always) func withItem<R>(_ i: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var v = i.littleEndian
        return withUnsafeBytes(of: &v, body)
    }

    func add(_ bf: BloomFilter, _ s: String) -> BloomFilter.AddResult {
        var s = s
        return s.withUTF8 { bf.add(UnsafeRawBufferPointer($0)) }
    }

    func layerShape(_ bf: BloomFilter) -> [[UInt64]] {
        bf.layers.map { [$0.bytes, $0.hashes, $0.capacity, $0.size] }
    }

    // MARK: sizing and hashing compatible with RedisBloom

    func testSizingAndHashingReproduceRedisBloomDebugOutput() {
        // test_debug: BF.RESERVE bf 0.01 10, BF.ADD bf 0..99 -> BF.DEBUG
        //   size:99, bytes:16 hashes:8 capacity:10 size:10, 32/9/20/20, 72/10/40/40, 160/11/80/29
        // The item count (99: one false positive) and the fill of the last layer depend on the
        // exact hash, probe formula and bit layout, so they check MurmurHash64A double hashing.
        let bf = BloomFilter.make(capacity: 10, error: 0.01, expansion: 2, scaling: true)!
        for i in 0..<100 { _ = add(bf, String(i)) }
        XCTAssertEqual(bf.size, 99)
        XCTAssertEqual(layerShape(bf), [[16, 8, 10, 10], [32, 9, 20, 20], [72, 10, 40, 40], [160, 11, 80, 29]])
        XCTAssertEqual(bf.layers.map(\.error), [0.005, 0.0025, 0.00125, 0.000625])
        bf.checkInvariants()

        // BF.RESERVE bf 0.001 100, BF.ADD bf 0..3999 -> size:3997 over six layers.
        let b2 = BloomFilter.make(capacity: 100, error: 0.001, expansion: 2, scaling: true)!
        for i in 0..<4000 { _ = add(b2, String(i)) }
        XCTAssertEqual(b2.size, 3997)
        XCTAssertEqual(layerShape(b2), [[200, 11, 100, 100], [432, 12, 200, 200], [936, 13, 400, 400],
                                        [2016, 14, 800, 800], [4320, 15, 1600, 1600], [9216, 16, 3200, 897]])
        b2.checkInvariants()
    }

    func testExpansionFactorsReproduceRedisBloomFilterCounts() {
        // test_expansion: capacity 4, error 0.01, 100 items -> 23 / 5 / 4 sub-filters.
        for (expansion, filters) in [(UInt32(1), 23), (2, 5), (4, 4)] {
            let bf = BloomFilter.make(capacity: 4, error: 0.01, expansion: expansion, scaling: true)!
            for i in 0..<100 { _ = add(bf, String(i)) }
            XCTAssertEqual(bf.filterCount, filters, "expansion \(expansion)")
            for i in 0..<100 { XCTAssertTrue(String(i).withCString { bf.contains(UnsafeRawBufferPointer(start: $0, count: strlen($0))) }) }
            bf.checkInvariants()
        }
    }

    func testMemoryUsageMatchesRedisBloomInfoSize() {
        // BF.INFO Size in RedisBloom's tests: 240 (default filter), 296 (0.001/100),
        // 104 (0.01/3 NONSCALING), 1132420232 (300M at 1e-6: test_issue178).
        XCTAssertEqual(BloomFilter.make(capacity: 100, error: 0.01, expansion: 2, scaling: true)!.memoryUsage, 240)
        XCTAssertEqual(BloomFilter.make(capacity: 100, error: 0.001, expansion: 2, scaling: true)!.memoryUsage, 296)
        XCTAssertEqual(BloomFilter.make(capacity: 3, error: 0.01, expansion: 2, scaling: false)!.memoryUsage, 104)
        let big = BloomFilter.make(capacity: 300_000_000, error: 0.000001, expansion: 2, scaling: true)!
        XCTAssertEqual(big.memoryUsage, 1_132_420_232)
        XCTAssertEqual(big.capacity, 300_000_000)
        // Chunks are allocated on first write: an empty 1 GB filter holds only its chunk table.
        XCTAssertEqual(big.layers[0].bits.allocatedChunks, 0)
        XCTAssertEqual(add(big, "x"), .added)
        XCTAssertLessThanOrEqual(big.layers[0].bits.allocatedChunks, Int(big.layers[0].hashes))
        // Beyond the per-layer limit creation fails (BF.RESERVE replies "insufficient memory").
        XCTAssertNil(BloomFilter.make(capacity: 1 << 62, error: 0.01, expansion: 2, scaling: true))
    }

    func testBitNumberingIsRedisBloomByteLayout() {
        // Bit x is bit x%8 of byte x/8 in RedisBloom's `bf` buffer.
        let bf = BloomFilter.make(capacity: 1000, error: 0.01, expansion: 2, scaling: false)!
        XCTAssertEqual(add(bf, "hello"), .added)
        let layer = bf.layers[0]
        var expected = [UInt8](repeating: 0, count: Int(layer.bytes))
        let h = "hello".withCString { BloomHash(UnsafeRawBufferPointer(start: $0, count: 5)) }
        for i in 0..<layer.hashes {
            let x = Int((h.a &+ i &* h.b) % layer.bits.bits)
            expected[x / 8] |= 1 << (x % 8)
        }
        XCTAssertEqual(layer.bits.bytes(), expected)
    }

    // MARK: correctness against a model

    func testNoFalseNegativesAgainstModel() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let cap = UInt64.random(in: 1...300, using: &rng)
            let exp = UInt32.random(in: 1...4, using: &rng)
            let err = [0.1, 0.01, 0.001].randomElement(using: &rng)!
            let bf = BloomFilter.make(capacity: cap, error: err, expansion: exp, scaling: true)!
            var model = Set<UInt64>()
            var added: UInt64 = 0
            for _ in 0..<3000 {
                let item = UInt64.random(in: 0..<5000, using: &rng)
                let r = withItem(item) { bf.add($0) }
                if model.contains(item) { XCTAssertEqual(r, .exists, "a present item must never read as new") }
                if r == .added { added += 1 }
                model.insert(item)
            }
            XCTAssertEqual(bf.size, added)
            XCTAssertLessThanOrEqual(bf.size, UInt64(model.count))
            for item in model { XCTAssertTrue(withItem(item) { bf.contains($0) }, "false negative") }
            bf.checkInvariants()
        }
    }

    /// Inserts 1M items, checks every one reads present, probes 1M others; returns the FP rate.
    func measure(_ bf: BloomFilter, n: UInt64 = 1_000_000) -> Double {
        for i in 0..<n { _ = withItem(i) { bf.add($0) } }
        var missing = 0
        for i in 0..<n where !withItem(i, { bf.contains($0) }) { missing += 1 }
        XCTAssertEqual(missing, 0, "false negatives")
        var fp = 0
        for i in 0..<n where withItem(i | 1 << 40, { bf.contains($0) }) { fp += 1 }
        return Double(fp) / Double(n)
    }

    func testFalsePositiveRateOneMillionAtOnePercent() {
        let bf = BloomFilter.make(capacity: 1_000_000, error: 0.01, expansion: 2, scaling: true)!
        let rate = measure(bf)
        XCTAssertLessThanOrEqual(rate, 0.01)
        XCTAssertGreaterThan(rate, 0.001, "a filter this small should show some false positives (\(rate))")
        XCTAssertEqual(bf.filterCount, 1)
    }

    func testFalsePositiveRateOneMillionAtOnePermille() {
        let bf = BloomFilter.make(capacity: 1_000_000, error: 0.001, expansion: 2, scaling: true)!
        XCTAssertLessThanOrEqual(measure(bf), 0.001)
    }

    func testFalsePositiveRateStaysBoundedAcrossScaling() {
        // BF.ADD's defaults (capacity 100, expansion 2): 1M items need ~14 sub-filters, whose
        // error rates 0.005, 0.0025, ... keep the compound rate under 0.01.
        let bf = BloomFilter.make(capacity: BloomFilter.defaultCapacity, error: BloomFilter.defaultError,
                                  expansion: BloomFilter.defaultExpansion, scaling: true)!
        XCTAssertLessThanOrEqual(measure(bf), 0.01)
        XCTAssertGreaterThanOrEqual(bf.filterCount, 10)
        XCTAssertGreaterThanOrEqual(bf.capacity, 1_000_000)
        bf.checkInvariants()
    }

    func testNonScalingFilterRefusesWhenFull() {
        let bf = BloomFilter.make(capacity: 3, error: 0.01, expansion: 2, scaling: false)!
        XCTAssertEqual(["a", "b", "c"].map { add(bf, $0) }, [.added, .added, .added])
        XCTAssertEqual(add(bf, "a"), .exists)
        XCTAssertEqual(add(bf, "d"), .full)
        XCTAssertEqual(bf.size, 3)
        XCTAssertEqual(bf.filterCount, 1)
        // The first (only) layer keeps the requested error: no tightening without scaling.
        XCTAssertEqual(bf.layers[0].error, 0.01)
        bf.checkInvariants()
    }

    func testScalingFailureWhenTheNextLayerWouldBeTooBig() {
        // With a tiny error (~1400 bits per item) and a huge expansion, the second layer would
        // need terabytes: SBChain_AddLink fails and the add reports it (BF.ADD: "ERR problem
        // inserting into filter"); the filter stays usable.
        let bf = BloomFilter.make(capacity: 2, error: 1e-300, expansion: UInt32.max, scaling: true)!
        XCTAssertEqual(add(bf, "a"), .added)
        XCTAssertEqual(add(bf, "b"), .added)
        XCTAssertEqual(add(bf, "c"), .failed)
        XCTAssertEqual(add(bf, "a"), .exists)
        XCTAssertEqual(bf.filterCount, 1)
        XCTAssertEqual(bf.size, 2)
        bf.checkInvariants()
    }

    // MARK: chunked layout and snapshots

    func testCopySharesChunksAndWritesCloneOnlyTouchedChunks() {
        let bf = BloomFilter.make(capacity: 500_000, error: 0.01, expansion: 2, scaling: true)!
        for i in 0..<50_000 as Range<UInt64> { _ = withItem(i) { bf.add($0) } }
        let layer = bf.layers[0]
        XCTAssertGreaterThan(layer.bits.chunks.count, 8, "the test needs a multi-chunk layer")
        let before = layer.bits.bytes()
        let snap = bf.copy() as! BloomFilter
        let shared = { zip(bf.layers[0].bits.chunks, snap.layers[0].bits.chunks).filter { $0 === $1 }.count }
        XCTAssertEqual(shared(), layer.bits.chunks.count, "a copy shares every chunk")

        // One new item on the original un-shares at most `hashes` chunks.
        var item: UInt64 = 1 << 50
        while withItem(item, { bf.add($0) }) != .added { item += 1 }
        XCTAssertGreaterThanOrEqual(shared(), layer.bits.chunks.count - Int(layer.hashes))
        XCTAssertLessThan(shared(), layer.bits.chunks.count)
        XCTAssertEqual(snap.layers[0].bits.bytes(), before, "the snapshot does not see later writes")
        XCTAssertEqual(snap.size + 1, bf.size)

        // Writes to the copy leave the original alone too.
        let now = bf.layers[0].bits.bytes()
        for i in 0..<1000 as Range<UInt64> { _ = withItem(i | 1 << 52) { snap.add($0) } }
        XCTAssertEqual(bf.layers[0].bits.bytes(), now)
        bf.checkInvariants()
        snap.checkInvariants()
    }

    func testChunkBoundariesAgainstModel() {
        // A layer just over two chunks: bits near the edges of each chunk and of the last.
        let words = 2 * BloomBits.chunkWords + 3
        var bits = BloomBits(bits: UInt64(words * 64))
        XCTAssertEqual(bits.chunks.count, 3)
        var model = Set<UInt64>()
        var rng = SystemRandomNumberGenerator()
        let edges: [UInt64] = [0, 63, 64, UInt64(BloomBits.chunkWords * 64 - 1), UInt64(BloomBits.chunkWords * 64),
                               UInt64(words * 64 - 1)]
        for x in edges + (0..<2000).map({ _ in UInt64.random(in: 0..<UInt64(words * 64), using: &rng) }) {
            XCTAssertEqual(bits.set(x), !model.contains(x))
            model.insert(x)
        }
        for x in edges { XCTAssertTrue(bits.test(x)) }
        XCTAssertEqual(bits.popcount(), model.count)
        for _ in 0..<2000 {
            let x = UInt64.random(in: 0..<UInt64(words * 64), using: &rng)
            XCTAssertEqual(bits.test(x), model.contains(x))
        }
        bits.checkInvariants()
    }
}
