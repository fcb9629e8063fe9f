// Sets family (Redis's t_set.c "Set Commands" half): the specs, and SADD SREM SISMEMBER
// SMISMEMBER SCARD SMOVE SSCAN. SPOP and SRANDMEMBER are in SetCommands+Random.swift; SMEMBERS,
// SINTER, SINTERCARD, SUNION, SDIFF and their STORE forms in SetCommands+Algebra.swift.
//
// Replies follow Redis 7.0.15 (RESP3 types included): SMEMBERS/SINTER/SUNION/SDIFF and SPOP with
// a count answer sets (`~` in RESP3), SRANDMEMBER with a count an array. Keyspace events as
// Redis: sadd, srem, spop, sinterstore, sunionstore, sdiffstore, and del when a set empties.

import RESP

enum SetCommands {
    static func specs() -> [CommandSpec] {
        let s = ["set"]
        let inter = "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."
        let total = "O(N) where N is the total number of elements in all given sets."
        return [
            CommandSpec("sadd", arity: -3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Add one or more members to a set",
                        complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
                        handler: sadd),
            CommandSpec("srem", arity: -3, flags: [.write, .fast], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Remove one or more members from a set",
                        complexity: "O(N) where N is the number of members to be removed.", handler: srem),
            CommandSpec("smembers", arity: 2, flags: [.readonly], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Get all the members in a set", complexity: "O(N) where N is the set cardinality.",
                        handler: smembers),
            CommandSpec("sismember", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Determine if a given value is a member of a set", handler: sismember),
            CommandSpec("smismember", arity: -3, flags: [.readonly, .fast], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Returns the membership associated with the given elements for a set",
                        complexity: "O(N) where N is the number of elements being checked for membership",
                        since: "6.2.0", handler: smismember),
            CommandSpec("scard", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Get the number of members in a set", handler: scard),
            CommandSpec("spop", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Remove and return one or multiple random members from a set",
                        complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
                        handler: spop),
            CommandSpec("srandmember", arity: -2, flags: [.readonly], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Get one or multiple random members from a set",
                        complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
                        handler: srandmember),
            CommandSpec("smove", arity: 4, flags: [.write, .fast], keys: (1, 2, 1), categories: s, group: "set",
                        summary: "Move a member from one set to another", handler: smove),
            CommandSpec("sinter", arity: -2, flags: [.readonly], keys: (1, -1, 1), categories: s, group: "set",
                        summary: "Intersect multiple sets", complexity: inter, handler: sinter),
            CommandSpec("sintercard", arity: -3, flags: [.readonly, .movableKeys], categories: s, group: "set",
                        summary: "Intersect multiple sets and return the cardinality of the result", complexity: inter,
                        since: "7.0.0", getKeys: numkeysKeys, handler: sintercard),
            CommandSpec("sinterstore", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 1), categories: s, group: "set",
                        summary: "Intersect multiple sets and store the resulting set in a key", complexity: inter,
                        handler: sinterstore),
            CommandSpec("sunion", arity: -2, flags: [.readonly], keys: (1, -1, 1), categories: s, group: "set",
                        summary: "Add multiple sets", complexity: total, handler: sunion),
            CommandSpec("sunionstore", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 1), categories: s, group: "set",
                        summary: "Add multiple sets and store the resulting set in a key", complexity: total,
                        handler: sunionstore),
            CommandSpec("sdiff", arity: -2, flags: [.readonly], keys: (1, -1, 1), categories: s, group: "set",
                        summary: "Subtract multiple sets", complexity: total, handler: sdiff),
            CommandSpec("sdiffstore", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 1), categories: s, group: "set",
                        summary: "Subtract multiple sets and store the resulting set in a key", complexity: total,
                        handler: sdiffstore),
            CommandSpec("sscan", arity: -3, flags: [.readonly], keys: (1, 1, 1), categories: s, group: "set",
                        summary: "Incrementally iterate Set elements",
                        complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
                        since: "2.8.0", handler: sscan),
        ] + SortCommand.specs()   // SORT reads sets (and lists, sorted sets): listed with them
    }

    /// Key positions of `CMD numkeys key...` (SINTERCARD): none when numkeys is not a positive
    /// integer or exceeds the arguments, so COMMAND GETKEYS fails as Redis's does.
    static func numkeysKeys(_ a: Argv) -> [Int] {
        guard a.count > 1, let n = a.int(1), n > 0, n <= Int64(a.count - 2) else { return [] }
        return Array(2..<(2 + Int(n)))
    }

    // MARK: lookup and reply helpers

    enum Found {
        case none
        case wrong
        case set(SetValue)
    }

    /// The set at `key` after lazy expiry: a read lookup (hit/miss stats) unless `write`.
    @inline(__always) static func find(_ c: Call, _ key: UnsafeRawBufferPointer, write: Bool = false) -> Found {
        guard let v = write ? c.lookupWrite(key) : c.lookup(key) else { return .none }
        if case .object(let o) = v, let s = o as? SetValue { return .set(s) }
        return .wrong
    }

    @inline(__always) static func reply(_ c: Call, _ m: SetMember) {
        switch m {
        case .int(let v): c.client.out.writeBulkDecimal(v)
        case .bytes(let raw): c.bulk(raw)
        }
    }

    @inline(__always) static func reply(_ c: Call, _ e: SetElement) {
        switch e {
        case .int(let v): c.client.out.writeBulkDecimal(v)
        case .bytes(let b): c.bulk(b)
        }
    }

    @inline(__always) static func limit(_ c: Call) -> Int { c.engine.limits.setMaxIntsetEntries }

    // MARK: commands

    /// SADD key member...: the set is created for the first member (setTypeCreate). O(N).
    static func sadd(_ c: Call) {
        let key = c.argv[1]
        let set: SetValue
        switch find(c, key, write: true) {
        case .wrong: c.wrongType(); return
        case .set(let s): set = s
        case .none:
            set = SetValue.create(for: c.argv[2])
            c.db.add(key, .object(set))
        }
        let max = limit(c)
        var added = 0
        for i in 2..<c.argv.count where set.add(c.argv[i], maxIntsetEntries: max) { added += 1 }
        if added > 0 { c.modified(key, event: "sadd") }
        c.int(added)
    }

    /// SREM key member...: deletes the key once the set is empty. O(N).
    static func srem(_ c: Call) {
        let key = c.argv[1]
        let set: SetValue
        switch find(c, key, write: true) {
        case .wrong: c.wrongType(); return
        case .none: c.int(0); return
        case .set(let s): set = s
        }
        var removed = 0
        var keyRemoved = false
        for i in 2..<c.argv.count where set.remove(c.argv[i]) {
            removed += 1
            if set.count == 0 { c.db.remove(key); keyRemoved = true; break }
        }
        if removed > 0 {
            c.modified(key, event: "srem")
            if keyRemoved { c.modified(key, event: "del") }
        }
        c.int(removed)
    }

    /// SISMEMBER key member. O(1).
    static func sismember(_ c: Call) {
        switch find(c, c.argv[1]) {
        case .wrong: c.wrongType()
        case .none: c.int(0)
        case .set(let s): c.int(s.contains(c.argv[2]) ? 1 : 0)
        }
    }

    /// SMISMEMBER key member...: a missing key is an empty set. O(N).
    static func smismember(_ c: Call) {
        var set: SetValue? = nil
        switch find(c, c.argv[1]) {
        case .wrong: c.wrongType(); return
        case .none: break
        case .set(let s): set = s
        }
        c.array(c.argv.count - 2)
        for i in 2..<c.argv.count { c.int(set?.contains(c.argv[i]) == true ? 1 : 0) }
    }

    /// SCARD key. O(1).
    static func scard(_ c: Call) {
        switch find(c, c.argv[1]) {
        case .wrong: c.wrongType()
        case .none: c.int(0)
        case .set(let s): c.int(s.count)
        }
    }

    /// SMOVE source destination member (smoveCommand): 0 when the source is missing or lacks
    /// the member; the same key is a membership test. O(1).
    static func smove(_ c: Call) {
        let srcKey = c.argv[1], dstKey = c.argv[2], member = c.argv[3]
        let src = find(c, srcKey, write: true)
        let dst = find(c, dstKey, write: true)
        guard case .set(let from) = src else {
            if case .wrong = src { c.wrongType() } else { c.int(0) }
            return
        }
        var to: SetValue? = nil
        switch dst {
        case .wrong: c.wrongType(); return
        case .set(let s): to = s
        case .none: break
        }
        if let to = to, to === from { c.int(from.contains(member) ? 1 : 0); return }
        if !from.remove(member) { c.int(0); return }
        c.modified(srcKey, event: "srem")
        if from.count == 0 {
            c.db.remove(srcKey)
            c.modified(srcKey, event: "del")
        }
        let target: SetValue
        if let to = to { target = to } else {
            target = SetValue.create(for: member)
            c.db.add(dstKey, .object(target))
        }
        if target.add(member, maxIntsetEntries: limit(c)) { c.modified(dstKey, event: "sadd") }
        c.int(1)
    }

    /// SSCAN key cursor [MATCH pattern] [COUNT count] (scanGenericCommand): an intset answers
    /// whole with cursor 0; a hashtable walks the table's cursor, COUNT steps at a time (at
    /// most 10×COUNT). Options are parsed after the key lookup, as Redis does.
    static func sscan(_ c: Call) {
        let a = c.argv
        guard var cursor = KeyCommands.parseCursor(a[2]) else { c.error(WireError.invalidCursor); return }
        let set: SetValue
        switch find(c, a[1]) {
        case .wrong: c.wrongType(); return
        case .none: c.array(2); c.bulk("0"); c.array(0); return
        case .set(let s): set = s
        }
        guard let opts = ScanOptions.parse(c, from: 3, allowType: false) else { return }
        let count = opts.count, pattern = opts.pattern
        var found: [SetElement] = []
        if let t = set.table {
            var steps = count.multipliedReportingOverflow(by: 10).overflow ? Int.max : count * 10
            repeat {
                cursor = t.scan(cursor) { k, _ in found.append(.bytes(k)) }
                if steps == 0 { break }
                steps -= 1
            } while cursor != 0 && found.count < count
        } else {
            set.ints.forEach { found.append(.int($0)) }
            cursor = 0
        }
        if let p = pattern {
            found.removeAll { e in !e.withBytes { globMatch(pattern: p, $0, nocase: false) } }
        }
        c.array(2)
        c.bulk(String(cursor))
        c.array(found.count)
        for e in found { reply(c, e) }
    }
}
