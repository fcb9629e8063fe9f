// Invariant checkers for both sorted-set encodings (see the headers of ZsetType+Listpack.swift
// and ZsetType+Skiplist.swift for the invariants). Compiled into debug and test builds only;
// they return a description of the first broken invariant, nil when all hold.

#if DEBUG
extension ZsetListpack {
    func check() -> String? {
        withBytes { p -> String? in
            var o = 0
            var n = 0
            var prev: (UnsafeRawBufferPointer, Double)? = nil
            while o < p.count {
                let e = ZsetListpack.entry(p, o)
                if e.next > p.count { return "entry at \(o) runs past the buffer" }
                let m = ZsetListpack.member(p, e)
                if e.score.isNaN { return "NaN score at \(o)" }
                if e.score == 0 && e.score.sign == .minus { return "negative zero at \(o)" }
                if let (pm, ps) = prev, !(ps < e.score || (ps == e.score && compareBytes(pm, m) < 0)) {
                    return "entry \(n) out of order"
                }
                prev = (m, e.score)
                o = e.next
                n += 1
            }
            return n == count ? nil : "count \(count) but \(n) entries"
        }
    }
}

extension ZSkiplist {
    func check() -> String? {
        if level < 1 || level > ZNode.maxLevel { return "level \(level)" }
        // Level 0: order, backward links, tail, length; remember each node's position.
        var position: [UnsafeMutableRawPointer: Int] = [:]
        var x = header.forward(0)
        var prev: ZNode? = nil
        var i = 0
        var maxLevel = 1
        while let n = x {
            i += 1
            position[n.raw] = i
            if n.score.isNaN { return "NaN score at rank \(i)" }
            if n.levelCount < 1 || n.levelCount > ZNode.maxLevel { return "node \(i) has \(n.levelCount) levels" }
            maxLevel = Swift.max(maxLevel, n.levelCount)
            if n.backward != prev { return "backward link of rank \(i)" }
            if let p = prev, !p.precedes(n.score, n.member) { return "rank \(i) out of order" }
            prev = n
            x = n.forward(0)
        }
        if i != length { return "length \(length) but \(i) nodes" }
        if tail != prev { return "tail is not the last node" }
        if maxLevel > level && length > 0 { return "a node has \(maxLevel) levels above the list's \(level)" }
        if level > 1 && header.forward(level - 1) == nil { return "top level \(level) is empty" }
        // Every level: links go forward, spans count level-0 steps, nodes are linked at each
        // of their levels and no higher.
        for lv in 0..<level {
            var p = header
            var rank = 0
            var linked = 0
            while true {
                guard let f = p.forward(lv) else {
                    // A link to the end spans the nodes left after it.
                    if p.span(lv) != length - rank { return "end link at level \(lv) spans \(p.span(lv)), not \(length - rank)" }
                    break
                }
                guard let to = position[f.raw] else { return "level \(lv) links to an unknown node" }
                if to <= rank { return "level \(lv) goes backwards" }
                if p.span(lv) != to - rank { return "span at level \(lv) from rank \(rank): \(p.span(lv)) != \(to - rank)" }
                if f.levelCount <= lv { return "node of \(f.levelCount) levels linked at level \(lv)" }
                rank = to
                linked += 1
                p = f
            }
            var expected = 0
            var y = header.forward(0)
            while let n = y { if n.levelCount > lv { expected += 1 }; y = n.forward(0) }
            if linked != expected { return "level \(lv) links \(linked) of \(expected) nodes" }
        }
        return nil
    }
}

extension ZsetValue {
    /// The encoding's invariants, and for skiplists the map mirroring the list.
    func check() -> String? {
        guard let s = sl else { return lp.check() }
        if let e = s.check() { return e }
        let m = s.map
        if m.count != s.length { return "map has \(m.count) members, list \(s.length)" }
        var x = s.first
        while let n = x {
            guard let score = m.get(n.member) else { return "member missing from the map" }
            if score.bitPattern != n.score.bitPattern { return "map score \(score) != list score \(n.score)" }
            x = n.forward(0)
        }
        if lp.count != 0 { return "skiplist with listpack entries" }
        return nil
    }
}
#endif
