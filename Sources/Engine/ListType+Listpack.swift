// One list element as Redis's listpack encodes it (src/listpack.c), so each chunk of a list holds
// its elements byte for byte as a listpack body: a later RDB writer emits a chunk as a listpack
// blob (RDB_TYPE_LIST_QUICKLIST_2) by adding the 6-byte header and the 0xFF terminator, and
// memory per element matches Redis's (1 header byte + data + 1 back-length byte for short
// strings; small integers in 2-3 bytes).
//
// An entry is <encoding+data><backlen>:
//   0xxxxxxx                  7-bit unsigned int           10xxxxxx + data   string, len < 64
//   110xxxxx yyyyyyyy         13-bit signed int            1110xxxx yyyyyyyy + data   len < 4096
//   11110001 / 0010 / 0011 / 0100   16/24/32/64-bit int, little endian
//   11110000 + 4-byte len + data    longer strings
// backlen is the size of <encoding+data> in 1..5 bytes of 7 bits, written so that it reads
// backwards from the entry's last byte (bit 7 set = more bytes before), which lets a chunk be
// walked from either end. A string that is a canonical int64 (string2ll) is always stored as an
// int, as Redis does, so equal elements have equal encodings.

import RESP

/// A decoded element, valid until its list is next modified.
public enum ListElement {
    case int(Int64)
    case bytes(UnsafeRawBufferPointer)

    /// An owned copy (ints formatted as decimal text).
    public var owned: Bytes {
        switch self {
        case .bytes(let b): return Bytes(b)
        case .int(let v):
            var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
            return withUnsafeMutableBytes(of: &tmp) { t in
                let n = formatDecimal(v, into: t.baseAddress!.assumingMemoryBound(to: UInt8.self))
                return Bytes(UnsafeRawBufferPointer(rebasing: t[0..<n]))
            }
        }
    }
}

/// An argument to compare list elements with (LREM, LPOS, LINSERT), with its int form parsed once.
public struct ListNeedle {
    public let raw: UnsafeRawBufferPointer
    public let int: Int64?
    public init(_ raw: UnsafeRawBufferPointer) { self.raw = raw; self.int = Listpack.intValue(raw) }

    /// Redis's lpCompare: an int entry equals only the same int, a string entry the same bytes.
    @inline(__always) func matches(_ e: ListElement) -> Bool {
        switch e {
        case .int(let v): return int == v
        case .bytes(let b): return int == nil && bytesEqual(b, raw)
        }
    }
}

enum Listpack {
    /// The int a string is stored as, if any (lpStringToInt64 is string2ll).
    @inline(__always) static func intValue(_ raw: UnsafeRawBufferPointer) -> Int64? {
        raw.count <= 20 && raw.count > 0 ? parseInt64(raw) : nil
    }

    /// Bytes of <encoding+data> for an int.
    @inline(__always) static func intBodySize(_ v: Int64) -> Int {
        if v >= 0 && v <= 127 { return 1 }
        if v >= -4096 && v <= 4095 { return 2 }
        if v >= -32768 && v <= 32767 { return 3 }
        if v >= -8_388_608 && v <= 8_388_607 { return 4 }
        if v >= -2_147_483_648 && v <= 2_147_483_647 { return 5 }
        return 9
    }

    /// Bytes of <encoding+data> for a string of `n` bytes.
    @inline(__always) static func stringBodySize(_ n: Int) -> Int {
        n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n
    }

    /// Bytes of the back-length field for a body of `l` bytes.
    @inline(__always) static func backlenSize(_ l: Int) -> Int {
        l <= 127 ? 1 : l < 16383 ? 2 : l < 2_097_151 ? 3 : l < 268_435_455 ? 4 : 5
    }

    /// How an argument will be stored: its int form (if any) and the whole entry's size.
    struct Encoded {
        let int: Int64?
        let body: Int
        var size: Int { body + Listpack.backlenSize(body) }
    }

    @inline(__always) static func encode(_ raw: UnsafeRawBufferPointer) -> Encoded {
        if let v = intValue(raw) { return Encoded(int: v, body: intBodySize(v)) }
        return Encoded(int: nil, body: stringBodySize(raw.count))
    }

    /// Writes the entry for `raw` (as `e` describes it) at `p`; returns its size.
    @inline(__always)
    static func write(_ raw: UnsafeRawBufferPointer, _ e: Encoded, at p: UnsafeMutablePointer<UInt8>) -> Int {
        if let v = e.int { writeInt(v, at: p) } else { writeString(raw, at: p) }
        writeBacklen(e.body, at: p + e.body)
        return e.size
    }

