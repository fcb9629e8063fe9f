// The bit array of one Bloom sub-filter, split into fixed 64 KiB chunks.
//
// Why chunks: a snapshot (COPY, and the fork-less BGSAVE later) copies a filter in O(chunks)
// by sharing the chunk objects; the first write to a shared chunk clones only that chunk
// (isKnownUniquelyReferenced), so a 1 GB filter under a save copies 64 KiB per first-touched
// chunk, not 1 GB. Chunks are also allocated on first write (nil = all zero), so BF.RESERVE of a
// huge capacity costs only the chunk table, like calloc's lazily mapped pages in RedisBloom.
//
// Invariants: `chunks.count == ceil(words / chunkWords)`; every chunk holds `chunkWords` words
// except the last, which holds the remainder; bit x lives in word x/64 at bit x%64, which on a
// little-endian host is byte x/8 bit x%8 — RedisBloom's numbering, so the bytes match its `bf`.

/// One piece of a bit array. A plain class over a separately allocated word buffer (rather than
/// a ManagedBuffer) so probes read `words[i]` directly, without a closure per access.
final class BloomChunk {
    let words: UnsafeMutablePointer<UInt64>
    let count: Int

    private init(count: Int) {
        self.count = count
        words = .allocate(capacity: count)
    }

    /// A zeroed chunk of `count` words. O(count).
    static func zeroed(words count: Int) -> BloomChunk {
        let c = BloomChunk(count: count)
        c.words.initialize(repeating: 0, count: count)
        return c
    }

    /// An independent copy (copy-on-write of a shared chunk). O(count).
    func clone() -> BloomChunk {
        let c = BloomChunk(count: count)
        c.words.initialize(from: words, count: count)
        return c
    }

    deinit { words.deallocate() }
}

struct BloomBits {
    /// Words per chunk (8192 x 8 bytes = 64 KiB) as a shift.
    static let chunkShift = 13
    static let chunkWords = 1 << chunkShift

    /// Number of addressable bits (a multiple of 64).
    let bits: UInt64
    var chunks: [BloomChunk?]

    init(bits: UInt64) {
        precondition(bits > 0 && bits % 64 == 0, "Bloom bit count must be a positive multiple of 64")
        self.bits = bits
        let words = Int(bits / 64)
        chunks = Array(repeating: nil, count: (words + BloomBits.chunkWords - 1) >> BloomBits.chunkShift)
    }

    var words: Int { Int(bits / 64) }

    /// Words held by chunk `i` (all full but the last).
    func wordsIn(_ i: Int) -> Int {
        min(BloomBits.chunkWords, words - (i << BloomBits.chunkShift))
    }

    /// Whether bit `x` (< bits) is set. O(1).
    @inline(__always) func test(_ x: UInt64) -> Bool {
        let w = Int(truncatingIfNeeded: x >> 6)
        guard let c = chunks[w >> BloomBits.chunkShift] else { return false }
        return c.words[w & (BloomBits.chunkWords - 1)] & (1 << (x & 63)) != 0
    }

    /// Sets bit `x`; returns true if it was clear. Allocates or un-shares its chunk first. O(1),
    /// plus O(chunk) once per chunk after a snapshot.
    @inline(__always) mutating func set(_ x: UInt64) -> Bool {
        let w = Int(truncatingIfNeeded: x >> 6)
        let ci = w >> BloomBits.chunkShift
        if chunks[ci] == nil {
            chunks[ci] = BloomChunk.zeroed(words: wordsIn(ci))
        } else if !isKnownUniquelyReferenced(&chunks[ci]) {
            chunks[ci] = chunks[ci].unsafelyUnwrapped.clone()
        }
        let mask: UInt64 = 1 << (x & 63)
        let p = chunks[ci].unsafelyUnwrapped.words + (w & (BloomBits.chunkWords - 1))
        let old = p.pointee
        p.pointee = old | mask
        return old & mask == 0
    }

    /// Chunks actually allocated (for memory accounting and tests). O(chunks).
    var allocatedChunks: Int { chunks.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Number of set bits. O(bits).
    func popcount() -> Int {
        var n = 0
        for c in chunks {
            guard let c else { continue }
            for i in 0..<c.count { n += c.words[i].nonzeroBitCount }
        }
        return n
    }

    /// The bytes as RedisBloom lays them out (bit x = byte x/8, bit x%8), for dumps and tests.
    /// O(bits).
    func bytes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: words * 8)
        for (ci, c) in chunks.enumerated() {
            guard let c else { continue }
            for i in 0..<c.count {
                let v = c.words[i]
                let base = ((ci << BloomBits.chunkShift) + i) * 8
                for j in 0..<8 { out[base + j] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(j))) }
            }
        }
        return out
    }

    #if DEBUG
    func checkInvariants() {
        precondition(bits % 64 == 0 && bits > 0)
        precondition(chunks.count == (words + BloomBits.chunkWords - 1) >> BloomBits.chunkShift)
        for (i, c) in chunks.enumerated() {
            if let c { precondition(c.count == wordsIn(i), "chunk \(i) holds \(c.count) words, want \(wordsIn(i))") }
        }
    }
    #endif
}
