// Invariant checker for tests (debug builds only): O(N), rehashes every member.
#if DEBUG
extension BytesMap {
    func checkInvariants() {
        let d = dir.depth
        var segments = 0, full = 0, total = 0
        var i = 0
        while i < dir.size {
            let s = dir.entries[i].takeUnretainedValue()
            precondition(s.depth <= d, "segment deeper than the directory")
            let span = 1 << (d - s.depth)
            precondition(i & (span - 1) == 0, "segment range not aligned")
            precondition(Int(truncatingIfNeeded: s.header.prefix) == i >> (d - s.depth), "segment prefix \(s.header.prefix) at entry \(i)")
            for j in i..<(i + span) { precondition(dir.entries[j].toOpaque() == dir.entries[i].toOpaque(), "segment range split") }
            precondition(Self.ladder.contains(s.slotCount) && s.slotCount <= maxCapacity, "capacity off the ladder")
            precondition(s.count <= s.maxCount || (s.depth >= maxDepth && s.count < s.slotCount), "overfull segment")
            precondition(s.header.epoch <= epoch, "segment from the future")
            checkSegment(s)
            segments += 1
            if s.depth == d { full += 1 }
            total += s.count
            i += span
        }
        precondition(segments == dir.header.segments, "segment tally \(dir.header.segments) != \(segments)")
        precondition(full == dir.header.fullDepth, "full-depth tally \(dir.header.fullDepth) != \(full)")
        precondition(d == 0 || full > 0, "directory could halve")
        precondition(total == count, "count \(count) != \(total)")
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
    /// Directory depth and segment count, for tests and benchmarks.
    var shape: (depth: Int, segments: Int) { (dir.depth, dir.header.segments) }

    /// Bytes held by the table itself (map, directory, segments; not the heap blocks of keys
    /// or payloads longer than 22 bytes), for MEMORY USAGE-style estimates. O(segments).
    public var tableBytes: Int {
        var n = 64 + 48 + 8 * dir.size
        dir.forEachSegment { _, u in
            u._withUnsafeGuaranteedRef { s in
                n += 48 + MapSegment<V>.metaBytes(s.slotCount) + s.slotCount * MemoryLayout<BytesMapSlot<V>>.stride
            }
        }
        return n
    }
}
