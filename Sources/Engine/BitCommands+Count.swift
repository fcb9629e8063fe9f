// BITCOUNT key [start end [BYTE|BIT]] and BITPOS key bit [start [end [BYTE|BIT]]].
//
// Argument handling is Redis 7.0.15's, which looks the key up before parsing the range: a
// missing key answers 0 (BITCOUNT) or -1/0 (BITPOS) whatever the range arguments are. Ranges
// are in bytes unless BIT is given; negative indexes count from the end. In BIT mode the
// edge bytes are masked ("neg masks") so only bits inside the range count.
// Both are O(N) in the range length, scanned a 64-bit word at a time.

extension BitCommands {
    static func bitcount(_ c: Call) {
        guard let v = c.lookup(c.argv[1]) else { c.int(0); return }
        guard v.isString else { c.wrongType(); return }
        let argc = c.argv.count
        guard argc == 2 || argc == 4 || argc == 5 else { c.syntaxError(); return }
        var start: Int64 = 0, end: Int64 = -1
        var isBit = false
        if argc >= 4 {
            guard let s = c.argv.int(2), let e = c.argv.int(3) else { c.notInteger(); return }
            if s < 0 && e < 0 && s > e { c.int(0); return }
            if argc == 5 {
                if c.argv.isEqual(4, "bit") { isBit = true }
                else if !c.argv.isEqual(4, "byte") { c.syntaxError(); return }
            }
            start = s; end = e
        }
        v.withStringBytes { p in
            var firstMask: UInt8 = 0, lastMask: UInt8 = 0
            if argc >= 4 {
                (firstMask, lastMask) = normalizeRange(&start, &end, length: p.count, isBit: isBit)
            } else {
                end = Int64(p.count) - 1
            }
            guard start <= end else { c.int(0); return }
            let s = Int(start), e = Int(end)
            var count = popcount(UnsafeRawBufferPointer(rebasing: p[s...e]))
            count -= Int64((p[s] & firstMask).nonzeroBitCount + (p[e] & lastMask).nonzeroBitCount)
            c.int(count)
        }
    }

    static func bitpos(_ c: Call) {
        guard let bit = c.argv.int(2) else { c.notInteger(); return }
        guard bit == 0 || bit == 1 else { c.error("ERR The bit argument must be 1 or 0."); return }
        guard let v = c.lookup(c.argv[1]) else { c.int(bit == 1 ? -1 : 0); return }
        guard v.isString else { c.wrongType(); return }
        let argc = c.argv.count
        guard argc >= 3 && argc <= 6 else { c.syntaxError(); return }
        var start: Int64 = 0, end: Int64 = 0
        var isBit = false, endGiven = false
        if argc >= 4 {
            guard let s = c.argv.int(3) else { c.notInteger(); return }
            start = s
            if argc == 6 {
                if c.argv.isEqual(5, "bit") { isBit = true }
                else if !c.argv.isEqual(5, "byte") { c.syntaxError(); return }
            }
            if argc >= 5 {
                guard let e = c.argv.int(4) else { c.notInteger(); return }
                end = e
                endGiven = true
            }
        }
        v.withStringBytes { p in
            var firstMask: UInt8 = 0, lastMask: UInt8 = 0
            let total = Int64(p.count)
            if argc >= 4 {
                if !endGiven { end = isBit ? (total << 3) + 7 : total - 1 }
                (firstMask, lastMask) = normalizeRange(&start, &end, length: p.count, isBit: isBit)
            } else {
                end = total - 1
            }
            guard start <= end else { c.int(-1); return }
            c.int(bitposInRange(p, start: Int(start), end: Int(end), bit: bit == 1,
                                firstMask: firstMask, lastMask: lastMask, endGiven: endGiven))
        }
    }