    @inline(__always) static func writeInt(_ v: Int64, at p: UnsafeMutablePointer<UInt8>) {
        let u = UInt64(bitPattern: v)
        switch intBodySize(v) {
        case 1: p[0] = UInt8(truncatingIfNeeded: u)
        case 2:
            let w = v < 0 ? UInt64(Int64(1 << 13) + v) : u
            p[0] = UInt8(truncatingIfNeeded: w >> 8) | 0xC0
            p[1] = UInt8(truncatingIfNeeded: w)
        case 3: p[0] = 0xF1; storeLE(u, 2, p + 1)
        case 4: p[0] = 0xF2; storeLE(u, 3, p + 1)
        case 5: p[0] = 0xF3; storeLE(u, 4, p + 1)
        default: p[0] = 0xF4; storeLE(u, 8, p + 1)
        }
    }

    @inline(__always) static func writeString(_ raw: UnsafeRawBufferPointer, at p: UnsafeMutablePointer<UInt8>) {
        let n = raw.count
        var h: Int
        if n < 64 {
            p[0] = 0x80 | UInt8(n); h = 1
        } else if n < 4096 {
            p[0] = 0xE0 | UInt8(n >> 8); p[1] = UInt8(truncatingIfNeeded: n); h = 2
        } else {
            p[0] = 0xF0; storeLE(UInt64(n), 4, p + 1); h = 5
        }
        if n > 0 { (p + h).update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n) }
    }

    @inline(__always) static func writeBacklen(_ l: Int, at p: UnsafeMutablePointer<UInt8>) {
        let n = backlenSize(l)
        if n == 1 { p[0] = UInt8(l); return }
        // Most significant 7 bits first; every byte after the first has bit 7 set.
        for i in 0..<n {
            let shift = 7 * (n - 1 - i)
            let b = UInt8((l >> shift) & 127)
            p[i] = i == 0 ? b : b | 128
        }
    }

    @inline(__always) static func storeLE(_ v: UInt64, _ n: Int, _ p: UnsafeMutablePointer<UInt8>) {
        for i in 0..<n { p[i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }

    @inline(__always) static func loadLE(_ n: Int, _ p: UnsafePointer<UInt8>) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(p[i]) << (8 * UInt64(i)) }
        return v
    }

    /// Size of <encoding+data> of the entry at `p`.
    @inline(__always) static func bodySize(at p: UnsafePointer<UInt8>) -> Int {
        let b = p[0]
        if b & 0x80 == 0 { return 1 }
        if b & 0xC0 == 0x80 { return 1 + Int(b & 0x3F) }
        if b & 0xE0 == 0xC0 { return 2 }
        if b & 0xF0 == 0xE0 { return 2 + (Int(b & 0x0F) << 8 | Int(p[1])) }
        switch b {
        case 0xF1: return 3
        case 0xF2: return 4
        case 0xF3: return 5
        case 0xF4: return 9
        case 0xF0: return 5 + Int(loadLE(4, p + 1))
        default: preconditionFailure("bad listpack entry encoding \(b)")
        }
    }

    /// Whole size of the entry starting at `p` (walking forwards).
    @inline(__always) static func entrySize(at p: UnsafePointer<UInt8>) -> Int {
        let l = bodySize(at: p)
        return l + backlenSize(l)
    }

    /// Whole size of the entry that ends just before `end` (walking backwards).
    @inline(__always) static func entrySize(endingAt end: UnsafePointer<UInt8>) -> Int {
        var p = end - 1
        var l = Int(p[0] & 127)
        var n = 1
        while p[0] & 128 != 0 {
            p -= 1
            l |= Int(p[0] & 127) << (7 * n)
            n += 1
        }
        return l + n
    }

    /// The element at `p`.
    @inline(__always) static func decode(at p: UnsafePointer<UInt8>) -> ListElement {
        let b = p[0]
        if b & 0x80 == 0 { return .int(Int64(b)) }
        if b & 0xC0 == 0x80 { return .bytes(UnsafeRawBufferPointer(start: p + 1, count: Int(b & 0x3F))) }
        if b & 0xE0 == 0xC0 {
            let u = Int64(b & 0x1F) << 8 | Int64(p[1])
            return .int(u >= 1 << 12 ? u - (1 << 13) : u)
        }
        if b & 0xF0 == 0xE0 {
            return .bytes(UnsafeRawBufferPointer(start: p + 2, count: Int(b & 0x0F) << 8 | Int(p[1])))
        }
        switch b {
        case 0xF1: return .int(Int64(Int16(truncatingIfNeeded: loadLE(2, p + 1))))
        case 0xF2:
            let u = Int64(loadLE(3, p + 1))
            return .int(u >= 1 << 23 ? u - (1 << 24) : u)
        case 0xF3: return .int(Int64(Int32(truncatingIfNeeded: loadLE(4, p + 1))))
        case 0xF4: return .int(Int64(bitPattern: loadLE(8, p + 1)))
        case 0xF0: return .bytes(UnsafeRawBufferPointer(start: p + 5, count: Int(loadLE(4, p + 1))))
        default: preconditionFailure("bad listpack entry encoding \(b)")
        }
    }
}
