// Item hashing for Bloom filters: MurmurHash64A (Austin Appleby's 64-bit MurmurHash2, public
// domain) used twice, the way RedisBloom's bloom_calc_hash64 does with BLOOM_OPT_FORCE64:
//   a = MurmurHash64A(item, seed: 0xc6a4a7935bd1e995), b = MurmurHash64A(item, seed: a)
// and bit i of an item in a sub-filter of `bits` bits is (a + i*b) mod bits (Kirsch-Mitzenmacher
// double hashing, 64-bit wrapping arithmetic).
//
// Why this hash and not the keyspace's wyhash: with the same hash, seed, probe formula and bit
// numbering (bit x is bit x%8 of byte x/8), our bit arrays are byte-identical to RedisBloom's,
// so a later BF.SCANDUMP/LOADCHUNK or an RDB "MBbloom--" module value can be exchanged with a
// real RedisBloom. Filters must also be stable across restarts, so the hash is unseeded per
// process (unlike KeyHasher). MurmurHash64A costs ~1 ns per 8 bytes; the modulo per probe
// dominates for short items.

/// The two 64-bit halves an item's probes are derived from.
struct BloomHash {
    let a: UInt64
    let b: UInt64

    /// RedisBloom's default 64-bit seed (also MurmurHash64A's multiplier).
    static let seed: UInt64 = 0xc6a4_a793_5bd1_e995

    @inline(__always) init(_ item: UnsafeRawBufferPointer) {
        let a = murmurHash64A(item, seed: BloomHash.seed)
        self.a = a
        self.b = murmurHash64A(item, seed: a)
    }

    /// Probe `i` as a bit index below `bits`.
    @inline(__always) func probe(_ i: UInt64, _ bits: UInt64) -> UInt64 {
        (a &+ i &* b) % bits
    }
}

/// MurmurHash64A over `data` (little-endian reads, as on the x86-64/arm64 hosts RedisBloom runs).
/// O(length).
@inline(__always)
func murmurHash64A(_ data: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
    let m: UInt64 = 0xc6a4_a793_5bd1_e995
    let r: UInt64 = 47
    let len = data.count
    var h = seed ^ (UInt64(truncatingIfNeeded: Int32(truncatingIfNeeded: len)) &* m)
    guard let p = data.baseAddress else {
        h ^= h >> r; h = h &* m; h ^= h >> r
        return h
    }
    let blocks = len / 8
    var i = 0
    while i < blocks {
        var k = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        k = k &* m
        k ^= k >> r
        k = k &* m
        h ^= k
        h = h &* m
        i += 1
    }
    let tail = p + blocks * 8
    let rest = len & 7
    if rest > 0 {
        // The C switch falls through from case `rest` down to case 1.
        var t: UInt64 = 0
        for j in stride(from: rest - 1, through: 0, by: -1) {
            t |= UInt64(tail.load(fromByteOffset: j, as: UInt8.self)) << (8 * UInt64(j))
        }
        h ^= t
        h = h &* m
    }
    h ^= h >> r
    h = h &* m
    h ^= h >> r
    return h
}
