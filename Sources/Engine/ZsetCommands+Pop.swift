// ZPOPMIN ZPOPMAX ZMPOP and their blocking forms BZPOPMIN BZPOPMAX BZMPOP (Redis 7.0's
// genericZpopCommand / blockingGenericZpopCommand / zmpopGenericCommand). Reply shapes:
// - ZPOPMIN/ZPOPMAX: flat [member, score, ...]; in RESP3 with a COUNT, [member, score] pairs;
// - BZPOPMIN/BZPOPMAX: flat [key, member, score];
// - ZMPOP/BZMPOP: [key, [[member, score], ...]], null when nothing was popped.
// Blocking forms that find nothing block on their keys and are run again when one is written.

import RESP

extension ZsetCommands {
    static func zpopmin(_ c: Call) { popCommand(c, max: false) }
    static func zpopmax(_ c: Call) { popCommand(c, max: true) }
    static func bzpopmin(_ c: Call) { blockingPop(c, max: false) }
    static func bzpopmax(_ c: Call) { blockingPop(c, max: true) }
    static func zmpop(_ c: Call) { mpop(c, numKeys: 1, blocking: false) }
    static func bzmpop(_ c: Call) { mpop(c, numKeys: 2, blocking: true) }

    /// ZPOPMIN/ZPOPMAX key [count]
    static func popCommand(_ c: Call, max: Bool) {
        if c.argv.count > 3 { c.syntaxError(); return }
        var count = -1
        if c.argv.count == 3 {
            guard let n = c.argv.int(2), n >= 0 else { c.error("ERR value is out of range, must be positive"); return }
            count = Int(n)
        }
        _ = pop(c, keys: 1..<2, max: max, emitKey: false, count: count,
                nested: c.proto == .v3 && count != -1, nullWhenEmpty: false)
    }

    /// genericZpopCommand over the keys at argv `keys`: pops from the first non-empty zset.
    /// `count` -1 means a single pop without COUNT. Returns false when nothing was there
    /// (after replying the empty answer) or after WRONGTYPE.
    @discardableResult
    static func pop(_ c: Call, keys: Range<Int>, max: Bool, emitKey: Bool, count: Int, nested: Bool,
                    nullWhenEmpty: Bool) -> Bool {
        var target: (Int, ZsetValue)? = nil
        for i in keys {
            switch found(c.lookupWrite(c.argv[i])) {
            case .wrongType: c.wrongType(); return false
            case .none: continue
            case .zset(let z): target = (i, z)
            }
            break
        }
        guard let (keyIndex, z) = target else {
            if nullWhenEmpty { c.nullArray() } else { c.array(0) }
            return false
        }
        if count == 0 { c.array(0); return false }
        let n = min(count == -1 ? 1 : count, z.count)
        let key = c.argv[keyIndex]
        switch (nested, emitKey) {
        case (false, false): c.array(n * 2)
        case (true, false): c.array(n)
        case (false, true): c.array(n * 2 + 1); c.bulk(key)
        case (true, true): c.array(2); c.bulk(key); c.array(n)
        }
        z.forEach(ranks: 0, n - 1, reverse: max) { m, s in
            if nested { c.array(2) }
            c.bulk(m)
            c.zscore(s)
        }
        if max { z.removeRanks(z.count - n, z.count - 1) } else { z.removeRanks(0, n - 1) }
        let emptied = z.count == 0
        if emptied { c.db.remove(key) }
        c.modified(key, event: max ? "zpopmax" : "zpopmin")
        if emptied { c.modified(key, event: "del") }
        // The blocking and multi-key forms replay as the plain pop of the key that was served.
        if emitKey {
            var args: [PropagationArg] = [max ? "ZPOPMAX" : "ZPOPMIN", .argv(keyIndex)]
            if count != -1 { args.append(.int(Int64(n))) }
            c.propagate(args)
        }
        return true
    }

    /// BZPOPMIN/BZPOPMAX key [key ...] timeout
    static func blockingPop(_ c: Call, max: Bool) {
        let last = c.argv.count - 1
        guard let deadline = c.blockingDeadline(last) else { return }
        blockingGeneric(c, keys: 1..<last, max: max, count: -1, nested: false, nullWhenEmpty: false, deadline: deadline)
    }

    /// blockingGenericZpopCommand: serve the first non-empty zset, else block (or answer null
    /// where blocking is not allowed: MULTI, scripts).
    static func blockingGeneric(_ c: Call, keys: Range<Int>, max: Bool, count: Int, nested: Bool,
                                nullWhenEmpty: Bool, deadline: Int64) {
        for i in keys {
            switch found(c.lookupWrite(c.argv[i])) {
            case .wrongType: c.wrongType(); return
            case .none: continue
            case .zset(let z):
                if z.count == 0 { continue }
                pop(c, keys: i..<(i + 1), max: max, emitKey: true, count: count, nested: nested,
                    nullWhenEmpty: nullWhenEmpty)
                return
            }
        }
        guard c.mayBlock else { c.nullArray(); return }
        c.block(on: keys.map { c.argv.bytes($0) }, deadline: deadline, onTimeout: .nullArray)
    }

    /// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]; BZMPOP timeout numkeys ...
    static func mpop(_ c: Call, numKeys: Int, blocking: Bool) {
        let a = c.argv
        guard let nk = a.int(numKeys), nk >= 1 else { c.error("ERR numkeys should be greater than 0"); return }
        let whereIndex = numKeys + 1 + (nk > Int64(a.count) ? a.count : Int(nk))
        if whereIndex >= a.count { c.syntaxError(); return }
        let max: Bool
        if a.isEqual(whereIndex, "min") { max = false }
        else if a.isEqual(whereIndex, "max") { max = true }
        else { c.syntaxError(); return }
        var count = -1
        var j = whereIndex + 1
        while j < a.count {
            if count == -1 && a.isEqual(j, "count") && j + 1 < a.count {
                guard let n = a.int(j + 1), n >= 1 else { c.error("ERR count should be greater than 0"); return }
                count = Int(n)
                j += 2
            } else {
                c.syntaxError(); return
            }
        }
        if count == -1 { count = 1 }
        let keys = (numKeys + 1)..<whereIndex
        if blocking {
            guard let deadline = c.blockingDeadline(1) else { return }
            blockingGeneric(c, keys: keys, max: max, count: count, nested: true, nullWhenEmpty: true, deadline: deadline)
        } else {
            pop(c, keys: keys, max: max, emitKey: true, count: count, nested: true, nullWhenEmpty: true)
        }
    }
}
