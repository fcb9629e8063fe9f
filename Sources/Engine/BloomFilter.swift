// Scalable Bloom filters as RedisBloom builds them (its sb.c chain over bloom.c filters), the
// value behind BF.* keys (TYPE "MBbloom--", OBJECT ENCODING "raw", as the module reports).
//
// A filter is a chain of sub-filters ("layers"). Layer sizing is bloom.c's with
// BLOOM_OPT_NOROUND | BLOOM_OPT_FORCE64:
//   bpe    = -ln(error) / ln(2)^2            (bits per entry)
//   bits   = trunc(capacity * bpe), at least 1, rounded up to a multiple of 64
//   hashes = ceil(ln(2) * bpe)
// The first layer gets error * 0.5 (ERROR_TIGHTENING_RATIO) unless the filter is NONSCALING.
// An add first checks every layer (newest first); if the item is absent and the newest layer
// holds `capacity` items, a new layer with capacity * expansion and half the error is appended
// (a NONSCALING filter refuses instead). Since the layers' error rates form a geometric series
// (e/2 + e/4 + ...), the compound false-positive rate stays below the requested one.
//
// Invariants (checked by `checkInvariants` in debug builds): size == sum of layer sizes; every
// layer but the newest is exactly full; layer i+1 has capacity(i) * growth and error(i) / 2;
// a NONSCALING filter has one layer.
//
// Layout for snapshots: each layer's bit array is in 64 KiB chunks (BloomFilter+Chunks.swift);
// `copy()` shares them and a write clones only the chunk it touches.

#if canImport(Glibc)
import Glibc
#endif

/// One sub-filter: bloom.c's `struct bloom` plus the SBLink item count.
final class BloomLayer {
    /// Items this layer is sized for (bloom.c `entries`).
    let capacity: UInt64
    let error: Double
    /// Bits per entry.
    let bpe: Double
    let hashes: UInt64
    var bits: BloomBits
    /// Items added to this layer.
    var size: UInt64 = 0

    /// Bytes of the bit array (bloom.c `bytes`).
    var bytes: UInt64 { bits.bits / 8 }

    init(capacity: UInt64, error: Double, bpe: Double, hashes: UInt64, bits: BloomBits, size: UInt64) {
        self.capacity = capacity
        self.error = error
        self.bpe = bpe
        self.hashes = hashes
        self.bits = bits
        self.size = size
    }

    /// bloom_init: nil when the parameters are invalid (capacity 0, error outside (0,1)) or the
    /// bit array would exceed `BloomFilter.maxLayerBytes` (Redis would fail the allocation).
    static func make(capacity: UInt64, error: Double) -> BloomLayer? {
        guard capacity >= 1, error > 0, error < 1 else { return nil }
        var bpe = -(log(error) / 0.480453013918201)   // ln(2)^2, bloom.c's constant
        if bpe < 0 { bpe = -bpe }
        let want = Double(capacity) * bpe
        // Also keeps the Double -> UInt64 conversion below in range.
        guard want < Double(BloomFilter.maxLayerBytes) * 8 else { return nil }
        var bits = UInt64(want)
        if bits == 0 { bits = 1 }
        let bytes = bits % 64 != 0 ? (bits / 64 + 1) * 8 : bits / 8
        let hashes = UInt64(ceil(0.693147180559945 * bpe))
        return BloomLayer(capacity: capacity, error: error, bpe: bpe, hashes: hashes,
                          bits: BloomBits(bits: bytes * 8), size: 0)
    }

    /// A copy sharing the bit chunks (copy-on-write). O(chunks).
    func copy() -> BloomLayer {
        BloomLayer(capacity: capacity, error: error, bpe: bpe, hashes: hashes, bits: bits, size: size)
    }

    /// bloom_check_h: all `hashes` probes set. O(hashes).
    @inline(__always) func contains(_ h: BloomHash) -> Bool {
        let n = bits.bits
        var i: UInt64 = 0
        while i < hashes {
            if !bits.test(h.probe(i, n)) { return false }
            i += 1
        }
        return true
    }

    /// bloom_add_h: sets every probe; true if any was clear (the item is new here). O(hashes).
    @inline(__always) func insert(_ h: BloomHash) -> Bool {
        let n = bits.bits
        var fresh = false
        var i: UInt64 = 0
        while i < hashes {
            if bits.set(h.probe(i, n)) { fresh = true }
            i += 1
        }
        return fresh
    }
}

