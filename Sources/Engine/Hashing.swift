// Key hashing for the keyspace: a seeded 64-bit non-cryptographic hash over bytes.
//
// Algorithm: wyhash (Wang Yi, "final version 4.2", default secret), reading 4/8 bytes at a time and mixing with
// 64x64->128 multiplications. Why not Swift's Hasher (SipHash-1-3): it is several times slower
// on short keys and its per-process seed cannot be chosen, so tests could not be deterministic.
// Why seeded: a per-process seed (Engine.hashSeed) keeps an attacker from precomputing keys
// that collide in one bucket (hash flooding), the reason Redis seeds its siphash.
// The output must be stable for one seed within a process only; nothing persists it.

@usableFromInline let wyP0: UInt64 = 0x2d35_8dcc_aa6c_78a5
@usableFromInline let wyP1: UInt64 = 0x8bb8_4b93_962e_acc9
@usableFromInline let wyP2: UInt64 = 0x4b33_a62e_d433_d4a3
@usableFromInline let wyP3: UInt64 = 0x4d5a_2da5_1de1_aa47

/// 64x64 -> 128 multiply, folded: the core mixing step of wyhash.
@inline(__always) func wyMix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let r = a.multipliedFullWidth(by: b)
    return r.high ^ r.low
}

/// A seeded hash function over bytes. O(length).
public struct KeyHasher: Sendable {
    /// The seed, pre-mixed once so each call saves a multiplication.
    @usableFromInline let seed: UInt64

    public init(seed: UInt64) { self.seed = seed ^ wyMix(seed ^ wyP0, wyP1) }

    @inline(__always) public func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        let len = raw.count
        var seed = self.seed
        var a: UInt64 = 0, b: UInt64 = 0
        guard let p = raw.baseAddress else { return finish(0, 0, seed, 0) }
        if len <= 16 {
            if len >= 4 {
                // Two overlapping 4-byte reads from each end cover 4...16 bytes without a loop.
                let q = (len >> 3) << 2
                a = (r4(p) << 32) | r4(p + q)
                b = (r4(p + len - 4) << 32) | r4(p + len - 4 - q)
            } else if len > 0 {
                a = (UInt64(p.load(as: UInt8.self)) << 16) | (UInt64(p.load(fromByteOffset: len >> 1, as: UInt8.self)) << 8)
                    | UInt64(p.load(fromByteOffset: len - 1, as: UInt8.self))
            }
        } else {
            var q = p
            var i = len
            if i >= 48 {
                var see1 = seed, see2 = seed
                repeat {
                    seed = wyMix(r8(q) ^ wyP1, r8(q + 8) ^ seed)
                    see1 = wyMix(r8(q + 16) ^ wyP2, r8(q + 24) ^ see1)
                    see2 = wyMix(r8(q + 32) ^ wyP3, r8(q + 40) ^ see2)
                    q += 48; i -= 48
                } while i >= 48
                seed ^= see1 ^ see2
            }
            while i > 16 {
                seed = wyMix(r8(q) ^ wyP1, r8(q + 8) ^ seed)
                i -= 16; q += 16
            }
            a = r8(q + i - 16)
            b = r8(q + i - 8)
        }
        return finish(a, b, seed, len)
    }

    @inline(__always) func finish(_ a: UInt64, _ b: UInt64, _ seed: UInt64, _ len: Int) -> UInt64 {
        let r = (a ^ wyP1).multipliedFullWidth(by: b ^ seed)
        return wyMix(r.low ^ wyP0 ^ UInt64(len), r.high ^ wyP1)
    }

    @inline(__always) func r8(_ p: UnsafeRawPointer) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) }
    @inline(__always) func r4(_ p: UnsafeRawPointer) -> UInt64 { UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))) }
}

/// wyrand: a tiny fast PRNG for sampling (random buckets, volatile keys). Not for secrets.
struct WyRand: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    @inline(__always) mutating func next() -> UInt64 {
        state &+= wyP0
        return wyMix(state, state ^ wyP1)
    }
    /// Uniform in 0..<n (n > 0); Lemire's multiply-shift, bias below 2^-32 for n < 2^32.
    @inline(__always) mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }
}
