// Walks and range deletions over both encodings, following Redis's algorithms step by step
// (genericZrangeby{rank,score,lex}Command, zzl/zsl{First,Last}In{,Lex}Range, zsl/zzlDeleteRange*)
// so that even lex ranges over mixed scores (which Redis leaves unspecified) answer the same.
// Bodies get the member's bytes (valid only during the call) and score, and must not modify
// the zset being walked.

typealias ZElementBody = (UnsafeRawBufferPointer, Double) -> Void
/// A range end test on (member, score).
typealias ZCheck = (UnsafeRawBufferPointer, Double) -> Bool

extension ZsetValue {
    /// Every element in order. O(N).
    func forEachElement(_ body: ZElementBody) {
        if let s = sl {
            var x = s.first
            while let n = x { body(n.member, n.score); x = n.forward(0) }
        } else {
            lp.forEach { body($0, $1); return true }
        }
    }

    /// The element at 0-based rank `i` (0 <= i < count). O(log N) skiplist, O(N) listpack.
    func element<R>(at i: Int, _ body: (UnsafeRawBufferPointer, Double) -> R) -> R {
        if let s = sl {
            let n = s.node(atRank: i + 1)!
            return body(n.member, n.score)
        }
        return lp.withBytes { p in
            var o = 0
            for _ in 0..<i { o = ZsetListpack.entry(p, o).next }
            let e = ZsetListpack.entry(p, o)
            return body(ZsetListpack.member(p, e), e.score)
        }
    }

    /// Ranks start...end (0-based, 0 <= start <= end < count), from the lowest score or, when
    /// `reverse`, from the highest. O(log N + M) skiplist, O(N) listpack.
    func forEach(ranks start: Int, _ end: Int, reverse: Bool, _ body: ZElementBody) {
        var left = end - start + 1
        if let s = sl {
            var x = s.node(atRank: reverse ? s.length - start : start + 1)
            while let n = x, left > 0 {
                body(n.member, n.score)
                left -= 1
                x = reverse ? n.backward : n.forward(0)
            }
            return
        }
        if !reverse {
            var i = 0
            lp.forEach { m, score in
                if i >= start { body(m, score); left -= 1 }
                i += 1
                return left > 0
            }
            return
        }
        let offs = lp.offsets()
        lp.withBytes { p in
            var i = offs.count - 1 - start
            while left > 0 {
                let e = ZsetListpack.entry(p, offs[i])
                body(ZsetListpack.member(p, e), e.score)
                left -= 1
                i -= 1
            }
        }
    }

    /// ZRANGEBYSCORE / ZRANGEBYLEX's walk: from the first element in range (the last when
    /// `reverse`), skip `offset` elements (a negative offset skips everything, as Redis's
    /// `while (ln && offset--)` does), then emit up to `limit` (negative = all) while in range.
    /// Returns the number emitted. O(log N + offset + M) skiplist, O(N) listpack.
    func walk(empty: Bool, gte: ZCheck, lte: ZCheck, offset: Int, limit: Int, reverse: Bool,
              _ body: ZElementBody) -> Int {
        var skip = offset
        var left = limit
        var emitted = 0
        if let s = sl {
            var x = reverse ? lastInRange(s, empty, gte, lte) : firstInRange(s, empty, gte, lte)
            while let n = x, skip != 0 { skip -= 1; x = reverse ? n.backward : n.forward(0) }
            while let n = x, left != 0 {
                left -= 1
                let m = n.member, score = n.score
                if reverse ? !gte(m, score) : !lte(m, score) { break }
                body(m, score)
                emitted += 1
                x = reverse ? n.backward : n.forward(0)
            }
            return emitted
        }
        let offs = lp.offsets()
        lp.withBytes { p in
            guard var i = listpackRangeStart(p, offs, empty, gte, lte, reverse: reverse) else { return }
            let step = reverse ? -1 : 1
            while i >= 0 && i < offs.count && skip != 0 { skip -= 1; i += step }
            while i >= 0 && i < offs.count && left != 0 {
                left -= 1
                let e = ZsetListpack.entry(p, offs[i])
                let m = ZsetListpack.member(p, e)
                if reverse ? !gte(m, e.score) : !lte(m, e.score) { break }
                body(m, e.score)
                emitted += 1
                i += step
            }
        }
        return emitted
    }

    /// ZCOUNT / ZLEXCOUNT: the number of elements in range. O(log N) skiplist, O(N) listpack.
    func countInRange(empty: Bool, gte: ZCheck, lte: ZCheck) -> Int {
        if let s = sl {
            guard let first = firstInRange(s, empty, gte, lte) else { return 0 }
            var n = s.length - (s.rank(first.score, first.member) - 1)
            if let last = lastInRange(s, empty, gte, lte) {
                n -= s.length - s.rank(last.score, last.member)
            }
            return n
        }
        let offs = lp.offsets()
        return lp.withBytes { p in
            guard var i = listpackRangeStart(p, offs, empty, gte, lte, reverse: false) else { return 0 }
            var n = 0
            while i < offs.count {
                let e = ZsetListpack.entry(p, offs[i])
                if !lte(ZsetListpack.member(p, e), e.score) { break }
                n += 1
                i += 1
            }
            return n
        }
    }

