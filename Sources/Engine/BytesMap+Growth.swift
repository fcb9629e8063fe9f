// Growth and shrinking of a BytesMap, one segment at a time.
//
// Grow: a full segment moves to the next capacity of the ladder below (steps of 1.2-1.5x at
// the top), and a full 256-slot segment splits into two of depth+1 by the next hash bit,
// doubling the directory first when the segment's depth is the directory's. Why a ladder and
// not doubling: with uniform hashing all segments fill together, so doubling would leave the
// whole map at 41% load right after a wave of splits (measured: 1.46x Redis's memory for a
// 1M-field hash); with the ladder a segment's load stays within ~62-81%.
// Shrink: after a removal, a segment whose members and its buddy's (same depth, prefix
// differing in the last bit) fit in a quarter of a segment merges with it; the directory
// halves while no segment uses its full depth; a segment at 1/8 load shrinks its capacity.
// The gaps between the 13/16 growth load and the shrink/merge loads keep an insert/remove pair
// from thrashing.

extension BytesMap {
    /// Deepest local depth: homes use the 32 hash bits after the prefix. Reaching it takes
    /// > 200 members sharing 32 bits of a seeded 64-bit hash.
    var maxDepth: Int { 32 }

    static var ladder: [Int] { [4, 8, 16, 32, 64, 96, 128, 160, 208, 256] }

    /// The smallest capacity holding `n` members at <= 65% load (maxCapacity when none does).
    func fittedCapacity(_ n: Int) -> Int {
        for c in Self.ladder where c <= maxCapacity && n * 20 <= c * 13 { return c }
        return maxCapacity
    }

    func nextCapacity(_ c: Int) -> Int {
        for l in Self.ladder where l > c { return min(l, maxCapacity) }
        return maxCapacity
    }

    /// Makes room for one more member in the segment of hash `h`. O(segment) per step.
    func makeRoom(_ h: UInt64) {
        ensureUniqueDirectory()
        while true {
            let idx = dir.index(h)
            let s = dir.entries[idx].takeUnretainedValue()
            if s.count < s.maxCount { return }
            if s.slotCount < maxCapacity {
                rebuild(idx, capacity: nextCapacity(s.slotCount))
            } else if s.depth >= maxDepth {
                // Past any realistic input; keep linear probing working up to one free slot.
                precondition(s.count < s.slotCount - 1, "BytesMap: too many members with colliding hashes")
                return
            } else {
                split(idx)
            }
        }
    }

    /// Replaces the segment at directory entry `idx` by one of `capacity` slots. O(segment).
    func rebuild(_ idx: Int, capacity: Int) {
        let old = dir.entries[idx]
        let s = old.takeUnretainedValue()
        let n = MapSegment<V>.make(capacity: capacity, depth: s.depth, prefix: s.header.prefix, epoch: epoch)
        s.transfer(owned: owns(idx), hasher: hasher) { _ in n }
        dir.place(n, .passRetained(n))
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
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: s.slotCount) { hashes in
            // Hash once, count each side, so both halves get a fitted capacity.
            let hs = hashes.baseAddress!
            var ones = 0
            let m = s.metas, sl = s.slots
            for i in 0..<s.slotCount where m[i] != 0 {
                hs[i] = sl[i].key.withBytes { hasher.hash($0) }
                ones += Int(truncatingIfNeeded: (hs[i] &<< UInt64(d)) >> 63)
            }
            let lo = MapSegment<V>.make(capacity: fittedCapacity(s.count - ones), depth: d + 1, prefix: p << 1, epoch: epoch)
            let hi = MapSegment<V>.make(capacity: fittedCapacity(ones), depth: d + 1, prefix: p << 1 | 1, epoch: epoch)
            s.transfer(owned: owned, hasher: hasher, hashes: hs) { h in (h &<< UInt64(d)) >> 63 == 0 ? lo : hi }
            dir.place(lo, .passRetained(lo))
            dir.place(hi, .passRetained(hi))
        }
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
        let s = dir.entries[idx].takeUnretainedValue()
        if s.depth > 0 && merge(idx) { return }
        if s.slotCount > 4 && s.count <= s.slotCount / 8 { rebuild(idx, capacity: fittedCapacity(s.count)) }
    }

    /// Merges the segment at `idx` with its buddy when both fit in a quarter of a segment.
    /// O(segment), plus O(directory) when the directory halves.
    func merge(_ idx: Int) -> Bool {
        let su = dir.entries[idx]
        let s = su.takeUnretainedValue()
        let d = s.depth
        let buddyIdx = Int(truncatingIfNeeded: s.header.prefix ^ 1) << (dir.depth - d)
        let bu = dir.entries[buddyIdx]
        let b = bu.takeUnretainedValue()
        guard b.depth == d, s.count + b.count <= maxCapacity / 4 else { return false }
        let parent = MapSegment<V>.make(capacity: fittedCapacity(s.count + b.count), depth: d - 1,
                                        prefix: s.header.prefix >> 1, epoch: epoch)
        s.transfer(owned: owns(idx), hasher: hasher) { _ in parent }
        b.transfer(owned: owns(buddyIdx), hasher: hasher) { _ in parent }
        dir.place(parent, .passRetained(parent))
        su.release()
        bu.release()
        dir.header.segments -= 1
        if d == dir.depth { dir.header.fullDepth -= 2 }
        while dir.depth > 0 && dir.header.fullDepth == 0 { dir = dir.halved() }
        return true
    }
}
