// Growth and shrinking of a BytesMap, one segment at a time.
//
// Grow: a full segment moves to the next capacity of the ladder below (steps of 1.2-1.5x at
// the top), and a full 256-slot segment splits into two of depth+1 by the next hash bit; when
// it used its node's full depth, the node doubles first, or, at 512 entries, the segment's
// entry becomes a child node holding the two halves (BytesMap+Node.swift). Why a ladder and
// not doubling: with uniform hashing all segments fill together, so doubling would leave the
// whole map at 41% load right after a wave of splits (measured: 1.46x Redis's memory for a
// 1M-field hash); with the ladder a segment's load stays within ~62-81%.
// Shrink: after a removal, a segment whose members and its buddy's (same depth, prefix
// differing in the last bit) fit in a quarter of a segment merges with it; its node halves
// while no child uses its full depth, and a child node left with one entry is replaced by its
// segment; a segment at 1/8 load shrinks its capacity.
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

    /// Makes room for one more member in the segment of hash `h`. O(segment + node) per step.
    func makeRoom(_ h: UInt64) {
        while true {
            let trail = writableTrail(h)
            let (node, i) = trail[trail.count - 1]
            let s = MapNode<V>.segment(node.entries[i]).takeUnretainedValue()
            if s.count < s.maxCount { return }
            if s.slotCount < maxCapacity {
                rebuild(node, i, capacity: nextCapacity(s.slotCount))
            } else if s.depth >= maxDepth {
                // Past any realistic input; keep linear probing working up to one free slot.
                precondition(s.count < s.slotCount - 1, "BytesMap: too many members with colliding hashes")
                return
            } else {
                split(trail)
            }
        }
    }

    /// Replaces the segment at `node`'s entry `i` by one of `capacity` slots. O(segment).
    func rebuild(_ node: MapNode<V>, _ i: Int, capacity: Int) {
        let old = MapNode<V>.segment(node.entries[i])
        let s = old.takeUnretainedValue()
        let n = MapSegment<V>.make(capacity: capacity, depth: s.depth, prefix: s.header.prefix, epoch: epoch)
        s.transfer(owned: owns(node, i), hasher: hasher) { _ in n }
        node.place(n, .passRetained(n))
        old.release()
    }

    /// Puts `new` where the last node of `trail[..<level+1]` was (which must be dropped).
    func replaceNode(_ trail: [(node: MapNode<V>, index: Int)], _ level: Int, _ new: MapNode<V>) {
        if level == 0 { root = new; return }
        let (parent, i) = trail[level - 1]
        let old = MapNode<V>.node(parent.entries[i])
        parent.entries[i] = MapNode<V>.entry(.passRetained(new))
        old.release()
    }

    /// Splits the segment at the end of `trail` by its next hash bit. O(segment + node).
    func split(_ trail: [(node: MapNode<V>, index: Int)]) {
        var node = trail[trail.count - 1].node
        let i = trail[trail.count - 1].index
        let old = MapNode<V>.segment(node.entries[i])
        let s = old.takeUnretainedValue()
        let d = s.depth, p = s.header.prefix
        let owned = owns(node, i)
        var child: MapNode<V>? = nil
        if node.rel(s) == node.depth {
            if node.depth < MapNode<V>.maxDepth {
                let bigger = node.doubled(epoch: epoch)
                replaceNode(trail, trail.count - 1, bigger)
                node = bigger
            } else {
                child = MapNode<V>.make(base: d, prefix: p, depth: 1, epoch: epoch)
            }
        }
        let target = child ?? node
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: s.slotCount) { hashes in
            // Hash once, count each side, so both halves get a fitted capacity.
            let hs = hashes.baseAddress!
            var ones = 0
            let m = s.metas, sl = s.slots
            for j in 0..<s.slotCount where m[j] != 0 {
                hs[j] = sl[j].key.withBytes { hasher.hash($0) }
                ones += Int(truncatingIfNeeded: (hs[j] &<< UInt64(d)) >> 63)
            }
            let lo = MapSegment<V>.make(capacity: fittedCapacity(s.count - ones), depth: d + 1, prefix: p << 1, epoch: epoch)
            let hi = MapSegment<V>.make(capacity: fittedCapacity(ones), depth: d + 1, prefix: p << 1 | 1, epoch: epoch)
            s.transfer(owned: owned, hasher: hasher, hashes: hs) { h in (h &<< UInt64(d)) >> 63 == 0 ? lo : hi }
            target.place(lo, .passRetained(lo))
            target.place(hi, .passRetained(hi))
        }
        if let child {
            child.header.children = 2
            child.header.fullDepth = 2
            node.entries[i] = MapNode<V>.entry(.passRetained(child))
        } else {
            node.header.children += 1
            if node.rel(s) + 1 == node.depth { node.header.fullDepth += 2 }
        }
        old.release()
        if depthCounts.isEmpty {
            depthCounts = [Int](repeating: 0, count: maxDepth + 2)
            depthCounts[0] = 1
        }
        depthCounts[d] -= 1
        depthCounts[d + 1] += 2
        deepest = max(deepest, d + 1)
    }

    /// After a removal from the segment of `h` (already writable): merge or shrink if sparse.
    func afterRemove(_ h: UInt64) {
        if count == 0 {
            removeAll()     // frees every node and segment at once, however deep
            return
        }
        // Most removals change nothing structural: decide on a read-only walk first.
        let (merging, shrinking) = withLeaf(h) { node, i, s in
            (mergeable(node, i, s) != nil, s.slotCount > 4 && s.count <= s.slotCount / 8)
        }
        if !merging && !shrinking { return }
        let trail = writableTrail(h)
        if merging { merge(trail); return }
        let (node, i) = trail[trail.count - 1]
        let s = MapNode<V>.segment(node.entries[i]).takeUnretainedValue()
        rebuild(node, i, capacity: fittedCapacity(s.count))
    }

    /// Calls `body` with the node holding hash `h`'s segment, the entry index, the segment.
    @inline(__always) func withLeaf<R>(_ h: UInt64, _ body: (MapNode<V>, Int, MapSegment<V>) -> R) -> R {
        var n = Unmanaged.passUnretained(root)
        while true {
            let e = n._withUnsafeGuaranteedRef { $0.entries[$0.index(h)] }
            if !MapNode<V>.isNode(e) {
                return n._withUnsafeGuaranteedRef { node in
                    MapNode<V>.segment(e)._withUnsafeGuaranteedRef { body(node, node.index(h), $0) }
                }
            }
            n = MapNode<V>.node(e)
        }
    }

    /// The entry index of the buddy `s` (at `node`'s entry `i`) can merge with, if any: the
    /// segment of the same depth whose prefix differs in the last bit, when both fit in a
    /// quarter of a segment.
    func mergeable(_ node: MapNode<V>, _ i: Int, _ s: MapSegment<V>) -> Int? {
        let r = node.rel(s)
        if r == 0 { return nil }
        let relPrefix = Int(truncatingIfNeeded: s.header.prefix) & ((1 << r) - 1)
        let buddyIdx = (relPrefix ^ 1) << (node.depth - r)
        let be = node.entries[buddyIdx]
        if MapNode<V>.isNode(be) { return nil }
        let ok = MapNode<V>.segment(be)._withUnsafeGuaranteedRef { b in b.depth == s.depth && s.count + b.count <= maxCapacity / 4 }
        return ok ? buddyIdx : nil
    }

    /// Merges the segment at the end of `trail` with its buddy (`mergeable` must have said
    /// yes); then shrinks its node. O(segment + node).
    func merge(_ trail: [(node: MapNode<V>, index: Int)]) {
        let (node, i) = trail[trail.count - 1]
        let su = MapNode<V>.segment(node.entries[i])
        let s = su.takeUnretainedValue()
        let d = s.depth, r = node.rel(s)
        let buddyIdx = mergeable(node, i, s)!
        let bu = MapNode<V>.segment(node.entries[buddyIdx])
        let b = bu.takeUnretainedValue()
        let parent = MapSegment<V>.make(capacity: fittedCapacity(s.count + b.count), depth: d - 1,
                                        prefix: s.header.prefix >> 1, epoch: epoch)
        s.transfer(owned: owns(node, i), hasher: hasher) { _ in parent }
        b.transfer(owned: owns(node, buddyIdx), hasher: hasher) { _ in parent }
        node.place(parent, .passRetained(parent))
        su.release()
        bu.release()
        node.header.children -= 1
        if r == node.depth { node.header.fullDepth -= 2 }
        depthCounts[d] -= 2
        depthCounts[d - 1] += 1
        while deepest > 0 && depthCounts[deepest] == 0 { deepest -= 1 }
        shrink(trail)
    }

    /// Halves the last node of `trail` while no child uses its full depth, then replaces it
    /// by its segment if it is a child node left with one entry. O(node).
    func shrink(_ trail: [(node: MapNode<V>, index: Int)]) {
        let level = trail.count - 1
        var node = trail[level].node
        while node.depth > 0 && node.header.fullDepth == 0 {
            let smaller = node.halved(epoch: epoch)
            replaceNode(trail, level, smaller)
            node = smaller
        }
        if level > 0 && node.depth == 0 {
            // Hand the node's reference to its one segment over to the parent entry.
            let (parent, pi) = trail[level - 1]
            let old = MapNode<V>.node(parent.entries[pi])
            parent.entries[pi] = node.entries[0]
            parent.shapes[pi] = node.shapes[0]
            node.header.children = 0
            old.release()
        }
    }
}
