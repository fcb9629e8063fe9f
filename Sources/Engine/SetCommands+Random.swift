// SPOP and SRANDMEMBER (t_set.c spopWithCountCommand / srandmemberWithCountCommand), with
// Redis 7.0's strategies, because they decide more than speed: which encoding the set keeps
// after a big SPOP (the survivors are re-added into a fresh set, so a hashtable of integers
// can come back as an intset) and the order of whole-set replies.

extension SetCommands {
    /// Redis's SPOP_MOVE_STRATEGY_MUL and SRANDMEMBER_SUB_STRATEGY_MUL.
    static let spopMoveStrategyMul = 5
    static let srandmemberSubStrategyMul = 3

    /// SPOP key [count]. O(1) without count, else O(count).
    static func spop(_ c: Call) {
        if c.argv.count == 3 { spopWithCount(c); return }
        if c.argv.count > 3 { c.syntaxError(); return }
        let key = c.argv[1]
        let set: SetValue
        switch find(c, key, write: true) {
        case .wrong: c.wrongType(); return
        case .none: c.null(); return
        case .set(let s): set = s
        }
        let e = set.randomElement()!
        set.remove(e)
        c.modified(key, event: "spop")
        reply(c, e)
        c.propagate(["SREM", .argv(1), arg(e)])
        if set.count == 0 {
            c.db.remove(key)
            c.modified(key, event: "del")
        }
    }

    static func spopWithCount(_ c: Call) {
        // getPositiveLongFromObjectOrReply: a non-integer gets the same text as a negative.
        guard let l = c.argv.int(2), l >= 0 else { c.error("ERR value is out of range, must be positive"); return }
        let key = c.argv[1]
        let set: SetValue
        switch find(c, key, write: true) {
        case .wrong: c.wrongType(); return
        case .none: c.set(0); return
        case .set(let s): set = s
        }
        if l == 0 { c.set(0); return }
        let size = set.count
        // CASE 1: everything goes; the reply is the set's union with itself (its order).
        if l >= Int64(size) {
            _ = c.lookup(key)   // Redis replies through SUNION's read lookup: a keyspace hit
            replyMembers(c, union([set], limit: limit(c)))
            c.db.remove(key)
            c.modified(key, event: "spop")
            c.modified(key, event: "del")
            c.propagate([c.engine.lazyFreeServerDel ? "UNLINK" : "DEL", .argv(1)])
            return
        }
        let count = Int(l)
        let remaining = size - count
        c.set(count)
        var srem = SremBatcher(c, count: count)
        if remaining * spopMoveStrategyMul > count {
            // CASE 2: few to pop: pick and remove one at a time.
            for _ in 0..<count {
                let e = set.randomElement()!
                reply(c, e)
                srem.add(e)
                set.remove(e)
            }
        } else {
            // CASE 3: few survive: move the survivors into a fresh set, reply what is left.
            var fresh: SetValue? = nil
            let max = limit(c)
            for _ in 0..<remaining {
                let e = set.randomElement()!
                if fresh == nil { fresh = e.withBytes { SetValue.create(for: $0) } }
                fresh!.add(e, maxIntsetEntries: max)
                set.remove(e)
            }
            set.forEachOwned { reply(c, $0); srem.add($0) }
            // dbOverwrite: the key keeps its TTL.
            _ = c.db.update(key) { $0 = .object(fresh!) }
        }
        srem.finish()
        c.modified(key, event: "spop")
    }

    static func arg(_ e: SetElement) -> PropagationArg {
        switch e {
        case .int(let v): return .int(v)
        case .bytes(let b): return .bytes(b)
        }
    }

    /// Popped members reach replicas as SREMs of up to 1024 members (Redis 7.0's batches).
    struct SremBatcher {
        let c: Call
        let size: Int
        var batch: [PropagationArg] = []
        let active: Bool

        init(_ c: Call, count: Int) {
            self.c = c
            self.size = min(count, 1024)
            self.active = c.engine.propagation.active
            c.preventPropagation()
        }

        mutating func add(_ e: SetElement) {
            guard active else { return }
            if batch.isEmpty { batch = ["SREM", .argv(1)] }
            batch.append(SetCommands.arg(e))
            if batch.count == size + 2 { c.propagate(batch); batch = [] }
        }

        mutating func finish() {
            if batch.count > 2 { c.propagate(batch) }
            batch = []
        }
    }

    /// SRANDMEMBER key [count]. O(1) without count, else O(|count|).
    static func srandmember(_ c: Call) {
        if c.argv.count == 3 { srandmemberWithCount(c); return }
        if c.argv.count > 3 { c.syntaxError(); return }
        switch find(c, c.argv[1]) {
        case .wrong: c.wrongType()
        case .none: c.null()
        case .set(let s): reply(c, s.randomElement()!)
        }
    }

    static func srandmemberWithCount(_ c: Call) {
        guard let l = c.argv.int(2) else { c.notInteger(); return }
        if l == Int64.min {
            c.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
            return
        }
        let set: SetValue
        switch find(c, c.argv[1]) {
        case .wrong: c.wrongType(); return
        case .none: c.array(0); return
        case .set(let s): set = s
        }
        let unique = l >= 0
        let count = Int(l.magnitude)
        if count == 0 { c.array(0); return }
        let size = set.count

        // CASE 1: repeats allowed (or a single pick): sample with replacement.
        if !unique || count == 1 {
            c.array(count)
            for _ in 0..<count {
                reply(c, set.randomElement()!)
                if c.client.closeASAP { break }
            }
            return
        }
        // CASE 2: the whole set, in its order.
        if count >= size {
            c.array(size)
            set.forEach { reply(c, $0) }
            return
        }
        var picked: [SetElement] = []
        if count * srandmemberSubStrategyMul > size {
            // CASE 3: close to the whole set: copy it, then drop random members.
            picked.reserveCapacity(size)
            set.forEach { m in
                switch m {
                case .int(let v): picked.append(.int(v))
                case .bytes(let raw): picked.append(.bytes(Bytes(raw)))
                }
            }
            while picked.count > count { picked.swapAt(Int.random(in: 0..<picked.count), picked.count - 1); picked.removeLast() }
        } else {
            // CASE 4: a small sample of a big set: draw until enough distinct members.
            var seen = Set<SetElement>(minimumCapacity: count)
            picked.reserveCapacity(count)
            while picked.count < count {
                let e = set.randomElement()!
                if seen.insert(e).inserted { picked.append(e) }
            }
        }
        c.array(picked.count)
        for e in picked { reply(c, e) }
    }
}
