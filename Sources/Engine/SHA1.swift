// SHA-1 (FIPS 180-4) for script ids: EVALSHA names a script by the hex digest of its body,
// exactly as Redis's sha1hex. Not used for anything security-related.

public enum SHA1 {
    /// The 20-byte digest of `data`.
    public static func digest(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        var block = [UInt8](repeating: 0, count: 64)
        var w = [UInt32](repeating: 0, count: 80)
        let n = data.count
        let bitLen = UInt64(n) &* 8
        // Full blocks of the message, then one or two padding blocks.
        let total = ((n + 8) / 64 + 1) * 64
        var off = 0
        while off < total {
            for i in 0..<64 {
                let p = off + i
                if p < n { block[i] = data[p] }
                else if p == n { block[i] = 0x80 }
                else if p >= total - 8 { block[i] = UInt8(truncatingIfNeeded: bitLen >> (8 * UInt64(total - 1 - p))) }
                else { block[i] = 0 }
            }
            for t in 0..<16 {
                w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
            }
            for t in 16..<80 {
                let x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]
                w[t] = (x << 1) | (x >> 31)
            }
            var (a, b, c, d, e) = h
            for t in 0..<80 {
                let f: UInt32, k: UInt32
                switch t {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let tmp = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[t]
                e = d; d = c; c = (b << 30) | (b >> 2); b = a; a = tmp
            }
            h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
            off += 64
        }
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
        let digits = Array("0123456789abcdef".utf8)
        var s: [UInt8] = []
        s.reserveCapacity(40)
        for b in digest(data) { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return String(decoding: s, as: UTF8.self)
    }

    public static func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { hex($0) } }
    public static func hex(_ s: String) -> String { hex(Array(s.utf8)) }
}
