// Sorted-set family (Redis's t_zset.c "Sorted set commands"): the specs, the reply helpers,
// and ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT. Ranges and range
// deletions (and ZRANGESTORE) are in +Range, unions/intersections/differences in +Algebra,
// pops and blocking pops in +Pop, ZRANDMEMBER and ZSCAN in +Random.
//
// Replies follow Redis 7.0.15 per protocol: scores are %.17g bulk strings in RESP2 and doubles
// (`,1.5`) in RESP3; WITHSCORES lists are flat in RESP2 and [member, score] pairs in RESP3.

import RESP

enum ZsetCommands {
    static func specs() -> [CommandSpec] {
        let z = ["sortedset"]
        func spec(_ name: String, _ arity: Int, _ flags: CommandFlags, keys: (Int, Int, Int) = (1, 1, 1),
                  _ summary: String, _ complexity: String, since: String,
                  getKeys: ((Argv) -> [Int])? = nil, _ handler: @escaping CommandHandler) -> CommandSpec {
            CommandSpec(name, arity: arity, flags: flags, keys: keys, categories: z, group: "sorted-set",
                        summary: summary, complexity: complexity, since: since, getKeys: getKeys, handler: handler)
        }
        let logN = "O(log(N)) with N being the number of elements in the sorted set."
        let range = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."
        let rangeLimit = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N))."
        let remRange = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation."
        let pop = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped."
        let mpop = "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."
        let union = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."
        let inter = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."
        let diff = "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."
        let rw: CommandFlags = [.write, .denyOOM, .fast]
        let ro: CommandFlags = [.readonly, .fast]
        return [
            spec("zadd", -4, rw, "Add one or more members to a sorted set, or update its score if it already exists",
                 "O(log(N)) for each item added, where N is the number of elements in the sorted set.", since: "1.2.0", zadd),
            spec("zincrby", 4, rw, "Increment the score of a member in a sorted set",
                 "O(log(N)) where N is the number of elements in the sorted set.", since: "1.2.0", zincrby),
            spec("zrem", -3, [.write, .fast], "Remove one or more members from a sorted set",
                 "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
                 since: "1.2.0", zrem),
            spec("zcard", 2, ro, "Get the number of members in a sorted set", "O(1)", since: "1.2.0", zcard),
            spec("zcount", 4, ro, "Count the members in a sorted set with scores within the given values", logN,
                 since: "2.0.0", zcount),
            spec("zlexcount", 4, ro, "Count the number of members in a sorted set between a given lexicographical range",
                 logN, since: "2.8.9", zlexcount),
            spec("zscore", 3, ro, "Get the score associated with the given member in a sorted set", "O(1)",
                 since: "1.2.0", zscore),
            spec("zmscore", -3, ro, "Get the score associated with the given members in a sorted set",
                 "O(N) where N is the number of members being requested.", since: "6.2.0", zmscore),
            spec("zrank", 3, ro, "Determine the index of a member in a sorted set", "O(log(N))", since: "2.0.0", zrank),
            spec("zrevrank", 3, ro, "Determine the index of a member in a sorted set, with scores ordered from high to low",
                 "O(log(N))", since: "2.0.0", zrevrank),
            spec("zrange", -4, [.readonly], "Return a range of members in a sorted set", range, since: "1.2.0", zrange),
            spec("zrangestore", -5, [.write, .denyOOM], keys: (1, 2, 1), "Store a range of members from sorted set into another key",
                 "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
                 since: "6.2.0", zrangestore),
            spec("zrevrange", -4, [.readonly], "Return a range of members in a sorted set, by index, with scores ordered from high to low",
                 range, since: "1.2.0", zrevrange),
            spec("zrangebyscore", -4, [.readonly], "Return a range of members in a sorted set, by score", rangeLimit,
                 since: "1.0.5", zrangebyscore),
            spec("zrevrangebyscore", -4, [.readonly], "Return a range of members in a sorted set, by score, with scores ordered from high to low",
                 rangeLimit, since: "2.2.0", zrevrangebyscore),
            spec("zrangebylex", -4, [.readonly], "Return a range of members in a sorted set, by lexicographical range",
                 rangeLimit, since: "2.8.9", zrangebylex),
            spec("zrevrangebylex", -4, [.readonly], "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
                 rangeLimit, since: "2.8.9", zrevrangebylex),
            spec("zremrangebyrank", 4, [.write], "Remove all members in a sorted set within the given indexes", remRange,
                 since: "2.0.0", zremrangebyrank),
            spec("zremrangebyscore", 4, [.write], "Remove all members in a sorted set within the given scores", remRange,
                 since: "1.2.0", zremrangebyscore),
            spec("zremrangebylex", 4, [.write], "Remove all members in a sorted set between the given lexicographical range",
                 remRange, since: "2.8.9", zremrangebylex),
            spec("zpopmin", -2, [.write, .fast], "Remove and return members with the lowest scores in a sorted set", pop,
                 since: "5.0.0", zpopmin),
            spec("zpopmax", -2, [.write, .fast], "Remove and return members with the highest scores in a sorted set", pop,
                 since: "5.0.0", zpopmax),
            spec("bzpopmin", -3, [.write, .noscript, .blocking, .fast], keys: (1, -2, 1),
                 "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
                 logN, since: "5.0.0", bzpopmin),
            spec("bzpopmax", -3, [.write, .noscript, .blocking, .fast], keys: (1, -2, 1),
                 "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
                 logN, since: "5.0.0", bzpopmax),
            spec("zmpop", -4, [.write, .movableKeys], keys: (0, 0, 0), "Remove and return members with scores in a sorted set",
                 mpop, since: "7.0.0", getKeys: { numKeysKeys($0, at: 1) }, zmpop),
            spec("bzmpop", -5, [.write, .blocking, .movableKeys], keys: (0, 0, 0),
                 "Remove and return members with scores in a sorted set or block until one is available",
                 mpop, since: "7.0.0", getKeys: { numKeysKeys($0, at: 2) }, bzmpop),
            spec("zrandmember", -2, [.readonly], "Get one or multiple random elements from a sorted set",
                 "O(N) where N is the number of elements returned", since: "6.2.0", zrandmember),
            spec("zunion", -3, [.readonly, .movableKeys], keys: (0, 0, 0), "Add multiple sorted sets", union,
                 since: "6.2.0", getKeys: { numKeysKeys($0, at: 1) }, zunion),
            spec("zunionstore", -4, [.write, .denyOOM, .movableKeys],
                 "Add multiple sorted sets and store the resulting sorted set in a new key",
                 "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
                 since: "2.0.0", getKeys: { [1] + numKeysKeys($0, at: 2) }, zunionstore),
            spec("zinter", -3, [.readonly, .movableKeys], keys: (0, 0, 0), "Intersect multiple sorted sets", inter,
                 since: "6.2.0", getKeys: { numKeysKeys($0, at: 1) }, zinter),
            spec("zinterstore", -4, [.write, .denyOOM, .movableKeys],
                 "Intersect multiple sorted sets and store the resulting sorted set in a new key", inter,
                 since: "2.0.0", getKeys: { [1] + numKeysKeys($0, at: 2) }, zinterstore),
            spec("zintercard", -3, [.readonly, .movableKeys], keys: (0, 0, 0),
                 "Intersect multiple sorted sets and return the cardinality of the result",
                 "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
                 since: "7.0.0", getKeys: { numKeysKeys($0, at: 1) }, zintercard),
            spec("zdiff", -3, [.readonly, .movableKeys], keys: (0, 0, 0), "Subtract multiple sorted sets", diff,
                 since: "6.2.0", getKeys: { numKeysKeys($0, at: 1) }, zdiff),
            spec("zdiffstore", -4, [.write, .denyOOM, .movableKeys],
                 "Subtract multiple sorted sets and store the resulting sorted set in a new key", diff,
                 since: "6.2.0", getKeys: { [1] + numKeysKeys($0, at: 2) }, zdiffstore),
            spec("zscan", -3, [.readonly], "Incrementally iterate sorted sets elements and associated scores",
                 "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
                 since: "2.8.0", zscan),
        ]
    }

    /// Key positions of a `numkeys key...` command with numkeys at argv[`at`] (empty when invalid).
    static func numKeysKeys(_ a: Argv, at: Int) -> [Int] {
        guard at < a.count, let n = a.int(at), n > 0, n <= a.count - at - 1 else { return [] }
        return Array((at + 1)...(at + Int(n)))
    }

    // MARK: lookup

    enum Found {
        case none
        case zset(ZsetValue)
        case wrongType
    }

    @inline(__always) static func found(_ v: Value?) -> Found {
        guard let v = v else { return .none }
        if case .object(let o) = v, let z = o as? ZsetValue { return .zset(z) }
        return .wrongType
    }

    // MARK: ZADD / ZINCRBY

    static func zadd(_ c: Call) { addGeneric(c, zincrby: false) }
    static func zincrby(_ c: Call) { addGeneric(c, zincrby: true) }

    /// Redis's zaddGenericCommand: options, then all scores parsed before anything changes.
    static func addGeneric(_ c: Call, zincrby: Bool) {
        let a = c.argv
        let key = a[1]
        var f = ZAddFlags()
        var ch = false
        var idx = 2
        if zincrby {
            f.incr = true
        } else {
            while idx < a.count {
                if a.isEqual(idx, "nx") { f.nx = true }
                else if a.isEqual(idx, "xx") { f.xx = true }
                else if a.isEqual(idx, "ch") { ch = true }
                else if a.isEqual(idx, "incr") { f.incr = true }
                else if a.isEqual(idx, "gt") { f.gt = true }
                else if a.isEqual(idx, "lt") { f.lt = true }
                else { break }
                idx += 1
            }
        }
        let elements = a.count - idx
        if elements == 0 || elements % 2 != 0 { c.syntaxError(); return }
        let n = elements / 2
        if f.nx && f.xx { c.error("ERR XX and NX options at the same time are not compatible"); return }
        if (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt) {
            c.error("ERR GT, LT, and/or NX options at the same time are not compatible"); return
        }
        if f.incr && n > 1 { c.error("ERR INCR option supports a single increment-element pair"); return }

        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { scores in
            for j in 0..<n {
                guard let s = parseZsetScore(a[idx + 2 * j]) else { c.error(WireError.notFloat); return }
                scores[j] = s
            }
            var added = 0, updated = 0, processed = 0
            var last = 0.0
            defer {
                if added + updated > 0 { c.modified(key, event: f.incr ? "zincr" : "zadd") }
            }
            let z: ZsetValue
            switch found(c.lookupWrite(key)) {
            case .wrongType: c.wrongType(); return
            case .zset(let existing): z = existing
            case .none:
                if f.xx { reply(c, f.incr, ch, added, updated, processed, last); return }
                z = ZsetValue()
                c.db.add(key, .object(z))
            }
            let limits = c.engine.limits
            for j in 0..<n {
                let (outcome, score) = z.add(a[idx + 2 * j + 1], scores[j], f, limits)
                switch outcome {
                case .added: added += 1; processed += 1
                case .updated: updated += 1; processed += 1
                case .unchanged: processed += 1
                case .nop: continue
                case .nan: c.error("ERR resulting score is not a number (NaN)"); return
                }
                last = score
            }
            reply(c, f.incr, ch, added, updated, processed, last)
        }
    }

    private static func reply(_ c: Call, _ incr: Bool, _ ch: Bool, _ added: Int, _ updated: Int, _ processed: Int, _ score: Double) {
        if incr {
            if processed > 0 { c.zscore(score) } else { c.null() }
        } else {
            c.int(ch ? added + updated : added)
        }
    }

    // MARK: ZREM ZCARD ZSCORE ZMSCORE ZRANK

    static func zrem(_ c: Call) {
        let key = c.argv[1]
        let z: ZsetValue
        switch found(c.lookupWrite(key)) {
        case .wrongType: c.wrongType(); return
        case .none: c.int(0); return
        case .zset(let v): z = v
        }
        var deleted = 0
        var emptied = false
        for j in 2..<c.argv.count {
            if z.remove(c.argv[j]) { deleted += 1 }
            if z.count == 0 { emptied = true; break }
        }
        if deleted > 0 {
            if emptied { c.db.remove(key) }
            c.modified(key, event: "zrem")
            if emptied { c.modified(key, event: "del") }
        }
        c.int(deleted)
    }

    static func zcard(_ c: Call) {
        switch found(c.lookup(c.argv[1])) {
        case .wrongType: c.wrongType()
        case .none: c.int(0)
        case .zset(let z): c.int(z.count)
        }
    }

    static func zscore(_ c: Call) {
        switch found(c.lookup(c.argv[1])) {
        case .wrongType: c.wrongType()
        case .none: c.null()
        case .zset(let z):
            if let s = z.score(c.argv[2]) { c.zscore(s) } else { c.null() }
        }
    }

    static func zmscore(_ c: Call) {
        var z: ZsetValue? = nil
        switch found(c.lookup(c.argv[1])) {
        case .wrongType: c.wrongType(); return
        case .none: break
        case .zset(let v): z = v
        }
        c.array(c.argv.count - 2)
        for j in 2..<c.argv.count {
            if let s = z?.score(c.argv[j]) { c.zscore(s) } else { c.null() }
        }
    }

    static func zrank(_ c: Call) { rankGeneric(c, reverse: false) }
    static func zrevrank(_ c: Call) { rankGeneric(c, reverse: true) }

    static func rankGeneric(_ c: Call, reverse: Bool) {
        switch found(c.lookup(c.argv[1])) {
        case .wrongType: c.wrongType()
        case .none: c.null()
        case .zset(let z):
            if let r = z.rank(c.argv[2], reverse: reverse) { c.int(r) } else { c.null() }
        }
    }

    // MARK: ZCOUNT ZLEXCOUNT

    static func zcount(_ c: Call) {
        guard let r = ZScoreRange(min: c.argv[2], max: c.argv[3]) else { c.error(minMaxNotFloat); return }
        countGeneric(c, r.isEmpty, r.gteCheck, r.lteCheck)
    }

    static func zlexcount(_ c: Call) {
        guard let r = ZLexRange(min: c.argv[2], max: c.argv[3]) else { c.error(notStringRange); return }
        countGeneric(c, r.isEmpty, r.gteCheck, r.lteCheck)
    }

    private static func countGeneric(_ c: Call, _ empty: Bool, _ gte: ZCheck, _ lte: ZCheck) {
        switch found(c.lookup(c.argv[1])) {
        case .wrongType: c.wrongType()
        case .none: c.int(0)
        case .zset(let z): c.int(z.countInRange(empty: empty, gte: gte, lte: lte))
        }
    }

    static let minMaxNotFloat = "ERR min or max is not a float"
    static let notStringRange = "ERR min or max not valid string range item"
}

extension Call {
    /// A score as Redis's addReplyDouble sends it: a %.17g bulk string in RESP2, a double in RESP3.
    func zscore(_ d: Double) {
        withZsetScoreText(d) { t in
            if client.proto == .v3 {
                client.out.append(byte: 44)
                client.out.append(t)
                client.out.append("\r\n" as StaticString)
            } else {
                client.out.writeBulk(t)
            }
        }
    }

    /// The header of `n` elements, with scores flattened (RESP2) or paired (RESP3).
    func zheader(_ n: Int, withScores: Bool) {
        array(withScores && client.proto == .v2 ? n * 2 : n)
    }

    /// One element of such a list.
    func zelement(_ member: UnsafeRawBufferPointer, _ score: Double, withScores: Bool) {
        if withScores && client.proto == .v3 { array(2) }
        bulk(member)
        if withScores { zscore(score) }
    }
}
