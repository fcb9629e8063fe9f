// The compact encoding of small sorted sets (Redis's listpack zsets, t_zset.c zzl*): every
// element in one contiguous malloc'd byte buffer, in (score, member) order, sized exactly
// (realloc on every change, as Redis's listpack does) so a 5-member zset costs ~50 bytes.
// An entry is
//   varint(member length) · member bytes · score
// and a score is one tag byte, then:
//   0x00...0x7F  nothing: the integer score 0...127
//   0x81...0x88  1...8 bytes: an integer score, little-endian two's complement
//   0x80         8 bytes: any other double (its bit pattern, little-endian)
// Positions are byte offsets of entries. Every operation is a linear scan, O(N), as in Redis:
// N is bounded by zset-max-listpack-entries (and members by zset-max-listpack-value).
//
// Doubles round-trip exactly, like Redis's textual listpack scores, except -0: Redis writes it
// as "-0", which its listpack turns into the integer 0, so a listpack never keeps a negative
// zero (a skiplist does). Writing a score normalizes it the same way.
//
// Invariants (checked by `check()` in debug builds): entries parse back to back to exactly
// `byteCount`, there are `count` of them, strictly increasing by (score, member), no NaN or
// negative-zero score.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ZLPEntry {
    var offset: Int
    var memberStart: Int
    var memberCount: Int
    var score: Double
    var next: Int
}

/// Owns its buffer (freed on deinit), hence noncopyable: `clone()` copies explicitly.
struct ZsetListpack: ~Copyable {
    private var base: UnsafeMutableRawPointer? = nil
    private var used: UInt32 = 0
    private var entries: UInt32 = 0

    init() {}
    deinit { free(base) }

    /// Number of elements. O(1).
    var count: Int { Int(entries) }
    /// Bytes in use. O(1).
    var byteCount: Int { Int(used) }

    /// An independent copy. O(N).
    func clone() -> ZsetListpack {
        var c = ZsetListpack()
        if used > 0 {
            c.base = malloc(Int(used))
            c.base!.copyMemory(from: base!, byteCount: Int(used))
        }
        c.used = used
        c.entries = entries
        return c
    }

    // MARK: reading

    /// The entry at byte offset `o` of `p` (the buffer's bytes).
    @inline(__always) static func entry(_ p: UnsafeRawBufferPointer, _ o: Int) -> ZLPEntry {
        var len = 0
        var shift = 0
        var i = o
        while true {
            let b = p[i]
            len |= Int(b & 0x7F) << shift
            i += 1
            if b < 0x80 { break }
            shift += 7
        }
        let s = i + len
        let tag = p[s]
        if tag < 0x80 {
            return ZLPEntry(offset: o, memberStart: i, memberCount: len, score: Double(tag), next: s + 1)
        }
        if tag == 0x80 {
            let bits = p.loadUnaligned(fromByteOffset: s + 1, as: UInt64.self)
            return ZLPEntry(offset: o, memberStart: i, memberCount: len,
                            score: Double(bitPattern: UInt64(littleEndian: bits)), next: s + 9)
        }
        let n = Int(tag - 0x80)
        var v: UInt64 = 0
        for k in 0..<n { v |= UInt64(p[s + 1 + k]) << (8 * k) }
        let unused = UInt64(64 - 8 * n)
        let signed = Int64(bitPattern: v << unused) >> Int64(unused)
        return ZLPEntry(offset: o, memberStart: i, memberCount: len, score: Double(signed), next: s + 1 + n)
    }

