// Incremental parser for client requests: RESP multibulk (`*N\r\n$L\r\n...`) and inline
// commands (telnet style). Pure: bytes in, ranges out; no sockets, no allocation per argument
// once warmed up.
//
// It mirrors Redis 7.0's processMultibulkBuffer/processInlineBuffer, including the error texts
// and which errors close the connection, so that clients see the same behaviour:
// - the parser resumes where it stopped (a big bulk arriving in many reads is not rescanned);
// - `*0` / `*-5` and empty inline lines are skipped without a reply;
// - counts and lengths are bounded (`proto-max-bulk-len`, 1 GiB multibulk count, 64 KiB for a
//   line that has no newline yet), and before AUTH smaller bounds apply.

public struct ParserLimits: Sendable {
    public var maxBulkLen: Int = 512 * 1024 * 1024
    public var maxMultibulkLen: Int = Int(Int32.max)
    /// Longest inline request / count line without a newline (PROTO_INLINE_MAX_SIZE).
    public var maxInlineSize: Int = 64 * 1024
    public init() {}
}

public struct ArgRange: Sendable, Equatable {
    public var offset: Int
    public var count: Int
    @inlinable public init(offset: Int, count: Int) { self.offset = offset; self.count = count }
}

public enum ParseResult: Equatable, Sendable {
    /// Need more bytes; everything seen so far is kept in the parser's state.
    case needMore
    /// A complete request of `consumed` bytes; its arguments are in `args` (offsets relative to
    /// the start of the buffer passed in), or in `inlineArgs` when `isInline`.
    case command(consumed: Int)
    /// Bytes that hold no command (blank inline line, `*0`, `*-1`).
    case skip(consumed: Int)
    /// A protocol error: reply with the text, then close the connection.
    case error(String)
}

public struct RequestParser: Sendable {
    public var limits: ParserLimits
    /// Before AUTH, Redis limits multibulk counts to 10 and bulk lengths to 16 KiB.
    public var authenticated = true

    public private(set) var args: [ArgRange] = []
    /// Unescaped inline arguments (inline requests can't point into the buffer).
    public private(set) var inlineArgs: [[UInt8]] = []
    public private(set) var isInline = false

    // Resume state for a multibulk request in progress.
    var expected = 0          // arguments announced by `*N`; 0 = not inside a request
    var pos = 0               // where scanning resumes, relative to the request start
    var bulkLen = -1          // length of the bulk being read, -1 = expecting `$`

    public init(limits: ParserLimits = ParserLimits()) {
        self.limits = limits
        args.reserveCapacity(8)
    }

    /// True while a request has been partly parsed (used to decide whether a buffer may be
    /// compacted: offsets are relative to the request start, so compaction is always safe).
    public var inProgress: Bool { expected > 0 }

    /// Parses one request from `buf`, which must start at the first byte of the request and
    /// keep the bytes passed in earlier calls that returned `.needMore`.
    public mutating func parse(_ buf: UnsafeRawBufferPointer) -> ParseResult {
        if expected == 0 {
            guard buf.count > 0 else { return .needMore }
            if buf[0] != UInt8(ascii: "*") { return parseInline(buf) }
            // `*N\r\n`
            guard let cr = findCR(buf, from: 1) else {
                return buf.count > limits.maxInlineSize ? .error("ERR Protocol error: too big mbulk count string") : .needMore
            }
            guard cr + 1 < buf.count else { return .needMore }
            guard let n = parseInt(buf, 1, cr), n <= limits.maxMultibulkLen else {
                return .error("ERR Protocol error: invalid multibulk length")
            }
            if !authenticated && n > 10 { return .error("ERR Protocol error: unauthenticated multibulk length") }
            if n <= 0 { return .skip(consumed: cr + 2) }
            expected = n
            pos = cr + 2
            bulkLen = -1
            isInline = false
            args.removeAll(keepingCapacity: true)
            if n < 1024 { args.reserveCapacity(n) }
        }
        while args.count < expected {
            if bulkLen < 0 {
                guard pos < buf.count else { return .needMore }
                guard let cr = findCR(buf, from: pos) else {
                    return buf.count - pos > limits.maxInlineSize ? fail("ERR Protocol error: too big bulk count string") : .needMore
                }
                guard cr + 1 < buf.count else { return .needMore }
                if buf[pos] != UInt8(ascii: "$") {
                    return fail("ERR Protocol error: expected '$', got '\(printable(buf[pos]))'")
                }
                guard let l = parseInt(buf, pos + 1, cr), l >= 0, l <= limits.maxBulkLen else {
                    return fail("ERR Protocol error: invalid bulk length")
                }
                if !authenticated && l > 16384 { return fail("ERR Protocol error: unauthenticated bulk length") }
                bulkLen = l
                pos = cr + 2
            }
            // payload + CRLF (Redis skips the two bytes without checking them)
            guard buf.count - pos >= bulkLen + 2 else { return .needMore }
            args.append(ArgRange(offset: pos, count: bulkLen))
            pos += bulkLen + 2
            bulkLen = -1
        }
        let consumed = pos
        expected = 0
        pos = 0
        return .command(consumed: consumed)
    }