    /// Redis's shared range handling for BITCOUNT and BITPOS: negative indexes from the end,
    /// clamping, and in BIT mode byte indexes plus masks for the bits outside the range in the
    /// first and last byte. Returns (firstMask, lastMask).
    private static func normalizeRange(_ start: inout Int64, _ end: inout Int64, length: Int, isBit: Bool) -> (UInt8, UInt8) {
        var total = Int64(length)
        if isBit { total <<= 3 }
        if start < 0 { start = total + start }
        if end < 0 { end = total + end }
        if start < 0 { start = 0 }
        if end < 0 { end = 0 }
        if end >= total { end = total - 1 }
        guard isBit && start <= end else { return (0, 0) }
        let first = ~UInt8(truncatingIfNeeded: (1 << (8 - (start & 7))) - 1)
        let last = UInt8(truncatingIfNeeded: (1 << (7 - (end & 7))) - 1)
        start >>= 3
        end >>= 3
        return (first, last)
    }

    /// The bitpos body of Redis 7.0: the masked first byte, the whole middle, the masked last
    /// byte, each searched in turn. Returns an absolute bit position or -1.
    private static func bitposInRange(_ p: UnsafeRawBufferPointer, start startIn: Int, end: Int, bit: Bool,
                                      firstMask: UInt8, lastMask: UInt8, endGiven: Bool) -> Int64 {
        var start = startIn
        var bytes = end - start + 1
        var pos: Int64
        search: do {
            if firstMask != 0 {
                var ch = bit ? p[start] & ~firstMask : p[start] | firstMask
                if lastMask != 0 && bytes == 1 { ch = bit ? ch & ~lastMask : ch | lastMask }
                pos = withUnsafeBytes(of: ch) { firstBit($0, bit) }
                if bytes == 1 || (pos != -1 && pos != 8) { break search }
                start += 1
                bytes -= 1
            }
            // The last byte is searched on its own when it has bits outside the range.
            let cur = bytes - (lastMask != 0 ? 1 : 0)
            if cur > 0 {
                pos = firstBit(UnsafeRawBufferPointer(rebasing: p[start..<(start + cur)]), bit)
                if bytes == cur || (pos != -1 && pos != Int64(cur) << 3) { break search }
                start += cur
                bytes -= cur
            }
            let ch = bit ? p[end] & ~lastMask : p[end] | lastMask
            pos = withUnsafeBytes(of: ch) { firstBit($0, bit) }
        }
        // With an explicit end, a clear bit found only in the padding past the range is no
        // answer.
        if endGiven && !bit && pos == Int64(bytes) << 3 { return -1 }
        if pos != -1 { pos += Int64(start) << 3 }
        return pos
    }
}

/// Number of set bits (Redis's redisPopcount).
func popcount(_ p: UnsafeRawBufferPointer) -> Int64 {
    let n = p.count
    guard n > 0 else { return 0 }
    let base = p.baseAddress!
    var bits = 0
    var i = 0
    while i + 8 <= n {
        bits += base.loadUnaligned(fromByteOffset: i, as: UInt64.self).nonzeroBitCount
        i += 8
    }
    while i < n { bits += p[i].nonzeroBitCount; i += 1 }
    return Int64(bits)
}

/// Position of the first bit equal to `bit` (Redis's redisBitpos). Looking for a 1 in zeros
/// gives -1; looking for a 0 in ones gives count*8, as if the string were zero-padded.
func firstBit(_ p: UnsafeRawBufferPointer, _ bit: Bool) -> Int64 {
    let n = p.count
    let skip: UInt8 = bit ? 0 : 0xFF
    var i = 0
    if n > 0 {
        let base = p.baseAddress!
        let skipWord: UInt64 = bit ? 0 : ~0
        while i + 8 <= n && base.loadUnaligned(fromByteOffset: i, as: UInt64.self) == skipWord { i += 8 }
    }
    while i < n && p[i] == skip { i += 1 }
    if i == n { return bit ? -1 : Int64(n) << 3 }
    let b = bit ? p[i] : ~p[i]
    return Int64(i) << 3 + Int64(b.leadingZeroBitCount)
}
