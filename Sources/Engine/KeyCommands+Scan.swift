// KEYS and SCAN (db.c keysCommand, scanGenericCommand). SCAN's cursor is opaque: whatever
// `Database.scan` hands back, printed and parsed as an unsigned 64-bit decimal like Redis's
// strtoul, so clients can round-trip any value Redis could give them.

extension KeyCommands {
    static func scanSpecs() -> [CommandSpec] {
        [
            CommandSpec("keys", arity: 2, flags: [.readonly], categories: ["keyspace", "dangerous"], group: "generic",
                        summary: "Find all keys matching the given pattern",
                        complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
                        handler: keys),
            CommandSpec("scan", arity: -2, flags: [.readonly], categories: ["keyspace"], group: "generic",
                        summary: "Incrementally iterate the keys space",
                        complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
                        since: "2.8.0", handler: scan),
        ]
    }

    /// O(N): every key is visited. Logically expired keys are skipped but left for expiry to
    /// reclaim (Redis's keyIsExpired, no deletion while iterating).
    static func keys(_ c: Call) {
        let pattern = c.argv[1]
        let all = pattern.count == 1 && pattern[0] == 42
        let now = c.now
        var out: [Bytes] = []
        c.db.forEach { k, _, at in
            if let at = at, now > at { return }
            if all || k.withBytes({ globMatch(pattern: pattern, $0, nocase: false) }) { out.append(k) }
        }
        c.array(out.count)
        for k in out { c.bulk(k) }
    }

    /// Redis's parseScanCursorOrReply (strtoul base 10): optional sign (a negative value wraps,
    /// as strtoul does), digits, nothing after; a leading space or overflow is an error. Like
    /// the C code, the empty string parses as 0 and bytes after a NUL are ignored.
    static func parseCursor(_ raw: UnsafeRawBufferPointer) -> UInt64? {
        var n = raw.count
        if let z = raw.firstIndex(of: 0) { n = z }
        if n == 0 { return 0 }
        let isSpace: (UInt8) -> Bool = { $0 == 32 || ($0 >= 9 && $0 <= 13) }
        if isSpace(raw[0]) { return nil }
        var i = 0
        var neg = false
        if raw[0] == 43 || raw[0] == 45 { neg = raw[0] == 45; i = 1 }
        if i == n || raw[i] < 48 || raw[i] > 57 { return nil }
        var v: UInt64 = 0
        while i < n {
            let d = raw[i] &- 48
            if d > 9 { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        return neg ? 0 &- v : v
    }

    /// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. Gathers `Database.scan` steps
    /// until COUNT keys or 10×COUNT steps, then filters by pattern, type and expiry.
    static func scan(_ c: Call) {
        let a = c.argv
        guard var cursor = parseCursor(a[1]) else { c.error(WireError.invalidCursor); return }
        guard let opts = ScanOptions.parse(c, from: 2, allowType: true) else { return }
        let count = opts.count, pattern = opts.pattern, typeName = opts.typeName

        let d = c.db
        var found: [Bytes] = []
        var maxIterations = count.multipliedReportingOverflow(by: 10).overflow ? Int.max : count * 10
        repeat {
            cursor = d.scan(cursor) { k, _ in found.append(k) }
            let more = maxIterations != 0
            maxIterations -= 1
            if !more { break }
        } while cursor != 0 && found.count < count

        var keys: [Bytes] = []
        keys.reserveCapacity(found.count)
        for k in found {
            let keep: Bool = k.withBytes { raw in
                if let p = pattern, !globMatch(pattern: p, raw, nocase: false) { return false }
                if let t = typeName {
                    // As Redis: a read lookup (counts a hit or miss, reclaims if expired), no touch.
                    let v = c.engine.lookup(db: c.client.db, raw, touch: false)
                    if !cStringEqualsIgnoringCase(t, v?.typeName ?? "none") { return false }
                }
                return !c.engine.expireIfNeeded(d, raw)
            }
            if keep { keys.append(k) }
        }

        c.array(2)
        c.bulk(String(cursor))
        c.array(keys.count)
        for k in keys { c.bulk(k) }
    }

    /// strcasecmp(arg, name) == 0, reading `arg` as a C string (up to its first NUL).
    static func cStringEqualsIgnoringCase(_ arg: UnsafeRawBufferPointer, _ name: String) -> Bool {
        var n = arg.count
        if let z = arg.firstIndex(of: 0) { n = z }
        let u = Array(name.utf8)
        if n != u.count { return false }
        for j in 0..<n {
            var x = arg[j], y = u[j]
            if x >= 65 && x <= 90 { x |= 0x20 }
            if y >= 65 && y <= 90 { y |= 0x20 }
            if x != y { return false }
        }
        return true
    }
}

/// SCAN / HSCAN / SSCAN / ZSCAN options: COUNT (>= 1, default 10), MATCH (`*` = no filter) and,
/// for SCAN only, TYPE; later options win. Replies Redis's error and returns nil when invalid.
struct ScanOptions {
    var count = 10
    var pattern: UnsafeRawBufferPointer? = nil
    var typeName: UnsafeRawBufferPointer? = nil

    static func parse(_ c: Call, from: Int, allowType: Bool) -> ScanOptions? {
        let a = c.argv
        var o = ScanOptions()
        var i = from
        while i < a.count {
            let more = a.count - i
            if a.isEqual(i, "count") && more >= 2 {
                guard let v = a.int(i + 1) else { c.notInteger(); return nil }
                if v < 1 { c.syntaxError(); return nil }
                o.count = Int(v)
            } else if a.isEqual(i, "match") && more >= 2 {
                let p = a[i + 1]
                o.pattern = (p.count == 1 && p[0] == 42) ? nil : p
            } else if allowType && a.isEqual(i, "type") && more >= 2 {
                o.typeName = a[i + 1]
            } else {
                c.syntaxError(); return nil
            }
            i += 2
        }
        return o
    }
}
