// ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZRANGESTORE, ZREVRANGE, Z[REV]RANGEBYSCORE,
// Z[REV]RANGEBYLEX and ZREMRANGEBY{RANK,SCORE,LEX}: Redis 7.0's zrangeGenericCommand, whose
// option parsing, checks and their order every variant shares.

import RESP

extension ZsetCommands {
    enum RangeType { case auto, rank, score, lex }

    static func zrange(_ c: Call) { rangeGeneric(c, src: 1, store: false, .auto, reverse: nil) }
    static func zrangestore(_ c: Call) { rangeGeneric(c, src: 2, store: true, .auto, reverse: nil) }
    static func zrevrange(_ c: Call) { rangeGeneric(c, src: 1, store: false, .rank, reverse: true) }
    static func zrangebyscore(_ c: Call) { rangeGeneric(c, src: 1, store: false, .score, reverse: false) }
    static func zrevrangebyscore(_ c: Call) { rangeGeneric(c, src: 1, store: false, .score, reverse: true) }
    static func zrangebylex(_ c: Call) { rangeGeneric(c, src: 1, store: false, .lex, reverse: false) }
    static func zrevrangebylex(_ c: Call) { rangeGeneric(c, src: 1, store: false, .lex, reverse: true) }

    /// `src` is the source key's argv index; `type`/`reverse` are fixed by the legacy commands
    /// (`.auto`/nil let ZRANGE's options choose).
    static func rangeGeneric(_ c: Call, src: Int, store: Bool, _ type: RangeType, reverse: Bool?) {
        let a = c.argv
        var type = type
        var direction = reverse
        var withScores = false
        var offset = 0
        var limit = -1
        var j = src + 3
        while j < a.count {
            let left = a.count - j - 1
            if !store && a.isEqual(j, "withscores") {
                withScores = true
            } else if a.isEqual(j, "limit") && left >= 2 {
                guard let o = a.int(j + 1), let l = a.int(j + 2) else { c.notInteger(); return }
                offset = Int(o)
                limit = Int(l)
                j += 2
            } else if direction == nil && a.isEqual(j, "rev") {
                direction = true
            } else if type == .auto && a.isEqual(j, "bylex") {
                type = .lex
            } else if type == .auto && a.isEqual(j, "byscore") {
                type = .score
            } else {
                c.syntaxError(); return
            }
            j += 1
        }
        let rev = direction ?? false
        if type == .auto { type = .rank }
        if limit != -1 && type == .rank {
            c.error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"); return
        }
        if withScores && type == .lex {
            c.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX"); return
        }
        // Reverse score and lex ranges are given as max, min.
        let (minArg, maxArg) = rev && type != .rank ? (a[src + 2], a[src + 1]) : (a[src + 1], a[src + 2])

        var start = 0, end = 0
        var empty = false
        var gte: ZCheck = { _, _ in true }
        var lte: ZCheck = { _, _ in true }
        switch type {
        case .auto, .rank:
            guard let s = a.int(src + 1), let e = a.int(src + 2) else { c.notInteger(); return }
            start = Int(s)
            end = Int(e)
        case .score:
            guard let r = ZScoreRange(min: minArg, max: maxArg) else { c.error(minMaxNotFloat); return }
            (empty, gte, lte) = (r.isEmpty, r.gteCheck, r.lteCheck)
        case .lex:
            guard let r = ZLexRange(min: minArg, max: maxArg) else { c.error(notStringRange); return }
            (empty, gte, lte) = (r.isEmpty, r.gteCheck, r.lteCheck)
        }

        let z: ZsetValue
        switch found(c.lookup(a[src])) {
        case .wrongType: c.wrongType(); return
        case .none:
            if store { storeRange(c) { _ in } } else { c.array(0) }
            return
        case .zset(let v): z = v
        }

        if type == .rank {
            let n = z.count
            if start < 0 { start += n }
            if end < 0 { end += n }
            if start < 0 { start = 0 }
            if start > end || start >= n {
                if store { storeRange(c) { _ in } } else { c.array(0) }
                return
            }
            if end >= n { end = n - 1 }
            if store {
                storeRange(c, sizeHint: end - start + 1) { z.forEach(ranks: start, end, reverse: rev, $0) }
            } else {
                c.zheader(end - start + 1, withScores: withScores)
                z.forEach(ranks: start, end, reverse: rev) { c.zelement($0, $1, withScores: withScores) }
            }
            return
        }
        if offset > 0 && offset >= z.count {
            if store { storeRange(c) { _ in } } else { c.array(0) }
            return
        }
        if store {
            storeRange(c) {
                _ = z.walk(empty: empty, gte: gte, lte: lte, offset: offset, limit: limit, reverse: rev, $0)
            }
            return
        }
        let token = c.client.out.beginDeferred()
        let n = z.walk(empty: empty, gte: gte, lte: lte, offset: offset, limit: limit, reverse: rev) {
            c.zelement($0, $1, withScores: withScores)
        }
        c.client.out.fillDeferredArray(token, withScores && c.proto == .v2 ? n * 2 : n)
    }

