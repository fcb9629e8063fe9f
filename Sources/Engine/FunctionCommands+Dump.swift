// FUNCTION DUMP / RESTORE payloads (functions.c + rdb.c): per library the opcode
// RDB_OPCODE_FUNCTION2 (245) and the library code as an RDB string, inside the DUMP framing
// (RDB version + CRC64, CRC64.swift). Strings are written uncompressed (Redis LZF-compresses
// codes over 20 bytes; both load either form), and RESTORE also reads LZF strings.

enum FunctionPayload {
    static let opcodeFunction2: UInt8 = 245

    static func appendLength(_ out: inout [UInt8], _ n: Int) {
        if n < 64 { out.append(UInt8(n)) }
        else if n < 16384 { out.append(0x40 | UInt8(n >> 8)); out.append(UInt8(n & 0xFF)) }
        else if n <= Int(UInt32.max) {
            out.append(0x80)
            for s in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: n >> s)) }
        } else {
            out.append(0x81)
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: n >> s)) }
        }
    }

    static func encode(_ libs: [FunctionLibrary]) -> [UInt8] {
        var body: [UInt8] = []
        for l in libs {
            body.append(opcodeFunction2)
            appendLength(&body, l.code.count)
            body.append(contentsOf: l.code)
        }
        return dumpPayload(body)
    }

    /// Library codes in `body`, nil when malformed.
    static func decode(_ b: UnsafeRawBufferPointer) -> [[UInt8]]? {
        var pos = 0
        var out: [[UInt8]] = []
        func length() -> (Int, Bool)? {   // (value, isEncoded)
            guard pos < b.count else { return nil }
            let first = b[pos]; pos += 1
            switch first >> 6 {
            case 0: return (Int(first & 0x3F), false)
            case 1:
                guard pos < b.count else { return nil }
                let v = Int(first & 0x3F) << 8 | Int(b[pos]); pos += 1
                return (v, false)
            case 2:
                let n = first == 0x80 ? 4 : first == 0x81 ? 8 : 0
                guard n > 0, pos + n <= b.count else { return nil }
                var v = 0
                for _ in 0..<n { v = v << 8 | Int(b[pos]); pos += 1 }
                return (v, false)
            default: return (Int(first & 0x3F), true)
            }
        }
        func string() -> [UInt8]? {
            guard let (n, encoded) = length() else { return nil }
            if !encoded {
                guard pos + n <= b.count else { return nil }
                defer { pos += n }
                return Array(b[pos..<(pos + n)])
            }
            guard n == 3, let (clen, _) = length(), let (ulen, _) = length(), pos + clen <= b.count else { return nil }
            defer { pos += clen }
            return lzfDecompress(UnsafeRawBufferPointer(rebasing: b[pos..<(pos + clen)]), ulen)
        }
        while pos < b.count {
            guard b[pos] == opcodeFunction2 else { return nil }
            pos += 1
            guard let code = string() else { return nil }
            out.append(code)
        }
        return out
    }

    /// LZF (liblzf, as Redis bundles it) decompression.
    static func lzfDecompress(_ src: UnsafeRawBufferPointer, _ outLen: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(outLen)
        var i = 0
        while i < src.count {
            let ctrl = Int(src[i]); i += 1
            if ctrl < 32 {
                let n = ctrl + 1
                guard i + n <= src.count else { return nil }
                out.append(contentsOf: src[i..<(i + n)]); i += n
            } else {
                var len = ctrl >> 5
                guard i < src.count else { return nil }
                if len == 7 { len += Int(src[i]); i += 1; guard i < src.count else { return nil } }
                let back = ((ctrl & 0x1F) << 8) + Int(src[i]) + 1
                i += 1
                guard back <= out.count else { return nil }
                var ref = out.count - back
                for _ in 0..<(len + 2) { out.append(out[ref]); ref += 1 }
            }
        }
        return out.count == outLen ? out : nil
    }
}

extension FunctionCommands {
    static func dump(_ c: Call) {
        let s = c.engine.scripting
        c.client.out.writeBulk(FunctionPayload.encode(s.libraryOrder.compactMap { s.libraries[$0] }))
    }

    static func restore(_ c: Call) {
        enum Policy { case flush, append, replace }
        var policy = Policy.append
        if c.argv.count > 4 { c.syntaxError(); return }
        if c.argv.count == 4 {
            if c.argv.isEqual(3, "flush") { policy = .flush }
            else if c.argv.isEqual(3, "append") { policy = .append }
            else if c.argv.isEqual(3, "replace") { policy = .replace }
            else { c.error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."); return }
        }
        guard let body = dumpPayloadBody(c.argv[2]) else { c.error("ERR DUMP payload version or checksum are wrong"); return }
        guard let codes = FunctionPayload.decode(body) else { c.error("ERR given payload is not a valid function payload"); return }
        let s = c.engine.scripting
        // Validate against the current set first (APPEND must not change anything on collision).
        var names: [String] = []
        for code in codes {
            guard case .success(let (name, _)) = Scripting.libraryMetadata(code) else { c.error("ERR given payload is not a valid function payload"); return }
            if policy == .append && s.libraries[name] != nil { c.error("ERR Library \(name) already exists"); return }
            names.append(name)
        }
        let saved = s.libraryOrder.compactMap { s.libraries[$0] }.map(\.code)
        if policy == .flush { s.flushFunctions() }
        for code in codes {
            if case .failure(let e) = s.loadLibrary(code, replace: policy != .append) {
                // Roll back to the libraries we had.
                s.flushFunctions()
                for old in saved { _ = s.loadLibrary(old, replace: true) }
                c.error(e.text)
                return
            }
        }
        c.engine.dirty += 1
        c.ok()
    }
}
