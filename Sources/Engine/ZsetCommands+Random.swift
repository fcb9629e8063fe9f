// ZRANDMEMBER and ZSCAN (Redis 7.0's zrandmemberCommand and scanGenericCommand for zsets).

import RESP

extension ZsetCommands {
    /// ZRANDMEMBER key [count [WITHSCORES]]
    static func zrandmember(_ c: Call) {
        let a = c.argv
        if a.count >= 3 {
            guard let l = a.int(2) else { c.notInteger(); return }
            if l == Int64.min {
                c.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"); return
            }
            if a.count > 4 || (a.count == 4 && !a.isEqual(3, "withscores")) { c.syntaxError(); return }
            let withScores = a.count == 4
            if withScores && (l < -Int64.max / 2 || l > Int64.max / 2) { c.error("ERR value is out of range"); return }
            randomWithCount(c, l, withScores: withScores)
            return
        }
        switch found(c.lookup(a[1])) {
        case .wrongType: c.wrongType()
        case .none: c.null()
        case .zset(let z): z.element(at: Int.random(in: 0..<z.count)) { m, _ in c.bulk(m) }
        }
    }

    /// zrandmemberWithCountCommand: a negative count may repeat members, a positive one returns
    /// distinct members (the whole zset when it asks for at least as many: highest score first,
    /// as Redis's zset iterator walks from the tail).
    static func randomWithCount(_ c: Call, _ l: Int64, withScores: Bool) {
        let z: ZsetValue
        switch found(c.lookup(c.argv[1])) {
        case .wrongType: c.wrongType(); return
        case .none: c.array(0); return
        case .zset(let v): z = v
        }
        let size = z.count
        let count = Int(l.magnitude)
        if count == 0 { c.array(0); return }
        if l < 0 || count == 1 {
            c.zheader(count, withScores: withScores)
            for _ in 0..<count {
                z.element(at: Int.random(in: 0..<size)) { c.zelement($0, $1, withScores: withScores) }
            }
            return
        }
        if count >= size {
            c.zheader(size, withScores: withScores)
            z.forEach(ranks: 0, size - 1, reverse: true) { c.zelement($0, $1, withScores: withScores) }
            return
        }
        // Distinct ranks: a partial Fisher-Yates shuffle when most of the zset is wanted,
        // otherwise rejection sampling into a set.
        var picks: [Int]
        if count * 3 > size {
            var all = Array(0..<size)
            for i in 0..<count { all.swapAt(i, Int.random(in: i..<size)) }
            picks = Array(all[0..<count])
        } else {
            var chosen = Set<Int>()
            while chosen.count < count { chosen.insert(Int.random(in: 0..<size)) }
            picks = Array(chosen)
        }
        picks.sort()
        c.zheader(count, withScores: withScores)
        if z.isListpack {
            var next = 0
            var rank = 0
            z.forEachElement { m, s in
                if next < picks.count && picks[next] == rank { c.zelement(m, s, withScores: withScores); next += 1 }
                rank += 1
            }
        } else {
            for r in picks { z.element(at: r) { c.zelement($0, $1, withScores: withScores) } }
        }
    }

    /// ZSCAN key cursor [MATCH pattern] [COUNT count]. A listpack is returned whole with cursor
    /// 0; a skiplist is scanned through its member map, like SCAN over the keyspace.
    static func zscan(_ c: Call) {
        let a = c.argv
        guard var cursor = KeyCommands.parseCursor(a[2]) else { c.error(WireError.invalidCursor); return }
        let z: ZsetValue
        switch found(c.lookup(a[1])) {
        case .wrongType: c.wrongType(); return
        case .none: c.array(2); c.bulk("0"); c.array(0); return
        case .zset(let v): z = v
        }
        guard let opts = ScanOptions.parse(c, from: 3, allowType: false) else { return }
        let count = opts.count, pattern = opts.pattern

        var entries: [(Bytes, Double)] = []
        if let m = z.map {
            var maxIterations = count.multipliedReportingOverflow(by: 10).overflow ? Int.max : count * 10
            repeat {
                cursor = m.scan(cursor) { k, v in entries.append((k, v)) }
                let more = maxIterations != 0
                maxIterations -= 1
                if !more { break }
            } while cursor != 0 && entries.count * 2 < count
        } else {
            z.forEachElement { entries.append((Bytes($0), $1)) }
            cursor = 0
        }
        if let p = pattern {
            entries.removeAll { k, _ in !k.withBytes { globMatch(pattern: p, $0, nocase: false) } }
        }
        c.array(2)
        c.bulk(String(cursor))
        c.array(entries.count * 2)
        let listpack = z.isListpack
        for (k, s) in entries {
            c.bulk(k)
            if listpack {
                withListpackScoreText(s) { c.bulk($0) }
            } else {
                withZsetScoreText(s) { c.bulk($0) }
            }
        }
    }

    /// A listpack score as Redis stores it as text (d2string): integers within +-2^62 in
    /// decimal, zero as "0", others as %.17g. ZSCAN of a listpack returns that text.
    static func withListpackScoreText<R>(_ d: Double, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if d == d.rounded(.towardZero) && d >= -Double(Int64.max / 2) && d <= Double(Int64.max / 2) {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buf in
                let n = formatDecimal(Int64(d), into: buf.baseAddress!)
                return body(UnsafeRawBufferPointer(start: buf.baseAddress!, count: n))
            }
        }
        return withZsetScoreText(d, body)
    }
}
