// ZUNION ZUNIONSTORE ZINTER ZINTERSTORE ZINTERCARD ZDIFF ZDIFFSTORE (Redis 7.0's
// zunionInterDiffGenericCommand): inputs are sorted sets or plain sets (through
// `ZsetInputSource`, every member scoring 1), missing keys are empty; WEIGHTS multiply scores
// (a NaN product, 0 * inf, counts as 0) and AGGREGATE SUM|MIN|MAX combines them (a NaN sum,
// inf + -inf, counts as 0). Results are ordered by (score, member) like any sorted set.

import RESP

/// One input of a set operation.
struct ZSource {
    enum Kind {
        case missing
        case zset(ZsetValue)
        case set(ZsetInputSource)
    }
    var kind: Kind
    var weight = 1.0

    var count: Int {
        switch kind {
        case .missing: return 0
        case .zset(let z): return z.count
        case .set(let s): return s.zsetInputCount
        }
    }

    /// The input's own object, to notice a key given twice.
    var identity: ObjectIdentifier? {
        switch kind {
        case .missing: return nil
        case .zset(let z): return ObjectIdentifier(z)
        case .set(let s): return ObjectIdentifier(s)
        }
    }

    /// The member's score in this input (1 for set members), unweighted.
    func find(_ m: UnsafeRawBufferPointer) -> Double? {
        switch kind {
        case .missing: return nil
        case .zset(let z): return z.score(m)
        case .set(let s): return s.zsetInputContains(m) ? 1 : nil
        }
    }

    func forEach(_ body: ZElementBody) {
        switch kind {
        case .missing: break
        case .zset(let z): z.forEachElement(body)
        case .set(let s): s.zsetInputForEach { body($0, 1) }
        }
    }
}

extension ZsetCommands {
    enum SetOp { case union, inter, diff }

    static func zunion(_ c: Call) { algebra(c, "zunion", store: false, numKeys: 1, .union) }
    static func zunionstore(_ c: Call) { algebra(c, "zunionstore", store: true, numKeys: 2, .union) }
    static func zinter(_ c: Call) { algebra(c, "zinter", store: false, numKeys: 1, .inter) }
    static func zinterstore(_ c: Call) { algebra(c, "zinterstore", store: true, numKeys: 2, .inter) }
    static func zintercard(_ c: Call) { algebra(c, "zintercard", store: false, numKeys: 1, .inter, cardinalityOnly: true) }
    static func zdiff(_ c: Call) { algebra(c, "zdiff", store: false, numKeys: 1, .diff) }
    static func zdiffstore(_ c: Call) { algebra(c, "zdiffstore", store: true, numKeys: 2, .diff) }

    static func algebra(_ c: Call, _ name: String, store: Bool, numKeys: Int, _ op: SetOp, cardinalityOnly: Bool = false) {
        let a = c.argv
        guard let setnum = a.int(numKeys) else { c.notInteger(); return }
        if setnum < 1 { c.error("ERR at least 1 input key is needed for '\(name)' command"); return }
        if setnum > Int64(a.count - numKeys - 1) { c.syntaxError(); return }
        let n = Int(setnum)

        var src: [ZSource] = []
        src.reserveCapacity(n)
        var j = numKeys + 1
        for _ in 0..<n {
            switch store ? c.lookupWrite(a[j]) : c.lookup(a[j]) {
            case nil: src.append(ZSource(kind: .missing))
            case .object(let o)?:
                if let z = o as? ZsetValue { src.append(ZSource(kind: .zset(z))) }
                else if let s = o as? ZsetInputSource { src.append(ZSource(kind: .set(s))) }
                else { c.wrongType(); return }
            default: c.wrongType(); return
            }
            j += 1
        }

        var aggregate = 0   // 0 sum, 1 min, 2 max
        var withScores = false
        var limit = 0
        while j < a.count {
            let remaining = a.count - j
            if op != .diff && !cardinalityOnly && remaining >= n + 1 && a.isEqual(j, "weights") {
                j += 1
                for i in 0..<n {
                    guard let w = parseZsetScore(a[j]) else { c.error("ERR weight value is not a float"); return }
                    src[i].weight = w
                    j += 1
                }
            } else if op != .diff && !cardinalityOnly && remaining >= 2 && a.isEqual(j, "aggregate") {
                if a.isEqual(j + 1, "sum") { aggregate = 0 }
                else if a.isEqual(j + 1, "min") { aggregate = 1 }
                else if a.isEqual(j + 1, "max") { aggregate = 2 }
                else { c.syntaxError(); return }
                j += 2
            } else if !store && !cardinalityOnly && a.isEqual(j, "withscores") {
                withScores = true
                j += 1
            } else if cardinalityOnly && remaining >= 2 && a.isEqual(j, "limit") {
                guard let l = a.int(j + 1), l >= 0 else { c.error("ERR LIMIT can't be negative"); return }
                limit = Int(l)
                j += 2
            } else {
                c.syntaxError(); return
            }
        }
        // Smallest inputs first (Redis's qsort by cardinality; stable here).
        if op != .diff {
            src = src.enumerated().sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }.map(\.element)
        }