    @inline(__always) static func member(_ p: UnsafeRawBufferPointer, _ e: ZLPEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: p[e.memberStart..<(e.memberStart + e.memberCount)])
    }

    /// Runs `body` with the buffer's bytes.
    @inline(__always) func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(UnsafeRawBufferPointer(start: base, count: Int(used)))
    }

    /// Offsets of every entry in order (for backward walks and rank seeks). O(N).
    func offsets() -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        withBytes { p in
            var o = 0
            while o < p.count { out.append(o); o = ZsetListpack.entry(p, o).next }
        }
        return out
    }

    /// (offset, 0-based index, score) of `member`, nil when absent. O(N).
    func find(_ member: UnsafeRawBufferPointer) -> (offset: Int, index: Int, score: Double)? {
        withBytes { p in
            var o = 0
            var i = 0
            while o < p.count {
                let e = ZsetListpack.entry(p, o)
                if e.memberCount == member.count && bytesEqual(ZsetListpack.member(p, e), member) {
                    return (o, i, e.score)
                }
                o = e.next
                i += 1
            }
            return nil
        }
    }

    /// Calls `body` for each entry from offset `from` until it returns false. O(N).
    func forEach(from: Int = 0, _ body: (UnsafeRawBufferPointer, Double) -> Bool) {
        withBytes { p in
            var o = from
            while o < p.count {
                let e = ZsetListpack.entry(p, o)
                if !body(ZsetListpack.member(p, e), e.score) { return }
                o = e.next
            }
        }
    }

    // MARK: writing

    @inline(__always) static func varintSize(_ n: Int) -> Int {
        var s = 1
        var v = n >> 7
        while v != 0 { s += 1; v >>= 7 }
        return s
    }

    /// The integer a score is stored as, when it is one (-0 counts as 0).
    @inline(__always) static func integral(_ d: Double) -> Int64? {
        guard d == d.rounded(.towardZero), d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0 else { return nil }
        return Int64(d)
    }

    /// Bytes after the tag for an integer score (0 for 0...127).
    @inline(__always) static func intBytes(_ v: Int64) -> Int {
        if v >= 0 && v < 0x80 { return 0 }
        var n = 1
        while n < 8 && !(v >= -(1 << (8 * n - 1)) && v < (1 << (8 * n - 1))) { n += 1 }
        return n
    }

    @inline(__always) static func entrySize(_ memberCount: Int, _ score: Double) -> Int {
        let scoreSize = integral(score).map { 1 + intBytes($0) } ?? 9
        return varintSize(memberCount) + memberCount + scoreSize
    }

    /// Writes an entry at `p` (exactly `entrySize` bytes).
    private static func encode(_ member: UnsafeRawBufferPointer, _ score: Double, at p: UnsafeMutableRawPointer) {
        var v = member.count
        var i = 0
        while v >= 0x80 { p.storeBytes(of: UInt8(v & 0x7F) | 0x80, toByteOffset: i, as: UInt8.self); v >>= 7; i += 1 }
        p.storeBytes(of: UInt8(v), toByteOffset: i, as: UInt8.self)
        i += 1
        if member.count > 0 { (p + i).copyMemory(from: member.baseAddress!, byteCount: member.count) }
        i += member.count
        if let n = integral(score) {
            let extra = intBytes(n)
            if extra == 0 { p.storeBytes(of: UInt8(n), toByteOffset: i, as: UInt8.self); return }
            p.storeBytes(of: UInt8(0x80 + extra), toByteOffset: i, as: UInt8.self)
            let bits = UInt64(bitPattern: n)
            for k in 0..<extra { p.storeBytes(of: UInt8(truncatingIfNeeded: bits >> (8 * k)), toByteOffset: i + 1 + k, as: UInt8.self) }
        } else {
            p.storeBytes(of: UInt8(0x80), toByteOffset: i, as: UInt8.self)
            (p + i + 1).storeBytes(of: score.bitPattern.littleEndian, as: UInt64.self)
        }
    }

    /// Resizes the buffer to exactly `n` bytes.
    private mutating func resize(_ n: Int) {
        if n == 0 { free(base); base = nil; return }
        guard let p = realloc(base, n) else { fatalError("out of memory growing a sorted set") }
        base = p
    }

    /// Opens a gap at `offset` and writes the entry there.
    private mutating func write(_ member: UnsafeRawBufferPointer, _ score: Double, at offset: Int) {
        let size = ZsetListpack.entrySize(member.count, score)
        let old = Int(used)
        resize(old + size)
        let p = base!
        if offset < old { memmove(p + offset + size, p + offset, old - offset) }
        ZsetListpack.encode(member, score, at: p + offset)
        used = UInt32(old + size)
        entries += 1
    }

    /// Inserts a member known to be absent at its (score, member) place (zzlInsert). O(N).
    mutating func insert(_ member: UnsafeRawBufferPointer, _ score: Double) {
        let at: Int = withBytes { p in
            var o = 0
            while o < p.count {
                let e = ZsetListpack.entry(p, o)
                if e.score > score || (e.score == score && compareBytes(ZsetListpack.member(p, e), member) > 0) { return o }
                o = e.next
            }
            return p.count
        }
        write(member, score, at: at)
    }

    /// Appends an element that sorts after every present one. O(N) (one realloc).
    mutating func append(_ member: UnsafeRawBufferPointer, _ score: Double) {
        write(member, score, at: Int(used))
    }

    /// Fills an empty listpack from sorted, distinct elements with one allocation. O(N).
    mutating func fill(_ elements: [(Bytes, Double)]) {
        precondition(used == 0, "fill on a non-empty listpack")
        var total = 0
        for (m, s) in elements { total += ZsetListpack.entrySize(m.count, s) }
        resize(total)
        var o = 0
        for (m, s) in elements {
            m.withBytes { ZsetListpack.encode($0, s, at: base! + o) }
            o += ZsetListpack.entrySize(m.count, s)
        }
        used = UInt32(total)
        entries = UInt32(elements.count)
    }

    /// Removes the entry at `offset`. O(N).
    mutating func remove(at offset: Int) {
        let end = withBytes { ZsetListpack.entry($0, offset).next }
        removeEntries(offset..<end, count: 1)
    }

    /// Removes `n` whole entries spanning the byte range `r`. O(N).
    mutating func removeEntries(_ r: Range<Int>, count n: Int) {
        if r.isEmpty { return }
        let old = Int(used)
        if r.upperBound < old { memmove(base! + r.lowerBound, base! + r.upperBound, old - r.upperBound) }
        used = UInt32(old - r.count)
        entries -= UInt32(n)
        resize(Int(used))
    }
}