    /// ZRANGESTORE's result: the walked elements are added one by one, in walk order, to a new
    /// zset (Redis's zrangeResultEmitCBufferForStore). Like Redis's zsetTypeCreate, it starts as
    /// a skiplist when the rank range alone (`sizeHint`) exceeds the listpack limit, else as a
    /// listpack that converts on the way; this decides whether a -0 score survives. Nothing
    /// walked deletes the destination.
    static func storeRange(_ c: Call, sizeHint: Int = 0, _ walk: (ZElementBody) -> Void) {
        let result = ZsetValue()
        let limits = c.engine.limits
        if sizeHint > limits.zsetMaxListpackEntries { result.convertToSkiplist() }
        walk { m, s in _ = result.add(m, s, ZAddFlags(), limits) }
        let dst = c.argv[1]
        if result.count == 0 {
            c.int(0)
            if c.db.remove(dst) != nil { c.modified(dst, event: "del") }
            return
        }
        c.db.set(dst, .object(result))
        c.int(result.count)
        c.modified(dst, event: "zrangestore")
    }

    // MARK: ZREMRANGEBY*

    static func zremrangebyrank(_ c: Call) {
        guard let s = c.argv.int(2), let e = c.argv.int(3) else { c.notInteger(); return }
        guard let z = removeTarget(c) else { return }
        let n = z.count
        var start = Int(s), end = Int(e)
        if start < 0 { start += n }
        if end < 0 { end += n }
        if start < 0 { start = 0 }
        if start > end || start >= n { c.int(0); return }
        if end >= n { end = n - 1 }
        z.removeRanks(start, end)
        removed(c, z, end - start + 1, event: "zremrangebyrank")
    }

    static func zremrangebyscore(_ c: Call) {
        guard let r = ZScoreRange(min: c.argv[2], max: c.argv[3]) else { c.error(minMaxNotFloat); return }
        guard let z = removeTarget(c) else { return }
        removed(c, z, z.removeRange(empty: r.isEmpty, gte: r.gteCheck, lte: r.lteCheck), event: "zremrangebyscore")
    }

    static func zremrangebylex(_ c: Call) {
        guard let r = ZLexRange(min: c.argv[2], max: c.argv[3]) else { c.error(notStringRange); return }
        guard let z = removeTarget(c) else { return }
        removed(c, z, z.removeRange(empty: r.isEmpty, gte: r.gteCheck, lte: r.lteCheck), event: "zremrangebylex")
    }

    /// The zset to remove from; nil after replying 0 (missing) or WRONGTYPE.
    private static func removeTarget(_ c: Call) -> ZsetValue? {
        switch found(c.lookupWrite(c.argv[1])) {
        case .wrongType: c.wrongType(); return nil
        case .none: c.int(0); return nil
        case .zset(let z): return z
        }
    }

    /// Deletes the key once empty, reports the change, replies the count.
    private static func removed(_ c: Call, _ z: ZsetValue, _ n: Int, event: StaticString) {
        let key = c.argv[1]
        if n > 0 {
            let emptied = z.count == 0
            if emptied { c.db.remove(key) }
            c.modified(key, event: event)
            if emptied { c.modified(key, event: "del") }
        }
        c.int(n)
    }
}
