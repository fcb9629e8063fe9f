// HRANDFIELD (t_hash.c hrandfieldCommand / hrandfieldWithCountCommand) and HSCAN
// (db.c scanGenericCommand over a hash).
//
// HRANDFIELD reply shapes: without a count, one bulk (null when the key is missing); with a
// count, an array (empty when missing or count is 0). WITHVALUES is a flat field/value array in
// RESP2 and an array of [field, value] pairs in RESP3. A negative count samples with
// repetition; a positive one returns distinct fields, the whole hash when count >= size.
//
// HSCAN on a listpack returns everything in one call with cursor 0, as Redis does; on a
// hashtable it walks BytesMap's cursor, up to COUNT*10 steps. MATCH filters on fields.

extension HashCommands {
    static func hrandfield(_ c: Call) {
        let a = c.argv
        if a.count >= 3 {
            guard let l = a.int(2) else { c.notInteger(); return }
            if l < -Int64.max {
                c.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
                return
            }
            var withValues = false
            if a.count > 4 || (a.count == 4 && !a.isEqual(3, "withvalues")) {
                c.syntaxError(); return
            } else if a.count == 4 {
                withValues = true
                if l < -Int64.max / 2 || l > Int64.max / 2 { c.error("ERR value is out of range"); return }
            }
            randomWithCount(c, l, withValues: withValues)
            return
        }
        switch c.hashForRead(a[1]) {
        case .wrongType: return
        case .missing: c.null()
        case .found(let h):
            if let t = h.table {
                let (f, _) = t.randomElement()!
                c.bulk(f)
            } else {
                let offsets = h.lp.pairOffsets()
                h.lp.pair(at: offsets.randomElement()!) { f, _ in c.bulk(f) }
            }
        }
    }

    static func randomWithCount(_ c: Call, _ l: Int64, withValues: Bool) {
        let h: HashValue
        switch c.hashForRead(c.argv[1]) {
        case .wrongType: return
        case .missing: c.array(0); return
        case .found(let found): h = found
        }
        let unique = l >= 0
        let count = Int(l.magnitude)
        if count == 0 { c.array(0); return }
        let resp3 = c.proto != .v2
        let pairReply: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void = { f, v in
            if withValues && resp3 { c.array(2) }
            c.bulk(f)
            if withValues { c.bulk(v) }
        }
        let size = h.count

        // Case 1: repetitions allowed (or a single field): sample the whole hash each time.
        if !unique || count == 1 {
            c.array(withValues && !resp3 ? count * 2 : count)
            if let t = h.table {
                for _ in 0..<count {
                    let (f, v) = t.randomElement()!
                    f.withBytes { fr in v.withBytes { pairReply(fr, $0) } }
                }
            } else {
                let offsets = h.lp.pairOffsets()
                for _ in 0..<count { h.lp.pair(at: offsets.randomElement()!, pairReply) }
            }
            return
        }

        let replySize = min(count, size)
        c.array(withValues && !resp3 ? replySize * 2 : replySize)
        // Case 2: the whole hash, in its own order.
        if count >= size {
            h.forEach(pairReply)
            return
        }
        // Case 4: count is small next to the size: draw random fields until `count` distinct
        // ones (O(count) expected, as Redis), without copying the whole hash.
        if count * 3 <= size, let t = h.table {
            var picked = Set<Bytes>()
            picked.reserveCapacity(count)
            while picked.count < count {
                let (f, v) = t.randomElement()!
                if picked.insert(f).inserted { f.withBytes { fr in v.withBytes { pairReply(fr, $0) } } }
            }
            return
        }
        // Case 3 (and small listpacks): a partial Fisher-Yates shuffle of a copy.
        var all = h.pairs()
        for i in 0..<count {
            all.swapAt(i, Int.random(in: i..<all.count))
            let (f, v) = all[i]
            f.withBytes { fr in v.withBytes { pairReply(fr, $0) } }
        }
    }

    /// HSCAN key cursor [MATCH pattern] [COUNT count].
    static func hscan(_ c: Call) {
        let a = c.argv
        guard var cursor = KeyCommands.parseCursor(a[2]) else { c.error(WireError.invalidCursor); return }
        let h: HashValue
        switch c.hashForRead(a[1]) {
        case .wrongType: return
        case .missing:
            c.array(2); c.bulk("0"); c.array(0)
            return
        case .found(let found): h = found
        }
        guard let opts = ScanOptions.parse(c, from: 3, allowType: false) else { return }
        let count = opts.count, pattern = opts.pattern

        var found: [(Bytes, Bytes)] = []
        let keep: (UnsafeRawBufferPointer) -> Bool = { f in
            guard let p = pattern else { return true }
            return globMatch(pattern: p, f, nocase: false)
        }
        if let t = h.table {
            var steps = 0
            var seen = 0
            let maxSteps = count.multipliedReportingOverflow(by: 10).overflow ? Int.max : count * 10
            repeat {
                cursor = t.scan(cursor) { f, v in
                    seen += 1
                    if f.withBytes(keep) { found.append((f, v)) }
                }
                steps += 1
            } while cursor != 0 && steps < maxSteps && seen < count
        } else {
            h.forEach { f, v in if keep(f) { found.append((Bytes(f), Bytes(v))) } }
            cursor = 0
        }
        c.array(2)
        c.bulk(String(cursor))
        c.array(found.count * 2)
        for (f, v) in found { c.bulk(f); c.bulk(v) }
    }
}
