// The compact encoding of small sorted sets (Redis's listpack zsets, t_zset.c zzl*): every
// element in one contiguous byte buffer, in (score, member) order. An entry is
//   varint(member length) · member bytes · score (the Double's 8 bytes, little-endian)
// Positions are byte offsets of entries. Every operation is a linear scan, O(N), as in Redis:
// N is bounded by zset-max-listpack-entries (and members by zset-max-listpack-value).
//
// Scores are stored as doubles, which holds exactly what Redis's textual listpack scores hold,
// except -0: Redis writes it as "-0", which its listpack turns into the integer 0, so a
// listpack never keeps a negative zero (a skiplist does). `insert` normalizes it the same way.
//
// Invariants (checked by `check()` in debug builds): entries parse back to back to exactly
// `bytes.count`, there are `count` of them, strictly increasing by (score, member), no NaN or
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
    @inline(__always) var next: Int { memberStart + memberCount + 8 }
}

struct ZsetListpack {
    var bytes: [UInt8] = []
    private(set) var count = 0

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
        let bits = p.loadUnaligned(fromByteOffset: i + len, as: UInt64.self)
        return ZLPEntry(offset: o, memberStart: i, memberCount: len, score: Double(bitPattern: UInt64(littleEndian: bits)))
    }

    @inline(__always) static func member(_ p: UnsafeRawBufferPointer, _ e: ZLPEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: p[e.memberStart..<(e.memberStart + e.memberCount)])
    }

    /// Runs `body` with the buffer's bytes.
    @inline(__always) func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes(body)
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

    /// Opens a gap of `size` bytes at `offset` and writes the entry there.
    private mutating func write(_ member: UnsafeRawBufferPointer, _ score: Double, at offset: Int) {
        let hdr = ZsetListpack.varintSize(member.count)
        let size = hdr + member.count + 8
        let old = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: size))
        bytes.withUnsafeMutableBytes { p in
            let base = p.baseAddress!
            if offset < old { memmove(base + offset + size, base + offset, old - offset) }
            var v = member.count
            var i = offset
            while v >= 0x80 { p[i] = UInt8(v & 0x7F) | 0x80; v >>= 7; i += 1 }
            p[i] = UInt8(v)
            i += 1
            if member.count > 0 { (base + i).copyMemory(from: member.baseAddress!, byteCount: member.count) }
            let stored = score == 0 ? 0.0 : score   // no negative zero, as in Redis's listpack
            (base + i + member.count).storeBytes(of: stored.bitPattern.littleEndian, as: UInt64.self)
        }
        count += 1
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

    /// Appends an element that sorts after every present one (building from sorted input). O(1) amortized.
    mutating func append(_ member: UnsafeRawBufferPointer, _ score: Double) {
        write(member, score, at: bytes.count)
    }

    /// Removes the entry at `offset`. O(N).
    mutating func remove(at offset: Int) {
        let end = withBytes { ZsetListpack.entry($0, offset).next }
        removeEntries(offset..<end, count: 1)
    }

    /// Removes `n` whole entries spanning the byte range `r`. O(N).
    mutating func removeEntries(_ r: Range<Int>, count n: Int) {
        if r.isEmpty { return }
        bytes.removeSubrange(r)
        count -= n
    }

    mutating func removeAll() { bytes.removeAll(); count = 0 }
}
