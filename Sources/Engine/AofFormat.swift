// The append-only file's command format (Redis's loadSingleAppendOnlyFile): every command is a
// RESP array of bulk strings; lines starting with '#' are annotations (timestamps) and are
// skipped. Pure: bytes in, one command's argument ranges out, so loading and redis-check-aof
// style validation are tested without files.

public enum AofCommand: Equatable {
    /// One command: its arguments' byte ranges and where the next command starts.
    case command([Range<Int>], next: Int)
    /// An annotation line, skipped; the next command starts at `next`.
    case annotation(next: Int)
    /// The buffer ends inside a command (a torn last write).
    case truncated
    /// Not the AOF format at `offset`.
    case corrupt(offset: Int)
    case end
}

/// Parses the command at `off`. Limits follow Redis: at least one argument, lengths fit memory.
public func parseAofCommand(_ buf: UnsafeRawBufferPointer, at off: Int) -> AofCommand {
    let n = buf.count
    if off >= n { return .end }
    func line(_ from: Int) -> (value: Int64, next: Int)?? {
        // nil = truncated, .some(nil) = malformed
        var i = from + 1
        var v: Int64 = 0
        var neg = false
        if i < n && buf[i] == UInt8(ascii: "-") { neg = true; i += 1 }
        var digits = 0
        while i < n && buf[i] >= 48 && buf[i] <= 57 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(buf[i] - 48))
            if o1 || o2 { return .some(nil) }
            v = a; i += 1; digits += 1
        }
        if i + 1 >= n { return nil }
        if digits == 0 || buf[i] != 13 || buf[i + 1] != 10 { return .some(nil) }
        return .some((neg ? -v : v, i + 2))
    }
    if buf[off] == UInt8(ascii: "#") {
        var i = off
        while i < n && buf[i] != 10 { i += 1 }
        return i < n ? .annotation(next: i + 1) : .truncated
    }
    guard buf[off] == UInt8(ascii: "*") else { return .corrupt(offset: off) }
    guard let h = line(off) else { return .truncated }
    guard let (argc, afterHeader) = h, argc >= 1, argc <= Int64(Int32.max) else { return .corrupt(offset: off) }
    var ranges: [Range<Int>] = []
    ranges.reserveCapacity(Int(min(argc, 1024)))
    var p = afterHeader
    for _ in 0..<argc {
        if p >= n { return .truncated }
        guard buf[p] == UInt8(ascii: "$") else { return .corrupt(offset: p) }
        guard let l = line(p) else { return .truncated }
        guard let (len, start) = l, len >= 0, len <= Int64(Int32.max) else { return .corrupt(offset: p) }
        let end = start + Int(len)
        if end + 2 > n { return .truncated }
        guard buf[end] == 13 && buf[end + 1] == 10 else { return .corrupt(offset: end) }
        ranges.append(start..<end)
        p = end + 2
    }
    return .command(ranges, next: p)
}
