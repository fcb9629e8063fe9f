// RESP2/RESP3 encoding straight into a ByteBuffer. The one encoder of the project: the server's
// replies, the client's requests and the tests all go through it.
// Type mapping per protocol follows Redis 7 (networking.c addReply*): null is `$-1`/`*-1` in
// RESP2 and `_` in RESP3, maps flatten to arrays in RESP2, doubles are bulk strings in RESP2,
// booleans are integers in RESP2, verbatim strings are bulk strings in RESP2.

public enum RESPVersion: UInt8, Sendable { case v2 = 2, v3 = 3 }

extension ByteBuffer {
    @inline(__always) mutating func crlf() {
        reserve(2)
        base.storeBytes(of: 0x0A0D as UInt16, toByteOffset: count, as: UInt16.self)
        count += 2
    }

    @inline(__always) mutating func header(_ prefix: UInt8, _ n: Int) {
        reserve(24)
        base.storeBytes(of: prefix, toByteOffset: count, as: UInt8.self)
        count += 1
        appendDecimal(Int64(n))
        crlf()
    }

    /// `+text`
    public mutating func writeSimple(_ s: StaticString) {
        append(byte: 43); append(s); crlf()
    }
    public mutating func writeSimple(_ s: String) {
        append(byte: 43); append(s); crlf()
    }
    public mutating func writeSimple(_ raw: UnsafeRawBufferPointer) {
        append(byte: 43); append(raw); crlf()
    }
    /// `+OK`
    @inline(__always) public mutating func writeOK() { append("+OK\r\n" as StaticString) }

    /// `-text` (the text carries its own prefix, e.g. `ERR ...`). Newlines are replaced as Redis does.
    public mutating func writeError(_ s: String) {
        append(byte: 45)
        var b = rawBytes(s)
        for i in b.indices where b[i] == 13 || b[i] == 10 { b[i] = 32 }
        append(b); crlf()
    }

    @inline(__always) public mutating func writeInt(_ v: Int64) {
        reserve(24)
        base.storeBytes(of: 58 as UInt8, toByteOffset: count, as: UInt8.self)
        count += 1
        appendDecimal(v)
        crlf()
    }
    @inline(__always) public mutating func writeInt(_ v: Int) { writeInt(Int64(v)) }

    @inline(__always) public mutating func writeBulk(_ raw: UnsafeRawBufferPointer) {
        header(36, raw.count); append(raw); crlf()
    }
    public mutating func writeBulk(_ s: String) {
        var s = s
        s.withUTF8 { writeBulk(UnsafeRawBufferPointer($0)) }
    }
    public mutating func writeBulk(_ s: StaticString) {
        writeBulk(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
    public mutating func writeBulk(_ b: [UInt8]) { b.withUnsafeBytes { writeBulk($0) } }
    /// An integer sent as a bulk string (e.g. GET of an int-encoded value).
    public mutating func writeBulkDecimal(_ v: Int64) {
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let n = withUnsafeMutableBytes(of: &tmp) { formatDecimal(v, into: $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        withUnsafeBytes(of: &tmp) { writeBulk(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }

    /// Null bulk: `$-1` / `_`.
    public mutating func writeNull(_ p: RESPVersion) {
        if p == .v3 { append("_\r\n" as StaticString) } else { append("$-1\r\n" as StaticString) }
    }
    /// Null array: `*-1` / `_`.
    public mutating func writeNullArray(_ p: RESPVersion) {
        if p == .v3 { append("_\r\n" as StaticString) } else { append("*-1\r\n" as StaticString) }
    }

    @inline(__always) public mutating func writeArrayHeader(_ n: Int) { header(42, n) }
    /// A map of `n` pairs: `%n` / `*2n`.
    public mutating func writeMapHeader(_ n: Int, _ p: RESPVersion) {
        if p == .v3 { header(37, n) } else { header(42, n * 2) }
    }
    /// A set of `n` elements: `~n` / `*n`.
    public mutating func writeSetHeader(_ n: Int, _ p: RESPVersion) {
        header(p == .v3 ? 126 : 42, n)
    }
    /// An out-of-band push of `n` elements: `>n` / `*n`.
    public mutating func writePushHeader(_ n: Int, _ p: RESPVersion) {
        header(p == .v3 ? 62 : 42, n)
    }
    /// Attribute-free boolean: `#t` / `:1`.
    public mutating func writeBool(_ b: Bool, _ p: RESPVersion) {
        if p == .v3 { append(b ? "#t\r\n" as StaticString : "#f\r\n") } else { writeInt(b ? 1 : 0) }
    }
    /// A double: `,repr` / bulk string. `repr` is already formatted by the caller.
    public mutating func writeDouble(_ repr: String, _ p: RESPVersion) {
        if p == .v3 { append(byte: 44); append(repr); crlf() } else { writeBulk(repr) }
    }
    /// Verbatim text (`=len\r\ntxt:...`) in RESP3, bulk string in RESP2.
    public mutating func writeVerbatim(_ s: String, format: StaticString = "txt", _ p: RESPVersion) {
        if p == .v3 {
            header(61, s.utf8.count + 4)
            append(format); append(byte: 58); append(s); crlf()
        } else {
            writeBulk(s)
        }
    }
    /// A big number: `(digits` / bulk string.
    public mutating func writeBigNumber(_ digits: String, _ p: RESPVersion) {
        if p == .v3 { append(byte: 40); append(digits); crlf() } else { writeBulk(digits) }
    }

    /// Returns a token for a header whose element count is known only later (Redis's
    /// addReplyDeferredLen); `fillDeferred` inserts it.
    public mutating func beginDeferred() -> Int { count }
    public mutating func fillDeferredArray(_ token: Int, _ n: Int) { fillDeferred(token, 42, n) }
    public mutating func fillDeferredMap(_ token: Int, _ n: Int, _ p: RESPVersion) {
        if p == .v3 { fillDeferred(token, 37, n) } else { fillDeferred(token, 42, n * 2) }
    }
    public mutating func fillDeferredSet(_ token: Int, _ n: Int, _ p: RESPVersion) {
        fillDeferred(token, p == .v3 ? 126 : 42, n)
    }
    mutating func fillDeferred(_ token: Int, _ prefix: UInt8, _ n: Int) {
        var tmp: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let len = withUnsafeMutableBytes(of: &tmp) { t -> Int in
            let p = t.baseAddress!.assumingMemoryBound(to: UInt8.self)
            p[0] = prefix
            let d = formatDecimal(Int64(n), into: p + 1)
            p[1 + d] = 13; p[2 + d] = 10
            return d + 3
        }
        withUnsafeBytes(of: &tmp) { insert(UnsafeRawBufferPointer(rebasing: $0[0..<len]), at: token) }
    }

    /// A request as a client sends it: an array of bulk strings.
    public mutating func writeCommand(_ args: [String]) {
        writeArrayHeader(args.count)
        for a in args { writeBulk(a) }
    }
    public mutating func writeCommand(_ args: [[UInt8]]) {
        writeArrayHeader(args.count)
        for a in args { writeBulk(a) }
    }
}
