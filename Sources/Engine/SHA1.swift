// SHA-1 (FIPS 180-4) for script ids: EVALSHA names a script by the hex digest of its body,
// exactly as Redis's sha1hex. Not used for anything security-related.
//
// EVAL hashes its body on every call, so this is on a hot path: blocks are read in place as
// big-endian words, the schedule and the padded tail live on the stack, and the four round
// kinds are separate loops (no per-round switch, no heap arrays with bounds checks).

public enum SHA1 {
    typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32)

    /// The 20-byte digest of `data`.
    public static func digest(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        let h = words(data)
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for v in [h.0, h.1, h.2, h.3, h.4] {
            out.append(UInt8(v >> 24)); out.append(UInt8(truncatingIfNeeded: v >> 16))
            out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
        }
        return out
    }

    /// Lowercase hex digest (Redis's sha1hex).
    public static func hex(_ data: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 40) { out in
            writeHex(data, into: UnsafeMutableRawPointer(out.baseAddress!))
            return 40
        }
    }

    public static func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { hex($0) } }
    public static func hex(_ s: String) -> String { hex(Array(s.utf8)) }

    /// Writes the 40 lowercase hex digits of `data`'s digest at `out`.
    static func writeHex(_ data: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
        var h = words(data)
        var i = 0
        for j in 0..<5 {
            let v = withUnsafeBytes(of: &h) { $0.load(fromByteOffset: 4 * j, as: UInt32.self) }
            var shift: UInt32 = 28
            for _ in 0..<8 {
                let d = UInt8(truncatingIfNeeded: (v >> shift) & 15)
                out.storeBytes(of: d < 10 ? 48 + d : 87 + d, toByteOffset: i, as: UInt8.self)
                i += 1
                shift &-= 4
            }
        }
    }

    /// The state words after hashing `data`.
    static func words(_ data: UnsafeRawBufferPointer) -> State {
        var h: State = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
                let n = data.count
                var off = 0
                while off + 64 <= n {
                    compress(&h, data.baseAddress! + off, w)
                    off += 64
                }
                // The rest, 0x80, zeros and the bit length: one block, or two when the rest
                // leaves no room for the 9 bytes.
                let rest = n - off
                tail.initialize(repeating: 0)
                for i in 0..<rest { tail[i] = data[off + i] }
                tail[rest] = 0x80
                let tailLen = rest + 9 <= 64 ? 64 : 128
                let bitLen = UInt64(n) &* 8
                for i in 0..<8 { tail[tailLen - 1 - i] = UInt8(truncatingIfNeeded: bitLen >> (8 * UInt64(i))) }
                let t = UnsafeRawPointer(tail.baseAddress!)
                compress(&h, t, w)
                if tailLen == 128 { compress(&h, t + 64, w) }
            }
        }
        return h
    }

    @inline(__always) private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }

    /// One 64-byte block into the state; `w` is the 80-word schedule's storage.
    @inline(__always)
    private static func compress(_ h: inout State, _ p: UnsafeRawPointer, _ w: UnsafeMutableBufferPointer<UInt32>) {
        for t in 0..<16 { w[t] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self)) }
        for t in 16..<80 { w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
        var (a, b, c, d, e) = h
        @inline(__always) func step(_ f: UInt32, _ k: UInt32, _ wt: UInt32) {
            let tmp = rotl(a, 5) &+ f &+ e &+ k &+ wt
            e = d; d = c; c = rotl(b, 30); b = a; a = tmp
        }
        for t in 0..<20 { step((b & c) | (~b & d), 0x5A82_7999, w[t]) }
        for t in 20..<40 { step(b ^ c ^ d, 0x6ED9_EBA1, w[t]) }
        for t in 40..<60 { step((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, w[t]) }
        for t in 60..<80 { step(b ^ c ^ d, 0xCA62_C1D6, w[t]) }
        h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
    }
}
