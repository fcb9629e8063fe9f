// LZF as liblzf 3.6 writes and reads it (Redis's lzf_c.c / lzf_d.c), for RDB strings.
//
// A stream of runs: a control byte < 32 is a literal run of ctrl+1 bytes; otherwise the top 3
// bits are a back-reference length (7 = "read one more length byte") and the low 5 bits plus
// the next byte are the distance - 1 (at most 8 KB back). A reference copies len+2 bytes from
// the output already written, byte by byte (overlapping copies repeat a pattern).
//
// The compressor follows lzf_c.c (HLOG 16, 3-byte hash, MAX_LIT 32, MAX_REF 264): it fails
// (nil) when the output would not fit `limit` bytes, which is how Redis decides a string is not
// worth compressing. The decompressor checks every bound: malformed input is an error, never an
// out-of-range read or write.

#if canImport(Glibc)
import Glibc
#endif

/// The compressor's hash table, kept across calls. Zeroing 64 Ki slots per string was 92% of a
/// BGSAVE's time in a profile; instead each call gets a fresh range of positions (`base`), and a
/// slot holding a position from an earlier call (<= base) reads as empty. The memory comes from
/// calloc, so pages never touched cost nothing.
final class LZFTable {
    let slots: UnsafeMutablePointer<UInt32>
    private var next: UInt32 = 0
    static let count = 1 << 16

    init() {
        slots = calloc(LZFTable.count, MemoryLayout<UInt32>.size)!.bindMemory(to: UInt32.self, capacity: LZFTable.count)
    }
    deinit { free(slots) }

    /// The base for a call over `n` bytes (positions are stored as base + i + 1).
    func begin(_ n: Int) -> UInt32 {
        if UInt64(next) + UInt64(n) + 2 >= UInt64(UInt32.max) {
            memset(slots, 0, LZFTable.count * MemoryLayout<UInt32>.size)
            next = 0
        }
        let b = next
        next += UInt32(n) + 1
        return b
    }
}

enum LZF {
    private static let hlog = 16
    private static let maxLit = 1 << 5
    private static let maxOff = 1 << 13
    private static let maxRef = (1 << 8) + (1 << 3)

    /// Compresses `input` into at most `limit` bytes; nil when it doesn't fit (or input is empty).
    static func compress(_ input: UnsafeRawBufferPointer, limit: Int, table: LZFTable = LZFTable()) -> [UInt8]? {
        let n = input.count
        if n == 0 || limit <= 0 { return nil }
        let ip = input.bindMemory(to: UInt8.self)
        var out = [UInt8](repeating: 0, count: limit)
        let base = table.begin(n)
        let ok: Int? = out.withUnsafeMutableBufferPointer { op in
            do {
                let ht = table.slots
                // A slot's position this call, or 0 ("empty") for one left by an earlier call.
                @inline(__always) func load(_ s: Int) -> Int { let v = ht[s]; return v > base ? Int(v - base - 1) : 0 }
                @inline(__always) func store(_ s: Int, _ pos: Int) { ht[s] = base + UInt32(pos) + 1 }
                var i = 0, o = 0, lit = 0
                o += 1   // start a literal run
                @inline(__always) func idx(_ h: UInt32) -> Int {
                    Int(((h >> UInt32(3 * 8 - hlog)) &- h &* 5) & UInt32((1 << hlog) - 1))
                }
                var hval = UInt32(ip[0]) << 8 | (n > 1 ? UInt32(ip[1]) : 0)
                while i < n - 2 {
                    hval = (hval << 8) | UInt32(ip[i + 2])
                    let slot = idx(hval)
                    let ref = load(slot)
                    store(slot, i)
                    let off = i - ref - 1
                    if ref > 0 && off < maxOff && ip[ref + 2] == ip[i + 2] && ip[ref] == ip[i] && ip[ref + 1] == ip[i + 1] {
                        var len = 2
                        let maxlen = min(n - i - len, maxRef)
                        if o + 3 + 1 >= limit {
                            if o - (lit == 0 ? 1 : 0) + 3 + 1 >= limit { return nil }
                        }
                        op[o - lit - 1] = UInt8(truncatingIfNeeded: lit - 1)   // close the run
                        if lit == 0 { o -= 1 }                                  // drop an empty run
                        repeat { len += 1 } while len < maxlen && ip[ref + len] == ip[i + len]
                        len -= 2   // now the number of octets - 1
                        i += 1
                        if len < 7 {
                            op[o] = UInt8((off >> 8) + (len << 5)); o += 1
                        } else {
                            op[o] = UInt8((off >> 8) + (7 << 5)); op[o + 1] = UInt8(len - 7); o += 2
                        }
                        op[o] = UInt8(truncatingIfNeeded: off); o += 1
                        lit = 0; o += 1   // start a new run
                        i += len + 1
                        if i >= n - 2 { break }
                        // Hash the two positions before the resume point, as lzf_c.c does.
                        i -= 2
                        for _ in 0..<2 {
                            hval = UInt32(ip[i]) << 16 | UInt32(ip[i + 1]) << 8 | UInt32(ip[i + 2])
                            store(idx(hval), i)
                            i += 1
                        }
                        hval = UInt32(ip[i]) << 8 | UInt32(ip[i + 1])
                    } else {
                        if o >= limit { return nil }
                        lit += 1; op[o] = ip[i]; o += 1; i += 1
                        if lit == maxLit { op[o - lit - 1] = UInt8(lit - 1); lit = 0; o += 1 }
                    }
                }
                if o + 3 > limit { return nil }
                while i < n {
                    if o >= limit { return nil }
                    lit += 1; op[o] = ip[i]; o += 1; i += 1
                    if lit == maxLit {
                        op[o - lit - 1] = UInt8(lit - 1); lit = 0
                        if o >= limit { return nil }
                        o += 1
                    }
                }
                op[o - lit - 1] = UInt8(truncatingIfNeeded: lit - 1)
                if lit == 0 { o -= 1 }
                return o
            }
        }
        guard let size = ok, size <= limit else { return nil }
        out.removeLast(limit - size)
        return out
    }

    /// Decompresses `input` into exactly `expected` bytes; nil when the stream is malformed or
    /// its output length differs.
    static func decompress(_ input: UnsafeRawBufferPointer, expected: Int) -> [UInt8]? {
        if expected < 0 { return nil }
        var out = [UInt8](repeating: 0, count: expected)
        let n = input.count
        let written: Int? = out.withUnsafeMutableBufferPointer { op in
            var i = 0, o = 0
            while i < n {
                var ctrl = Int(input[i]); i += 1
                if ctrl < 32 {
                    ctrl += 1
                    if o + ctrl > expected || i + ctrl > n { return nil }
                    for k in 0..<ctrl { op[o + k] = input[i + k] }
                    o += ctrl; i += ctrl
                } else {
                    var len = ctrl >> 5
                    var ref = o - ((ctrl & 0x1f) << 8) - 1
                    if i >= n { return nil }
                    if len == 7 {
                        len += Int(input[i]); i += 1
                        if i >= n { return nil }
                    }
                    ref -= Int(input[i]); i += 1
                    if o + len + 2 > expected || ref < 0 { return nil }
                    for _ in 0..<(len + 2) { op[o] = op[ref]; o += 1; ref += 1 }
                }
            }
            return o
        }
        guard written == expected else { return nil }
        return out
    }
}