public final class BloomFilter: ObjectValue {
    /// RedisBloom's defaults when BF.ADD / BF.MADD / BF.INSERT create the key.
    public static let defaultCapacity: UInt64 = 100
    public static let defaultError = 0.01
    public static let defaultExpansion: UInt32 = 2
    /// sb.c ERROR_TIGHTENING_RATIO.
    static let tightening = 0.5
    /// Largest bit array one layer may have. Bigger requests fail as an allocation failure would
    /// in Redis; this also bounds the chunk table (2^34 / 64 KiB = 256 Ki entries, 2 MB).
    static let maxLayerBytes: UInt64 = 1 << 34
    /// sizeof(SBChain) and sizeof(SBLink) on 64-bit, which RedisBloom's BF.INFO Size adds to the
    /// bit arrays (its BFMemUsage); kept so Size matches RedisBloom's numbers.
    static let chainOverhead: UInt64 = 32
    static let layerOverhead: UInt64 = 64

    var layers: [BloomLayer]
    /// Items added (each counted once, when it set at least one bit).
    public private(set) var size: UInt64 = 0
    /// Expansion factor (RedisBloom's `growth`, an unsigned 32-bit value).
    public let growth: UInt32
    public let scaling: Bool

    public var typeName: String { "MBbloom--" }
    public var encodingName: String { "raw" }

    init(layers: [BloomLayer], size: UInt64, growth: UInt32, scaling: Bool) {
        self.layers = layers
        self.size = size
        self.growth = growth
        self.scaling = scaling
    }

    /// SB_NewChain: nil when the first layer cannot be made (see BloomLayer.make).
    public static func make(capacity: UInt64, error: Double, expansion: UInt32, scaling: Bool) -> BloomFilter? {
        guard let first = BloomLayer.make(capacity: capacity, error: error * (scaling ? tightening : 1)) else { return nil }
        return BloomFilter(layers: [first], size: 0, growth: expansion, scaling: scaling)
    }

    /// Shares every bit chunk; the first write to a chunk on either side clones it. O(chunks).
    public func copy() -> ObjectValue {
        BloomFilter(layers: layers.map { $0.copy() }, size: size, growth: growth, scaling: scaling)
    }

    public enum AddResult { case added, exists, full, failed }

    /// SBChain_Add. O(layers x hashes) (amortized: a new layer is O(its chunk table)).
    public func add(_ item: UnsafeRawBufferPointer) -> AddResult {
        let h = BloomHash(item)
        var i = layers.count - 1
        while i >= 0 {
            if layers[i].contains(h) { return .exists }
            i -= 1
        }
        var cur = layers[layers.count - 1]
        if cur.size >= cur.capacity {
            if !scaling { return .full }
            let (cap, overflow) = cur.capacity.multipliedReportingOverflow(by: UInt64(growth))
            guard !overflow, let next = BloomLayer.make(capacity: cap, error: cur.error * BloomFilter.tightening) else {
                return .failed
            }
            layers.append(next)
            cur = next
        }
        guard cur.insert(h) else { return .exists }   // unreachable: the check above saw a clear bit
        cur.size += 1
        size += 1
        return .added
    }

    /// SBChain_Check: any layer holds all of the item's probes. O(layers x hashes).
    public func contains(_ item: UnsafeRawBufferPointer) -> Bool {
        let h = BloomHash(item)
        var i = layers.count - 1
        while i >= 0 {
            if layers[i].contains(h) { return true }
            i -= 1
        }
        return false
    }

    /// BF.INFO Capacity: the sum of layer capacities. O(layers).
    public var capacity: UInt64 { layers.reduce(0) { $0 &+ $1.capacity } }
    /// BF.INFO Size: RedisBloom's BFMemUsage (struct sizes plus bit arrays). O(layers).
    public var memoryUsage: UInt64 {
        layers.reduce(BloomFilter.chainOverhead) { $0 &+ BloomFilter.layerOverhead &+ $1.bytes }
    }
    public var filterCount: Int { layers.count }

    #if DEBUG
    /// Structural invariants (see the file header). O(bits) because it counts set bits.
    public func checkInvariants() {
        precondition(!layers.isEmpty, "a Bloom filter has at least one layer")
        precondition(scaling || layers.count == 1, "a NONSCALING filter never grows")
        precondition(size == layers.reduce(0) { $0 + $1.size }, "size is the sum of layer sizes")
        for (i, l) in layers.enumerated() {
            l.bits.checkInvariants()
            precondition(l.bits.bits == l.bytes * 8 && l.bytes % 8 == 0)
            precondition(l.hashes == UInt64(ceil(0.693147180559945 * l.bpe)))
            precondition(l.size <= l.capacity)
            precondition(l.bits.popcount() <= Int(l.size * l.hashes), "more bits set than items x hashes")
            if i + 1 < layers.count {
                let n = layers[i + 1]
                precondition(l.size == l.capacity, "only the newest layer may be partly filled")
                precondition(n.capacity == l.capacity * UInt64(growth))
                precondition(n.error == l.error * BloomFilter.tightening)
            }
        }
    }
    #endif
}
