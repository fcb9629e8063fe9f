// SMEMBERS, SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE
// (t_set.c sinterGenericCommand / sunionDiffGenericCommand).
//
// What is kept from Redis 7.0 because it is visible: every key is looked up (and type-checked)
// before anything else, so WRONGTYPE wins over a missing key; SINTER walks the smallest set
// (a stable sort by cardinality), so its reply order is that set's order; SUNION/SDIFF build
// their result as a set that starts as an empty intset, so the reply order and a stored
// result's encoding are the result set's; SDIFF picks Redis's algorithm by the same cost
// estimate, since the two can leave different encodings. A stored empty result deletes the
// destination (event `del`); a stored result replaces it and clears its TTL.

extension SetCommands {
    /// Looks up `keys` (read lookups); missing keys are nil. Nil after replying WRONGTYPE.
    static func lookupSets(_ c: Call, _ keys: Range<Int>) -> [SetValue?]? {
        var out: [SetValue?] = []
        out.reserveCapacity(keys.count)
        for i in keys {
            switch find(c, c.argv[i]) {
            case .wrong: c.wrongType(); return nil
            case .none: out.append(nil)
            case .set(let s): out.append(s)
            }
        }
        return out
    }

    /// An aggregate reply of every member of `set`, in its order.
    static func replyMembers(_ c: Call, _ set: SetValue) {
        c.set(set.count)
        set.forEach { reply(c, $0) }
    }

    /// Stores `result` at `dst` (or deletes `dst` when empty) and replies its cardinality.
    static func store(_ c: Call, _ dst: UnsafeRawBufferPointer, _ result: SetValue, event: StaticString) {
        if result.count > 0 {
            c.db.set(dst, .object(result))
            c.int(result.count)
            c.modified(dst, event: event)
        } else {
            c.int(0)
            if c.db.remove(dst) != nil { c.modified(dst, event: "del") }
        }
    }

    static func smembers(_ c: Call) { interGeneric(c, 1..<2, dst: nil) }
    static func sinter(_ c: Call) { interGeneric(c, 1..<c.argv.count, dst: nil) }
    static func sinterstore(_ c: Call) { interGeneric(c, 2..<c.argv.count, dst: c.argv[1]) }

    /// SINTERCARD numkeys key... [LIMIT limit].
    static func sintercard(_ c: Call) {
        let a = c.argv
        guard let n = a.int(1), n >= 1 else { c.error("ERR numkeys should be greater than 0"); return }
        if n > Int64(a.count - 2) { c.error("ERR Number of keys can't be greater than number of args"); return }
        var limit = 0
        var j = 2 + Int(n)
        while j < a.count {
            if a.isEqual(j, "limit") && a.count - 1 - j > 0 {
                j += 1
                guard let v = a.int(j), v >= 0 else { c.error("ERR LIMIT can't be negative"); return }
                limit = Int(v)
            } else {
                c.syntaxError(); return
            }
            j += 1
        }
        interGeneric(c, 2..<(2 + Int(n)), dst: nil, cardinalityOnly: true, limit: limit)
    }

    /// The intersection of the sets at `keys`: replied, counted (up to `limit`, 0 = no limit)
    /// or stored at `dst`. O(N*M), N the smallest set's size, M the number of sets.
    static func interGeneric(_ c: Call, _ keys: Range<Int>, dst: UnsafeRawBufferPointer?,
                             cardinalityOnly: Bool = false, limit: Int = 0) {
        guard let found = lookupSets(c, keys) else { return }
        if found.contains(where: { $0 == nil }) {
            // An empty set empties the intersection.
            if let d = dst {
                if c.db.remove(d) != nil { c.modified(d, event: "del") }
                c.int(0)
            } else if cardinalityOnly {
                c.int(0)
            } else {
                c.set(0)
            }
            return
        }
        let sets = found.enumerated()
            .sorted { ($0.element!.count, $0.offset) < ($1.element!.count, $1.offset) }
            .map { $0.element! }
        let first = sets[0]
        if sets.count == 1 && dst == nil && !cardinalityOnly { replyMembers(c, first); return }

        let others = sets.dropFirst().filter { $0 !== first }
        var matches: [SetElement] = []
        var cardinality = 0
        let result = dst == nil ? nil : SetValue()
        let max = SetCommands.limit(c)
        var done = false
        first.forEachOwned { e in
            if done { return }
            let inAll = e.withMember { m in others.allSatisfy { $0.contains(m) } }
            guard inAll else { return }
            if cardinalityOnly {
                cardinality += 1
                if limit > 0 && cardinality >= limit { done = true }
            } else if let r = result {
                r.add(e, maxIntsetEntries: max)
            } else {
                matches.append(e)
            }
        }
        if cardinalityOnly {
            c.int(cardinality)
        } else if let d = dst, let r = result {
            store(c, d, r, event: "sinterstore")
        } else {
            c.set(matches.count)
            for e in matches { reply(c, e) }
        }
    }

    static func sunion(_ c: Call) { unionDiffGeneric(c, 1..<c.argv.count, dst: nil, diff: false) }
    static func sunionstore(_ c: Call) { unionDiffGeneric(c, 2..<c.argv.count, dst: c.argv[1], diff: false) }
    static func sdiff(_ c: Call) { unionDiffGeneric(c, 1..<c.argv.count, dst: nil, diff: true) }
    static func sdiffstore(_ c: Call) { unionDiffGeneric(c, 2..<c.argv.count, dst: c.argv[1], diff: true) }

    /// The union of `sets` built as Redis does (a fresh intset that converts as needed). O(N).
    static func union(_ sets: [SetValue], limit: Int) -> SetValue {
        let result = SetValue()
        for s in sets { s.forEach { result.add($0, maxIntsetEntries: limit) } }
        return result
    }

    /// The difference of the first set and the others (missing keys are empty sets). O(N).
    static func difference(_ sets: [SetValue?], limit: Int) -> SetValue {
        let result = SetValue()
        guard let first = sets[0] else { return result }
        let rest = sets.dropFirst()
        // A key repeated as the first set subtracts everything.
        if rest.contains(where: { $0 === first }) { return result }
        var workOne = 0, workTwo = 0
        for s in sets { if let s = s { workOne += first.count; workTwo += s.count } }
        if workOne / 2 <= workTwo {
            // Algorithm 1: keep the first set's members no other set holds. O(N*M).
            let others = rest.compactMap { $0 }
            first.forEach { m in
                if !others.contains(where: { $0.contains(m) }) { result.add(m, maxIntsetEntries: limit) }
            }
        } else {
            // Algorithm 2: copy the first set, remove every other set's members. O(total).
            first.forEach { result.add($0, maxIntsetEntries: limit) }
            for s in rest {
                guard let s = s else { continue }
                s.forEach { result.remove($0) }
                if result.count == 0 { break }
            }
        }
        return result
    }

    static func unionDiffGeneric(_ c: Call, _ keys: Range<Int>, dst: UnsafeRawBufferPointer?, diff: Bool) {
        guard let sets = lookupSets(c, keys) else { return }
        let max = limit(c)
        let result = diff ? difference(sets, limit: max) : union(sets.compactMap { $0 }, limit: max)
        if let d = dst {
            store(c, d, result, event: diff ? "sdiffstore" : "sunionstore")
        } else {
            replyMembers(c, result)
        }
    }
}