    /// Bytes the parser still waits for before the current bulk is complete (0 if unknown);
    /// lets the reader size its next read for a big value.
    public var pendingBulkBytes: Int { bulkLen >= 0 ? bulkLen + 2 : 0 }

    mutating func fail(_ s: String) -> ParseResult {
        expected = 0; pos = 0; bulkLen = -1
        return .error(s)
    }

    mutating func parseInline(_ buf: UnsafeRawBufferPointer) -> ParseResult {
        // Redis finds the end of an inline request with strchr(): a NUL byte before the
        // newline hides it, and the request waits (up to the inline size limit).
        var nl = -1
        for i in 0..<buf.count {
            let b = buf[i]
            if b == 10 { nl = i; break }
            if b == 0 { break }
        }
        if nl < 0 {
            return buf.count > limits.maxInlineSize ? .error("ERR Protocol error: too big inline request") : .needMore
        }
        var end = nl
        if end > 0 && buf[end - 1] == 13 { end -= 1 }
        guard let split = splitArgs(UnsafeRawBufferPointer(rebasing: buf[0..<end])) else {
            return .error("ERR Protocol error: unbalanced quotes in request")
        }
        if split.isEmpty { return .skip(consumed: nl + 1) }
        inlineArgs = split
        isInline = true
        args.removeAll(keepingCapacity: true)
        return .command(consumed: nl + 1)
    }

    @inline(__always)
    func findCR(_ buf: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        let n = buf.count
        // strchr() semantics, as Redis: a NUL ends the search (the line is then incomplete).
        while i < n {
            let b = buf[i]
            if b == 13 { return i }
            if b == 0 { return nil }
            i += 1
        }
        return nil
    }

    func printable(_ b: UInt8) -> String {
        [b].withUnsafeBytes { byteString($0) }
    }
}

/// Redis's string2ll over `buf[from..<to]`: optional '-', digits, no leading zeros except "0",
/// no spaces, must fit in Int64.
@inline(__always)
public func parseInt(_ buf: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Int? {
    guard let v = parseInt64(UnsafeRawBufferPointer(rebasing: buf[from..<to])) else { return nil }
    return Int(v)
}

/// Strict integer parsing as Redis's string2ll: the whole buffer must be the number.
public func parseInt64(_ b: UnsafeRawBufferPointer) -> Int64? {
    let n = b.count
    if n == 0 || n > 20 { return nil }
    if n == 1 && b[0] == 48 { return 0 }
    var i = 0
    var neg = false
    if b[0] == 45 { neg = true; i = 1; if n == 1 { return nil } }
    if b[i] < 49 || b[i] > 57 { return nil }   // first digit 1-9
    var v: UInt64 = 0
    while i < n {
        let d = b[i] &- 48
        if d > 9 { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(d))
        if o1 || o2 { return nil }
        v = a
        i += 1
    }
    if neg {
        if v > UInt64(Int64.max) + 1 { return nil }
        return v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)
    }
    if v > UInt64(Int64.max) { return nil }
    return Int64(v)
}

/// Redis's sdssplitargs: whitespace-separated words, "double quotes" with C escapes and \xHH,
/// 'single quotes' with \' only. A closing quote must be followed by a space or the end.
/// Returns nil for unbalanced quotes.
public func splitArgs(_ line: UnsafeRawBufferPointer) -> [[UInt8]]? {
    var out: [[UInt8]] = []
    var i = 0
    let n = line.count
    // C's isspace() skips between words and follows a closing quote; inside a word only
    // space, \n, \r, \t and NUL end it (sdssplitargs).
    func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }
    func endsWord(_ c: UInt8) -> Bool { c == 32 || c == 10 || c == 13 || c == 9 || c == 0 }
    func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
    while true {
        while i < n && isSpace(line[i]) { i += 1 }
        if i >= n { return out }
        var cur: [UInt8] = []
        var inDQ = false, inSQ = false, done = false
        while !done {
            if inDQ {
                if i >= n { return nil }
                let c = line[i]
                if c == 92 && i + 3 < n && line[i + 1] == 120, let h = hex(line[i + 2]), let l = hex(line[i + 3]) {
                    cur.append(h * 16 + l); i += 3
                } else if c == 92 && i + 1 < n {
                    i += 1
                    switch line[i] {
                    case 110: cur.append(10)
                    case 114: cur.append(13)
                    case 116: cur.append(9)
                    case 98: cur.append(8)
                    case 97: cur.append(7)
                    default: cur.append(line[i])
                    }
                } else if c == 34 {
                    if i + 1 < n && !isSpace(line[i + 1]) { return nil }
                    done = true
                } else {
                    cur.append(c)
                }
            } else if inSQ {
                if i >= n { return nil }
                let c = line[i]
                if c == 92 && i + 1 < n && line[i + 1] == 39 {
                    i += 1; cur.append(39)
                } else if c == 39 {
                    if i + 1 < n && !isSpace(line[i + 1]) { return nil }
                    done = true
                } else {
                    cur.append(c)
                }
            } else {
                if i >= n { done = true; break }
                let c = line[i]
                if endsWord(c) { done = true }
                else if c == 34 { inDQ = true }
                else if c == 39 { inSQ = true }
                else { cur.append(c) }
            }
            if i < n { i += 1 }
        }
        out.append(cur)
    }
}
