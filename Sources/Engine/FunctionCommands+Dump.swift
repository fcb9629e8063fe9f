// FUNCTION DUMP / RESTORE payloads (functions.c + rdb.c): per library the opcode
// RDB_OPCODE_FUNCTION2 and the library code as an RDB string, inside the DUMP framing
// (RDB version + CRC64, CRC64.swift). The RDB codec writes and reads them, so codes over
// 20 bytes are LZF-compressed as Redis does.

enum FunctionPayload {
    static func encode(_ libs: [FunctionLibrary]) -> [UInt8] {
        let w = RdbWriter(compression: true)
        for l in libs { w.writeFunction(l.code) }
        return dumpPayload(w.bytes)
    }

    /// Library codes in `b`, nil when malformed.
    static func decode(_ b: UnsafeRawBufferPointer) -> [[UInt8]]? {
        var r = RdbReader(b)
        var out: [[UInt8]] = []
        do {
            while r.remaining > 0 {
                guard try r.u8() == Rdb.opFunction2 else { return nil }
                out.append(try r.string())
            }
        } catch {
            return nil
        }
        return out
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
