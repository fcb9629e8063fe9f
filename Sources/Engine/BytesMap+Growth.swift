// Growth and shrinking of a BytesMap, one segment at a time.
//
// Grow: a lone segment (directory depth 0) doubles its capacity up to the maximum; otherwise a
// full segment splits into two of depth+1 by the next hash bit, doubling the directory first
// when the segment's depth is the directory's. Shrink: after a removal, a segment whose
// members and its buddy's fit in a quarter of a segment merges with it (the buddy has the same
// depth and the prefix differing in the last bit); the directory halves while no segment
// uses its full depth; a lone segment halves its capacity at 1/8 load. The gap between the
// 13/16 split load and the 1/4 merge load keeps an insert/remove pair from thrashing.

extension BytesMap {
    /// Deepest local depth: homes need the `capBits` hash bits after the prefix and the meta
    /// fingerprint the 7 lowest. Reaching it takes > 200 members sharing 56 hash bits.
    var maxDepth: Int { 64 - 8 }

    /// Makes room for one more member in the segment of hash `h`. O(segment) per split.
    func makeRoom(_ h: UInt64) {
        ensureUniqueDirectory()
        while true {
            let idx = dir.index(h)
            let s = dir.entries[idx].takeUnretainedValue()
            if s.count < s.maxCount { return }
            if dir.depth == 0 && Int(s.header.capBits) < maxCapBits {
                resize(s, capBits: Int(s.header.capBits) + 1)
            } else if s.depth >= maxDepth {
                // Past any realistic input; keep linear probing working up to one free slot.
                precondition(s.count < s.slotCount - 1, "BytesMap: too many members with colliding hashes")
                return
            } else {
                split(idx)
            }
        }
    }

    /// Replaces the lone segment `s` by one of 2^capBits slots. O(segment).
    func resize(_ s: MapSegment<V>, capBits: Int) {
        let n = MapSegment<V>.make(capBits: capBits, depth: 0, prefix: 0, epoch: epoch)
        s.transfer(owned: owns(0), hasher: hasher) { _ in n }
        let old = dir.entries[0]
        dir.entries[0] = .passRetained(n)
        old.release()
    }

    /// Splits the segment at directory entry `idx` by its next hash bit. O(segment), plus
    /// O(directory) when the directory doubles.
    func split(_ idx: Int) {
        let old = dir.entries[idx]
        let s = old.takeUnretainedValue()
        let d = s.depth, p = s.header.prefix
        let owned = owns(idx)
        if d == dir.depth { dir = dir.doubled() }
        let lo = MapSegment<V>.make(capBits: maxCapBits, depth: d + 1, prefix: p << 1, epoch: epoch)
        let hi = MapSegment<V>.make(capBits: maxCapBits, depth: d + 1, prefix: p << 1 | 1, epoch: epoch)
        s.transfer(owned: owned, hasher: hasher) { h in (h &<< UInt64(d)) >> 63 == 0 ? lo : hi }
        dir.place(lo, .passRetained(lo))
        dir.place(hi, .passRetained(hi))
        old.release()
        dir.header.segments += 1
        if d + 1 == dir.depth { dir.header.fullDepth += 2 }
    }

    /// After a removal from the segment of `h` (already writable): merge or shrink if sparse.
    func afterRemove(_ h: UInt64) {
        if count == 0 && dir.depth == 0 {
            removeAll()
            return
        }
        let idx = dir.index(h)
        let su = dir.entries[idx]
        let s = su.takeUnretainedValue()
        if dir.depth == 0 {
            if Int(s.header.capBits) > MapSegment<V>.minCapBits && s.count <= s.slotCount / 8 {
                resize(s, capBits: Int(s.header.capBits) - 1)
            }
            return
        }
        let d = s.depth
        if d == 0 { return }
        let buddyIdx = Int(truncatingIfNeeded: s.header.prefix ^ 1) << (dir.depth - d)
        let bu = dir.entries[buddyIdx]
        let b = bu.takeUnretainedValue()
        guard b.depth == d, s.count + b.count <= (1 << maxCapBits) / 4 else { return }
        let parent = MapSegment<V>.make(capBits: maxCapBits, depth: d - 1, prefix: s.header.prefix >> 1, epoch: epoch)
        s.transfer(owned: true, hasher: hasher) { _ in parent }
        b.transfer(owned: owns(buddyIdx), hasher: hasher) { _ in parent }
        dir.place(parent, .passRetained(parent))
        su.release()
        bu.release()
        dir.header.segments -= 1
        if d == dir.depth { dir.header.fullDepth -= 2 }
        while dir.depth > 0 && dir.header.fullDepth == 0 { dir = dir.halved() }
    }
}
