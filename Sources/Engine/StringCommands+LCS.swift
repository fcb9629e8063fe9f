// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] (Redis 7.0 t_string.c lcsCommand).
//
// The classic dynamic-programming table of LCS lengths, (alen+1)*(blen+1) UInt32 cells, then
// a walk back from the end that rebuilds the common subsequence and, for IDX, emits the
// matching ranges from the last to the first. The table is transient memory bounded by
// proto-max-bulk-len as in Redis. Missing keys read as empty strings.
// Complexity: O(N*M) time and memory for strings of lengths N and M.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension StringCommands {
    static func lcs(_ c: Call) {
        let va = c.lookup(c.argv[1]), vb = c.lookup(c.argv[2])
        if (va.map { !$0.isString } ?? false) || (vb.map { !$0.isString } ?? false) {
            c.error("ERR The specified keys must contain string values")
            return
        }
        var getLen = false, getIdx = false, withMatchLen = false
        var minMatchLen: Int64 = 0
        var j = 3
        while j < c.argv.count {
            let more = c.argv.count - 1 - j
            if c.argv.isEqual(j, "idx") {
                getIdx = true
            } else if c.argv.isEqual(j, "len") {
                getLen = true
            } else if c.argv.isEqual(j, "withmatchlen") {
                withMatchLen = true
            } else if c.argv.isEqual(j, "minmatchlen") && more > 0 {
                guard let n = c.argv.int(j + 1) else { c.notInteger(); return }
                minMatchLen = max(n, 0)
                j += 1
            } else {
                c.syntaxError()
                return
            }
            j += 1
        }
        if getLen && getIdx {
            c.error("ERR If you want both the length and indexes, please just use IDX.")
            return
        }
        let empty = Value.small(InlineBytes())
        (va ?? empty).withStringBytes { a in
            (vb ?? empty).withStringBytes { b in
                lcsReply(c, a, b, getLen: getLen, getIdx: getIdx, withMatchLen: withMatchLen, minMatchLen: minMatchLen)
            }
        }
    }

    private static func lcsReply(_ c: Call, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer,
                                 getLen: Bool, getIdx: Bool, withMatchLen: Bool, minMatchLen: Int64) {
        if a.count >= Int(UInt32.max) - 1 || b.count >= Int(UInt32.max) - 1 {
            c.error("ERR String too long for LCS")
            return
        }
        let alen = a.count, blen = b.count
        let cells = (alen + 1) * (blen + 1)
        let bytes = cells.multipliedReportingOverflow(by: 4)
        if !bytes.overflow && Int64(bytes.partialValue) > protoMaxBulkLen {
            c.error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
            return
        }
        guard !bytes.overflow, let mem = malloc(bytes.partialValue) else {
            c.error("ERR Insufficient memory, failed allocating transient memory for LCS")
            return
        }
        defer { free(mem) }
        let table = mem.assumingMemoryBound(to: UInt32.self)
        let stride = blen + 1
        @inline(__always) func at(_ i: Int, _ j: Int) -> UInt32 { table[j + i * stride] }

        for i in 0...alen {
            for j in 0...blen {
                if i == 0 || j == 0 {
                    table[j + i * stride] = 0
                } else if a[i - 1] == b[j - 1] {
                    table[j + i * stride] = at(i - 1, j - 1) + 1
                } else {
                    table[j + i * stride] = max(at(i - 1, j), at(i, j - 1))
                }
            }
        }
        let total = Int(at(alen, blen))
        if getLen { c.int(total); return }

        // Walk back, rebuilding the subsequence and the ranges of contiguous matches.
        var result = [UInt8](repeating: 0, count: total)
        var ranges: [(aStart: Int, aEnd: Int, bStart: Int, bEnd: Int)] = []
        var idx = total
        var i = alen, j = blen
        var aStart = alen, aEnd = 0, bStart = 0, bEnd = 0   // aStart == alen: no open range
        while i > 0 && j > 0 {
            var emit = false
            if a[i - 1] == b[j - 1] {
                result[idx - 1] = a[i - 1]
                if aStart == alen {
                    aStart = i - 1; aEnd = i - 1
                    bStart = j - 1; bEnd = j - 1
                } else if aStart == i && bStart == j {
                    aStart -= 1; bStart -= 1
                } else {
                    emit = true
                }
                if aStart == 0 || bStart == 0 { emit = true }
                idx -= 1; i -= 1; j -= 1
            } else {
                if at(i - 1, j) > at(i, j - 1) { i -= 1 } else { j -= 1 }
                if aStart != alen { emit = true }
            }
            if emit {
                let matchLen = aEnd - aStart + 1
                if minMatchLen == 0 || Int64(matchLen) >= minMatchLen {
                    ranges.append((aStart, aEnd, bStart, bEnd))
                }
                aStart = alen
            }
        }

        guard getIdx else {
            result.withUnsafeBytes { c.bulk($0) }
            return
        }
        c.map(2)
        c.bulk("matches")
        c.array(ranges.count)
        for r in ranges {
            c.array(withMatchLen ? 3 : 2)
            c.array(2); c.int(r.aStart); c.int(r.aEnd)
            c.array(2); c.int(r.bStart); c.int(r.bEnd)
            if withMatchLen { c.int(r.aEnd - r.aStart + 1) }
        }
        c.bulk("len")
        c.int(total)
    }
}
