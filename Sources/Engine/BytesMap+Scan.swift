// Walking a BytesMap: full iteration, SCAN with a stable cursor, and uniform random members.
//
// SCAN cursor = a position in hash space (a 64-bit hash value): "every member whose hash is
// below the cursor has been returned". One step visits the members whose home slot lies in
// one aligned slice of 16 home slots of the segment containing the cursor (~10 members at
// the average load), then returns the hash position where the next slice starts; past the last
// segment that position wraps to 0, which ends the scan. Because homes grow with the hash, a slice
// is a hash range. Splits, merges, capacity changes and node resizes between steps only
// refine or coarsen the ranges: the range visited always starts at or before the cursor and
// the next cursor is past it, so every member present for the whole scan is returned at least
// once (coarsening can return some again), as Redis's SCAN guarantees.
//
// Random member: draw a hash position and a slot uniformly; the segment holding the position
// (depth d, so drawn with probability 2^-d) is kept with probability 2^(d - deepest), and the
// slot must be occupied. Each member is then drawn with probability 2^-deepest / 256 per
// trial (for a lone segment: 1 / its capacity rounded up to a power of two): exactly uniform.
// The expected number of trials is 2^deepest * 256 / count, ~2 while segments are 50-81%
// full and within a bit of the deepest (measured: 2.05 from 1k to 4M members); after 256
// misses (a map left sparse by removals) an exact O(segments) pick by rank takes over,
// uniform as well.

extension BytesMap {
    /// Home slots per SCAN step.
    @inline(__always) static var sliceSlots: Int { 16 }

    /// Every member, in hash order of segments. O(N). `body` must not mutate the map.
    public func forEach(_ body: (Bytes, V) -> Void) {
        forEachSegment { s in
            let m = s.metas, sl = s.slots
            var left = s.count
            var i = 0
            while left > 0 {
                if m[i] != 0 { body(sl[i].key, sl[i].value); left -= 1 }
                i += 1
            }
        }
    }

    /// Every segment, in hash order. O(segments + nodes).
    func forEachSegment(_ body: (MapSegment<V>) -> Void) {
        func visit(_ n: MapNode<V>) {
            n.forEachChild { _, e in
                if MapNode<V>.isNode(e) { visit(MapNode<V>.node(e).takeUnretainedValue()) }
                else { MapNode<V>.segment(e)._withUnsafeGuaranteedRef(body) }
            }
        }
        visit(root)
    }

    /// One SCAN step: visits some members (at least one unless empty) and returns the next
    /// cursor, 0 when done. Every member present for a whole iteration is visited at least once.
    /// O(1) expected per slice; empty slices are skipped. `body` must not mutate the map.
    public func scan(_ cursor: UInt64, _ body: (Bytes, V) -> Void) -> UInt64 {
        if count == 0 { return 0 }
        var c = cursor
        var seen = false
        repeat {
            c = scanSlice(c) { k, v in seen = true; body(k, v) }
        } while !seen && c != 0
        return c
    }

    /// Visits the slice holding hash position `c`; returns where the next slice starts.
    func scanSlice(_ c: UInt64, _ body: (Bytes, V) -> Void) -> UInt64 {
        withSegment(c) { s in
            let d = s.depth, cap = s.slotCount
            let start = s.home(c) & ~(Self.sliceSlots - 1)
            let end = min(start + Self.sliceSlots, cap)
            let m = s.metas, sl = s.slots
            // Members homed in [start, end) sit in the run that starts in the slice: walk until
            // an empty slot past its end (around the table's wrap, at most once around).
            var off = 0
            while off < cap {
                let i = start + off < cap ? start + off : start + off - cap
                let t = m[i]
                if t == 0 {
                    if off >= end - start { break }
                } else {
                    let home = Int(t & 0xFF)
                    if home >= start && home < end { body(sl[i].key, sl[i].value) }
                }
                off += 1
            }
            if end == cap { return d == 0 ? 0 : (s.header.prefix &+ 1) &<< UInt64(64 - d) }
            // The first hash position whose home is `end`: y = ceil(end * 2^32 / cap) in the
            // 32 bits after the prefix (see MapSegment.home).
            let y = ((UInt64(end) << 32) + UInt64(cap) - 1) / UInt64(cap)
            let base = d == 0 ? 0 : s.header.prefix &<< UInt64(64 - d)
            return base | (y &<< UInt64(32 - d))
        }
    }

    // MARK: random

    /// A uniformly random member. O(1) expected.
    public func randomElement() -> (Bytes, V)? {
        if !rngSeeded {
            var g = SystemRandomNumberGenerator()
            rng = WyRand(seed: g.next())
            rngSeeded = true
        }
        return randomElement(using: &rng)
    }

    /// A uniformly random member drawn with `g`. O(1) expected.
    public func randomElement<G: RandomNumberGenerator>(using g: inout G) -> (Bytes, V)? {
        if count == 0 { return nil }
        // A power of two covering every segment's capacity, so a slot is drawn from bits.
        let bound = deepest == 0 ? withSegment(0) { $0.slotCount } : maxCapacity
        let slotMask = (1 << (Int.bitWidth - (bound - 1).leadingZeroBitCount)) - 1
        for _ in 0..<256 {
            let at = g.next(), r = g.next()
            let hit: (Bytes, V)? = withSegment(at) { s in
                // Keep a segment of depth d with probability 2^(d - deepest): then every
                // segment is kept with probability 2^-deepest, however deep it is.
                let keep = UInt64(1) &<< UInt64(deepest - s.depth) &- 1
                let slot = Int(truncatingIfNeeded: r) & slotMask
                guard (r >> 16) & keep == 0, slot < s.slotCount, s.metas[slot] != 0 else { return nil }
                return (s.slots[slot].key, s.slots[slot].value)
            }
            if let hit { return hit }
        }
        return member(rank: Int(truncatingIfNeeded: g.next().multipliedFullWidth(by: UInt64(count)).high))
    }

    /// The member at position `rank` of a walk in segment order. O(segments + capacity).
    func member(rank: Int) -> (Bytes, V)? {
        var n = rank
        var found: (Bytes, V)? = nil
        forEachSegment { s in
            if found != nil { return }
            if n >= s.count { n -= s.count; return }
            let m = s.metas
            var i = 0
            while true {
                if m[i] != 0 {
                    if n == 0 { found = (s.slots[i].key, s.slots[i].value); return }
                    n -= 1
                }
                i += 1
            }
        }
        return found
    }
}
