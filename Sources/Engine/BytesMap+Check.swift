// Invariant checker for tests (debug builds only): O(N), rehashes every member.
#if DEBUG
extension BytesMap {
    func checkInvariants() {
        var total = 0
        var depths = [Int](repeating: 0, count: maxDepth + 2)
        checkNode(root, base: 0, prefix: 0, isRoot: true, &total, &depths)
        precondition(total == count, "count \(count) != \(total)")
        precondition(depths == (depthCounts.isEmpty ? [1] + [Int](repeating: 0, count: maxDepth + 1) : depthCounts), "depth histogram")
        precondition(deepest == (depths.lastIndex { $0 > 0 } ?? 0), "deepest \(deepest)")
    }

    func checkNode(_ n: MapNode<V>, base: Int, prefix: UInt64, isRoot: Bool, _ total: inout Int, _ depths: inout [Int]) {
        let d = n.depth
        precondition(n.header.base == base && n.header.prefix == prefix, "node position")
        precondition(d <= MapNode<V>.maxDepth && (isRoot || d >= 1), "node depth \(d)")
        precondition(n.header.epoch <= epoch, "node from the future")
        var children = 0, full = 0, i = 0
        while i < n.size {
            let e = n.entries[i]
            children += 1
            if MapNode<V>.isNode(e) {
                precondition(d == MapNode<V>.maxDepth, "child node under a node that can still double")
                let c = MapNode<V>.node(e).takeUnretainedValue()
                checkNode(c, base: base + d, prefix: prefix << UInt64(d) | UInt64(i), isRoot: false, &total, &depths)
                full += 1
                i += 1
                continue
            }
            let s = MapNode<V>.segment(e).takeUnretainedValue()
            let r = n.rel(s)
            precondition(r >= 0 && r <= d, "segment depth \(s.depth) outside node [\(base), \(base + d)]")
            let span = 1 << (d - r)
            precondition(i & (span - 1) == 0, "segment range not aligned")
            let want = r == 0 ? prefix : prefix << UInt64(r) | UInt64(i >> (d - r))
            precondition(s.header.prefix == want, "segment prefix \(s.header.prefix) != \(want)")
            for j in i..<(i + span) { precondition(n.entries[j] == e && n.shapes[j] == MapNode<V>.shape(s), "segment range split or stale shape") }
            precondition(Self.ladder.contains(s.slotCount) && s.slotCount <= maxCapacity, "capacity off the ladder")
            precondition(s.count <= s.maxCount || (s.depth >= maxDepth && s.count < s.slotCount), "overfull segment")
            precondition(s.header.epoch <= epoch, "segment from the future")
            checkSegment(s)
            if r == d { full += 1 }
            total += s.count
            depths[s.depth] += 1
            i += span
        }
        precondition(children == n.header.children, "children tally \(n.header.children) != \(children)")
        precondition(full == n.header.fullDepth, "full-depth tally \(n.header.fullDepth) != \(full)")
        precondition(d == 0 || full > 0, "node could halve")
    }

    func checkSegment(_ s: MapSegment<V>) {
        let m = s.metas, cap = s.slotCount
        var n = 0
        for i in 0..<s.slotCount where m[i] != 0 {
            n += 1
            let h = s.slots[i].key.withBytes { hasher.hash($0) }
            if s.depth > 0 { precondition(h >> UInt64(64 - s.depth) == s.header.prefix, "member outside its segment's prefix") }
            precondition(m[i] == s.meta(h), "stale meta")
            var j = s.home(h)
            while j != i { precondition(m[j] != 0, "hole inside a probe run"); j = j + 1 == cap ? 0 : j + 1 }
        }
        precondition(n == s.count, "segment count \(s.count) != \(n)")
        precondition(n < s.slotCount, "segment without a free slot")
    }
}
#endif

extension BytesMap {
    /// Deepest segment depth and segment count, for tests and benchmarks.
    var shape: (depth: Int, segments: Int) { (deepest, depthCounts.isEmpty ? 1 : depthCounts.reduce(0, +)) }

    /// Bytes held by the table itself (map, nodes, segments; not the heap blocks of keys or
    /// payloads longer than 22 bytes), for MEMORY USAGE-style estimates. O(segments).
    public var tableBytes: Int {
        var n = 64 + 8 * depthCounts.count
        func visit(_ node: MapNode<V>) {
            n += 64 + 8 * node.size
            node.forEachChild { _, e in
                if MapNode<V>.isNode(e) { visit(MapNode<V>.node(e).takeUnretainedValue()); return }
                MapNode<V>.segment(e)._withUnsafeGuaranteedRef { s in
                    n += 48 + MapSegment<V>.metaBytes(s.slotCount) + s.slotCount * MemoryLayout<BytesMapSlot<V>>.stride
                }
            }
        }
        visit(root)
        return n
    }
}
