// LINSERT LREM LTRIM LPOS: the list commands that search or cut inside a list.

extension ListCommands {
    static func linsert(_ c: Call) {
        let a = c.argv
        let after: Bool
        if a.isEqual(2, "after") { after = true } else if a.isEqual(2, "before") { after = false } else {
            c.syntaxError(); return
        }
        guard let v = c.lookupWrite(a[1]) else { c.int(0); return }
        guard let l = asList(v) else { c.wrongType(); return }
        guard let pivot = l.firstIndex(of: ListNeedle(a[3])) else { c.int(-1); return }
        l.insert(a[4], at: after ? pivot + 1 : pivot)
        c.modified(a[1], event: "linsert")
        c.int(l.count)
    }

    static func lrem(_ c: Call) {
        let a = c.argv
        guard let n = a.int(2) else { c.notInteger(); return }
        guard let v = c.lookupWrite(a[1]) else { c.int(0); return }
        guard let l = asList(v) else { c.wrongType(); return }
        // |Int64.min| does not fit: any limit beyond the list's length means "all of them".
        let limit = n == Int64.min ? Int.max : Int(n.magnitude)
        let removed = l.removeAll(matching: ListNeedle(a[3]), limit: limit, fromTail: n < 0)
        var events = 0
        if removed > 0 { c.modified(a[1], event: "lrem"); events += 1 }
        if l.count == 0 {
            c.db.remove(a[1])
            c.modified(a[1], event: "del")
            events += 1
        }
        c.engine.dirty += Int64(removed - events)
        c.int(removed)
    }

    static func ltrim(_ c: Call) {
        let a = c.argv
        guard let start = a.int(2), let end = a.int(3) else { c.notInteger(); return }
        guard let v = c.lookupWrite(a[1]) else { c.ok(); return }
        guard let l = asList(v) else { c.wrongType(); return }
        let len = l.count
        if let (s, e) = clampRange(start, end, len) {
            l.removeFirst(s)
            l.removeLast(len - e - 1)
        } else {
            l.removeFirst(len)
        }
        // Redis reports the trim (and counts one change) even when nothing was cut.
        c.modified(a[1], event: "ltrim")
        if l.count == 0 {
            c.db.remove(a[1])
            c.modified(a[1], event: "del")
            c.engine.dirty -= 1
        }
        c.ok()
    }

    /// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]. Repeated options: the last
    /// wins; a non-integer COUNT or MAXLEN gets the "can't be negative" error, as in Redis. Arithmetic on RANK wraps as in C, so RANK -9223372036854775808 behaves as Redis's.
    static func lpos(_ c: Call) {
        let a = c.argv
        var rank: Int64 = 1, count: Int64 = -1, maxlen: Int64 = 0
        var j = 3
        while j < a.count {
            let more = j + 1 < a.count
            if a.isEqual(j, "rank") && more {
                j += 1
                guard let r = a.int(j) else { c.notInteger(); return }
                if r == 0 {
                    c.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
                    return
                }
                rank = r
            } else if a.isEqual(j, "count") && more {
                j += 1
                guard let n = a.int(j), n >= 0 else { c.error("ERR COUNT can't be negative"); return }
                count = n
            } else if a.isEqual(j, "maxlen") && more {
                j += 1
                guard let n = a.int(j), n >= 0 else { c.error("ERR MAXLEN can't be negative"); return }
                maxlen = n
            } else {
                c.syntaxError(); return
            }
            j += 1
        }
        var fromTail = false
        if rank < 0 { rank = 0 &- rank; fromTail = true }
        guard let v = c.lookup(a[1]) else { if count != -1 { c.array(0) } else { c.null() }; return }
        guard let l = asList(v) else { c.wrongType(); return }

        let needle = ListNeedle(a[2])
        let len = Int64(l.count)
        var index: Int64 = 0, matches: Int64 = 0
        var found: [Int64] = []
        var single: Int64? = nil
        l.forEach(from: fromTail ? l.count - 1 : 0, reverse: fromTail) { e in
            if maxlen != 0 && index >= maxlen { return false }
            if needle.matches(e) {
                matches += 1
                let at = fromTail ? len - index - 1 : index
                if matches >= rank {
                    if count == -1 { single = at; return false }
                    found.append(at)
                    if count != 0 && matches &- rank &+ 1 >= count { return false }
                }
            }
            index += 1
            return true
        }
        if count == -1 {
            if let s = single { c.int(s) } else { c.null() }
            return
        }
        c.array(found.count)
        for i in found { c.int(i) }
    }
}
