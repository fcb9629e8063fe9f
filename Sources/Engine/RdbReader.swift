// RDB reader primitives (Redis's rdbLoad* functions, src/rdb.c) over an in-memory byte source.
// Every read is bounds-checked: malformed input throws RdbError, it never traps or reads past
// the end. Lengths are checked against the bytes left before anything is allocated for them.
// File structure is in RdbLoader.swift, object bodies in RdbReader+Objects.swift.

struct RdbReader {
    let p: UnsafeRawBufferPointer
    var pos = 0

    init(_ p: UnsafeRawBufferPointer) { self.p = p }

    var remaining: Int { p.count - pos }

    func fail(_ what: String) -> RdbError { RdbError("\(what) (at offset \(pos))") }

    mutating func u8() throws -> UInt8 {
        guard pos < p.count else { throw fail("Unexpected end of RDB data") }
        defer { pos += 1 }
        return p[pos]
    }

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else { throw fail("Unexpected end of RDB data") }
        defer { pos += n }
        return UnsafeRawBufferPointer(rebasing: p[pos..<(pos + n)])
    }

    mutating func le(_ n: Int) throws -> UInt64 {
        let b = try take(n)
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(b[i]) << (8 * UInt64(i)) }
        return v
    }

    /// rdbLoadLenByRef: (value, isEncoded). Encoded means `value` is an RDB_ENC_* kind.
    mutating func lenOrEncoding() throws -> (UInt64, Bool) {
        let b = try u8()
        switch b >> 6 {
        case 0: return (UInt64(b & 0x3f), false)
        case 1: return (UInt64(b & 0x3f) << 8 | UInt64(try u8()), false)
        case 3: return (UInt64(b & 0x3f), true)
        default:
            if b == Rdb.len32 {
                let x = try take(4)
                return ((0..<4).reduce(0) { $0 << 8 | UInt64(x[$1]) }, false)
            }
            if b == Rdb.len64 {
                let x = try take(8)
                return ((0..<8).reduce(0) { $0 << 8 | UInt64(x[$1]) }, false)
            }
            throw fail("Unknown length encoding \(b)")
        }
    }

    mutating func len() throws -> UInt64 {
        let (v, enc) = try lenOrEncoding()
        if enc { throw fail("Unexpected encoded length") }
        return v
    }

    /// A length that must fit what is left of the input (each counted item takes >= 1 byte).
    mutating func count() throws -> Int {
        let v = try len()
        guard v <= UInt64(remaining) else { throw fail("Length \(v) exceeds the data") }
        return Int(v)
    }

    /// rdbGenericLoadStringObject: plain, int-encoded or LZF.
    mutating func string() throws -> [UInt8] {
        let (v, enc) = try lenOrEncoding()
        if !enc {
            guard v <= UInt64(remaining) else { throw fail("String length \(v) exceeds the data") }
            return Array(try take(Int(v)))
        }
        switch UInt8(v) {
        case Rdb.encInt8: return decimal(Int64(Int8(truncatingIfNeeded: try le(1))))
        case Rdb.encInt16: return decimal(Int64(Int16(truncatingIfNeeded: try le(2))))
        case Rdb.encInt32: return decimal(Int64(Int32(truncatingIfNeeded: try le(4))))
        case Rdb.encLZF:
            let clen = try len()
            let ulen = try len()
            guard clen <= UInt64(remaining) else { throw fail("LZF length \(clen) exceeds the data") }
            // LZF expands at most ~ 264/2 times per reference byte pair; refuse absurd claims
            // before allocating for them.
            guard ulen <= clen &* 140 + 64, ulen <= 1 << 40 else { throw fail("Invalid LZF compressed string") }
            let z = try take(Int(clen))
            guard let out = LZF.decompress(z, expected: Int(ulen)) else { throw fail("Invalid LZF compressed string") }
            return out
        default:
            throw fail("Unknown RDB string encoding type \(v)")
        }
    }

    func decimal(_ v: Int64) -> [UInt8] { withDecimalBytes(v) { Array($0) } }

    /// rdbLoadBinaryDoubleValue.
    mutating func binaryDouble() throws -> Double { Double(bitPattern: try le(8)) }

    /// rdbLoadDoubleValue (ZSET type 3): a length byte, 253 nan, 254 +inf, 255 -inf, else text.
    mutating func textDouble() throws -> Double {
        let n = try u8()
        switch n {
        case 253: return .nan
        case 254: return .infinity
        case 255: return -.infinity
        default:
            let b = try take(Int(n))
            guard let d = parseRdbDouble(b) else { throw fail("Invalid double value") }
            return d
        }
    }
}

/// strtod over bytes, whole input; nil when not a number.
func parseRdbDouble(_ b: UnsafeRawBufferPointer) -> Double? {
    if b.isEmpty || b.count > 128 { return nil }
    var tmp = [CChar](repeating: 0, count: b.count + 1)
    for i in 0..<b.count { tmp[i] = CChar(bitPattern: b[i]) }
    return tmp.withUnsafeBufferPointer { t -> Double? in
        var end: UnsafeMutablePointer<CChar>? = nil
        let d = strtod(t.baseAddress!, &end)
        guard let e = end, e - UnsafeMutablePointer(mutating: t.baseAddress!) == b.count else { return nil }
        return d
    }
}

#if canImport(Glibc)
import Glibc
#endif
