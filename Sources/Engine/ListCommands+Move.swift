// RPOPLPUSH LMOVE LMPOP, and the steps their blocking forms (ListCommands+Blocking.swift)
// share with them.

extension ListCommands {
    static func rpoplpush(_ c: Call) {
        guard let found = writeTarget(c, c.argv[1]) else { return }
        guard let src = found else { c.null(); return }
        move(c, src, fromHead: false, toHead: true)
    }

    static func lmove(_ c: Call) {
        guard let from = side(c, 3), let to = side(c, 4) else { return }
        guard let found = writeTarget(c, c.argv[1]) else { return }
        guard let src = found else { c.null(); return }
        move(c, src, fromHead: from, toHead: to)
    }

    /// LEFT/RIGHT at argument `i` (true = head), or nil after a syntax error.
    static func side(_ c: Call, _ i: Int) -> Bool? {
        if c.argv.isEqual(i, "left") { return true }
        if c.argv.isEqual(i, "right") { return false }
        c.syntaxError()
        return nil
    }

    /// Redis's lmoveGenericCommand once the source list is known: checks the destination's
    /// type, pops from `src` (argv[1]), pushes onto argv[2] (which may be the same list) and
    /// replies the element. Events: the push, then the pop, then the source's deletion.
    static func move(_ c: Call, _ src: ListValue, fromHead: Bool, toHead: Bool) {
        let srcKey = c.argv[1], dstKey = c.argv[2]
        guard let dstFound = writeTarget(c, dstKey) else { return }
        var element = Bytes.empty
        src.pop(atHead: fromHead) { element = $0.owned }
        let dst = dstFound ?? create(c, dstKey)
        element.withBytes { raw in
            dst.push(raw, atHead: toHead)
            c.bulk(raw)
        }
        c.modified(dstKey, event: toHead ? "lpush" : "rpush")
        c.modified(srcKey, event: fromHead ? "lpop" : "rpop")
        var events = 2
        if src.count == 0 {
            c.db.remove(srcKey)
            c.modified(srcKey, event: "del")
            events += 1
        }
        c.engine.dirty -= Int64(events - 1)   // one change in Redis's count
    }

    /// LMPOP/BLMPOP arguments after `numkeys` at `idx`.
    struct MPopArgs {
        var keys: Range<Int>
        var atHead: Bool
        var count: Int
    }

    /// Redis's lmpopGenericCommand parsing: numkeys, the direction, then COUNT (once).
    static func parseMPop(_ c: Call, numkeysAt idx: Int) -> MPopArgs? {
        let a = c.argv
        guard let n = a.int(idx), n > 0 else { c.error(WireError.numkeysNotPositive); return nil }
        guard n < Int64(a.count) - Int64(idx) - 1 else { c.syntaxError(); return nil }
        let w = idx + Int(n) + 1
        guard let atHead = side(c, w) else { return nil }
        var count = -1
        var j = w + 1
        while j < a.count {
            if count == -1 && a.isEqual(j, "count") && j + 1 < a.count {
                j += 1
                guard let v = a.int(j), v > 0 else { c.error(WireError.countNotPositive); return nil }
                count = Int(v)
            } else {
                c.syntaxError(); return nil
            }
            j += 1
        }
        return MPopArgs(keys: (idx + 1)..<w, atHead: atHead, count: count == -1 ? 1 : count)
    }

    /// Pops from the first non-empty list among `m.keys` and replies [key, [elements]];
    /// false (no reply) when none has elements, nil after a WRONGTYPE reply.
    static func mpopServe(_ c: Call, _ m: MPopArgs) -> Bool? {
        for i in m.keys {
            let key = c.argv[i]
            guard let v = c.lookupWrite(key) else { continue }
            guard let l = asList(v) else { c.wrongType(); return nil }
            c.array(2)
            c.bulk(key)
            let n = popRange(c, l, atHead: m.atHead, m.count)
            elementsRemoved(c, key, l, atHead: m.atHead, n)
            c.propagate([m.atHead ? "LPOP" : "RPOP", .argv(i), .int(Int64(n))])
            return true
        }
        return false
    }

    static func lmpop(_ c: Call) {
        guard let m = parseMPop(c, numkeysAt: 1) else { return }
        guard let served = mpopServe(c, m) else { return }
        if !served { c.nullArray() }
    }
}