    /// ZREMRANGEBYSCORE / ZREMRANGEBYLEX. The skiplist skips while `gte` fails and deletes while
    /// `lte` holds (zslDeleteRangeBy*); the listpack starts at its first element in range
    /// (zzlDeleteRangeBy*). Returns the number removed. O(log N + M) / O(N).
    func removeRange(empty: Bool, gte: ZCheck, lte: ZCheck) -> Int {
        if let s = sl {
            let m = s.map
            return s.deleteRange(skipWhile: { !gte($0.member, $0.score) }, while: { lte($0.member, $0.score) },
                                 removed: { m.remove($0) })
        }
        let offs = lp.offsets()
        let span: (Range<Int>, Int)? = lp.withBytes { p in
            guard let first = listpackRangeStart(p, offs, empty, gte, lte, reverse: false) else { return nil }
            var i = first
            while i < offs.count {
                let e = ZsetListpack.entry(p, offs[i])
                if !lte(ZsetListpack.member(p, e), e.score) { break }
                i += 1
            }
            return (offs[first]..<(i < offs.count ? offs[i] : p.count), i - first)
        }
        guard let (r, n) = span else { return 0 }
        lp.removeEntries(r, count: n)
        return n
    }

    /// Removes ranks start...end (0-based, valid). O(log N + M) skiplist, O(N) listpack.
    func removeRanks(_ start: Int, _ end: Int) {
        if let s = sl {
            let m = s.map
            _ = s.deleteRange(ranks: start + 1, end + 1, removed: { m.remove($0) })
            return
        }
        let r: Range<Int> = lp.withBytes { p in
            var o = 0
            for _ in 0..<start { o = ZsetListpack.entry(p, o).next }
            var stop = o
            for _ in start...end { stop = ZsetListpack.entry(p, stop).next }
            return o..<stop
        }
        lp.removeEntries(r, count: end - start + 1)
    }

    // MARK: range starts

    /// zslIsInRange's data test: the last element is above min and the first below max.
    private func inRange(_ s: ZSkiplist, _ empty: Bool, _ gte: ZCheck, _ lte: ZCheck) -> Bool {
        guard !empty, let t = s.tail, let f = s.first else { return false }
        return gte(t.member, t.score) && lte(f.member, f.score)
    }

    private func firstInRange(_ s: ZSkiplist, _ empty: Bool, _ gte: ZCheck, _ lte: ZCheck) -> ZNode? {
        guard inRange(s, empty, gte, lte) else { return nil }
        guard let x = s.firstNode(after: { !gte($0.member, $0.score) }) else { return nil }
        return lte(x.member, x.score) ? x : nil
    }

    private func lastInRange(_ s: ZSkiplist, _ empty: Bool, _ gte: ZCheck, _ lte: ZCheck) -> ZNode? {
        guard inRange(s, empty, gte, lte) else { return nil }
        guard let x = s.lastNode(while: { lte($0.member, $0.score) }) else { return nil }
        return gte(x.member, x.score) ? x : nil
    }

    /// zzlFirstInRange / zzlLastInRange (and the lex twins): index of the first element in range
    /// scanning from the head (from the tail when `reverse`), nil when none.
    private func listpackRangeStart(_ p: UnsafeRawBufferPointer, _ offs: [Int], _ empty: Bool,
                                    _ gte: ZCheck, _ lte: ZCheck, reverse: Bool) -> Int? {
        guard !empty, !offs.isEmpty else { return nil }
        let last = ZsetListpack.entry(p, offs[offs.count - 1])
        let first = ZsetListpack.entry(p, offs[0])
        guard gte(ZsetListpack.member(p, last), last.score), lte(ZsetListpack.member(p, first), first.score) else { return nil }
        if reverse {
            for i in stride(from: offs.count - 1, through: 0, by: -1) {
                let e = ZsetListpack.entry(p, offs[i])
                let m = ZsetListpack.member(p, e)
                if lte(m, e.score) { return gte(m, e.score) ? i : nil }
            }
        } else {
            for i in 0..<offs.count {
                let e = ZsetListpack.entry(p, offs[i])
                let m = ZsetListpack.member(p, e)
                if gte(m, e.score) { return lte(m, e.score) ? i : nil }
            }
        }
        return nil
    }
}

extension ZScoreRange {
    var gteCheck: ZCheck { let r = self; return { r.gteMin($1) } }
    var lteCheck: ZCheck { let r = self; return { r.lteMax($1) } }
}

extension ZLexRange {
    var gteCheck: ZCheck { let r = self; return { m, _ in r.gteMin(m) } }
    var lteCheck: ZCheck { let r = self; return { m, _ in r.lteMax(m) } }
}