        var result: [(Bytes, Double)] = []
        var longest = 0
        let keep: ZElementBody = { m, s in
            result.append((Bytes(m), s))
            longest = max(longest, m.count)
        }
        switch op {
        case .union:
            union(src, aggregate, keep)
        case .inter:
            let n = inter(src, aggregate, cardinalityOnly: cardinalityOnly, limit: limit, keep)
            if cardinalityOnly { c.int(n); return }
        case .diff:
            diff(src, keep)
        }
        result.sort { x, y in
            x.1 < y.1 || (x.1 == y.1 && x.0.withBytes { p in y.0.withBytes { q in compareBytes(p, q) < 0 } })
        }

        if store {
            let dst = a[1]
            if result.isEmpty {
                c.int(0)
                if c.db.remove(dst) != nil { c.modified(dst, event: "del") }
                return
            }
            let z = ZsetValue.build(sorted: result, maxMemberLength: longest, c.engine.limits)
            c.db.set(dst, .object(z))
            c.int(result.count)
            c.modified(dst, event: op == .union ? "zunionstore" : op == .inter ? "zinterstore" : "zdiffstore")
            return
        }
        c.zheader(result.count, withScores: withScores)
        for (m, s) in result { m.withBytes { c.zelement($0, s, withScores: withScores) } }
    }

    /// zunionInterAggregate: a NaN sum (inf + -inf) becomes 0.
    @inline(__always) static func combine(_ target: inout Double, _ v: Double, _ aggregate: Int) {
        switch aggregate {
        case 0:
            target += v
            if target.isNaN { target = 0 }
        case 1: target = v < target ? v : target
        default: target = v > target ? v : target
        }
    }

    /// weight * score, with a NaN product (0 * inf) as 0.
    @inline(__always) static func weighted(_ s: Double, _ w: Double) -> Double {
        let v = s * w
        return v.isNaN ? 0 : v
    }

    static func union(_ src: [ZSource], _ aggregate: Int, _ keep: ZElementBody) {
        var acc: [Bytes: Double] = [:]
        var order: [Bytes] = []
        if let largest = src.last { acc.reserveCapacity(largest.count) }
        for s in src where s.count > 0 {
            s.forEach { m, score in
                let v = weighted(score, s.weight)
                let k = Bytes(m)
                if acc[k] != nil {
                    combine(&acc[k]!, v, aggregate)
                } else {
                    acc[k] = v
                    order.append(k)
                }
            }
        }
        for k in order { k.withBytes { keep($0, acc[k]!) } }
    }

    /// Returns the number of members in every input (stopping at `limit` when not 0).
    static func inter(_ src: [ZSource], _ aggregate: Int, cardinalityOnly: Bool, limit: Int, _ keep: ZElementBody) -> Int {
        guard let first = src.first, first.count > 0 else { return 0 }
        var cardinality = 0
        var done = false
        first.forEach { m, s in
            if done { return }
            var score = weighted(s, first.weight)
            for j in 1..<src.count {
                let other = src[j]
                if other.identity != nil && other.identity == first.identity {
                    combine(&score, s * other.weight, aggregate)
                } else if let v = other.find(m) {
                    combine(&score, v * other.weight, aggregate)
                } else {
                    return
                }
            }
            if cardinalityOnly {
                cardinality += 1
                if limit > 0 && cardinality >= limit { done = true }
            } else {
                keep(m, score)
            }
        }
        return cardinality
    }

    static func diff(_ src: [ZSource], _ keep: ZElementBody) {
        guard let first = src.first, first.count > 0 else { return }
        first.forEach { m, s in
            for j in 1..<src.count {
                let other = src[j]
                if (other.identity != nil && other.identity == first.identity) || other.find(m) != nil { return }
            }
            keep(m, s)
        }
    }
}
