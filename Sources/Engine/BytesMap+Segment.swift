// One segment of a BytesMap: a small open-addressing table (linear probing, wrap-around,
// backward-shift deletion, so no tombstones) in a single allocation:
//   [header][metas: UInt16 x cap][slots: (key Bytes, value V) x cap]
//
// A segment of local depth `depth` holds exactly the members whose hash starts with the
// `depth` bits of `prefix`. Its home slot for hash h is the `capBits` bits that follow:
// (h << depth) >> (64 - capBits). So home order is hash order, which SCAN relies on.
//
// Meta word of a slot: 0 = empty; else 0x8000 | fingerprint(7 low hash bits) << 8 | home.
// Keeping the home in the meta lets deletion and SCAN walk runs without rehashing keys, and
// comparing whole metas rejects most non-matching slots before any key comparison.
//
// Segments are shared copy-on-write between maps: `epoch` names the map generation that may
// write it in place (see BytesMap.swift); a segment is never mutated while another map or
// snapshot can reach it.

struct BytesMapSlot<V> {
    var key: Bytes
    var value: V
}

struct MapSegmentHeader {
    var count: Int
    var epoch: UInt64
    /// Top `depth` bits of every member's hash (right-aligned).
    var prefix: UInt64
    var capBits: UInt8
    var depth: UInt8
}

final class MapSegment<V>: ManagedBuffer<MapSegmentHeader, UInt64> {
    /// Smallest and largest capacities (log2). Homes live in 8 meta bits, hence <= 8.
    static var minCapBits: Int { 2 }
    static var maxCapBitsLimit: Int { 8 }

    @inline(__always) static func metaBytes(_ cap: Int) -> Int { (cap * 2 + 7) & ~7 }

    static func make(capBits: Int, depth: Int, prefix: UInt64, epoch: UInt64) -> MapSegment<V> {
        precondition(MemoryLayout<BytesMapSlot<V>>.alignment <= 8, "BytesMap payload alignment above 8")
        let cap = 1 << capBits
        let bytes = metaBytes(cap) + cap * MemoryLayout<BytesMapSlot<V>>.stride
        let s = unsafeDowncast(create(minimumCapacity: (bytes + 7) >> 3) { _ in
            MapSegmentHeader(count: 0, epoch: epoch, prefix: prefix, capBits: UInt8(capBits), depth: UInt8(depth))
        }, to: MapSegment<V>.self)
        s.withUnsafeMutablePointerToElements { p in
            let raw = UnsafeMutableRawPointer(p)
            raw.bindMemory(to: UInt16.self, capacity: cap).initialize(repeating: 0, count: cap)
            _ = (raw + metaBytes(cap)).bindMemory(to: BytesMapSlot<V>.self, capacity: cap)
        }
        return s
    }

    deinit {
        let m = metas, s = slots
        var left = header.count
        var i = 0
        while left > 0 {
            if m[i] != 0 { (s + i).deinitialize(count: 1); left -= 1 }
            i += 1
        }
    }

    @inline(__always) var slotCount: Int { 1 << Int(header.capBits) }
    @inline(__always) var mask: Int { slotCount - 1 }
    @inline(__always) var count: Int { header.count }
    @inline(__always) var depth: Int { Int(header.depth) }

    @inline(__always) var metas: UnsafeMutablePointer<UInt16> {
        withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt16.self) }
    }

    @inline(__always) var slots: UnsafeMutablePointer<BytesMapSlot<V>> {
        let off = MapSegment.metaBytes(slotCount)
        return withUnsafeMutablePointerToElements { (UnsafeMutableRawPointer($0) + off).assumingMemoryBound(to: BytesMapSlot<V>.self) }
    }

    /// Most members before the segment must grow or split: 13/16 load keeps linear probing
    /// short (~3.6 probes for a miss at the average load, ~14 at the limit).
    @inline(__always) var maxCount: Int { slotCount <= 4 ? slotCount - 1 : slotCount * 13 / 16 }

    /// Home slot of hash `h` in this segment.
    @inline(__always) func home(_ h: UInt64) -> Int {
        Int(truncatingIfNeeded: (h &<< UInt64(header.depth)) &>> UInt64(64 - Int(header.capBits)))
    }

    @inline(__always) func meta(_ h: UInt64) -> UInt16 {
        0x8000 | UInt16(truncatingIfNeeded: (h & 0x7F) << 8) | UInt16(truncatingIfNeeded: home(h))
    }

    // MARK: probing

    /// Slot index of `key` (hash `h`), -1 when absent. O(1) expected.
    @inline(__always) func find(_ key: UnsafeRawBufferPointer, _ h: UInt64) -> Int {
        let m = metas, s = slots, mask = self.mask
        let want = meta(h)
        var i = Int(want & 0xFF)
        if key.count <= InlineBytes.capacity {
            // Short keys are stored inline, zero padded: comparing the words decides equality.
            let probe = InlineBytes(key)
            while true {
                let t = m[i]
                if t == 0 { return -1 }
                if t == want, case .inline(let k) = s[i].key, k.sameBytes(probe) { return i }
                i = (i + 1) & mask
            }
        }
        while true {
            let t = m[i]
            if t == 0 { return -1 }
            if t == want, s[i].key.equals(key) { return i }
            i = (i + 1) & mask
        }
    }

    /// Places a member known to be absent; the caller checks the load first. O(1) expected.
    @inline(__always) func insertNew(_ slot: BytesMapSlot<V>, _ h: UInt64) {
        let i = freeSlot(for: h)
        (slots + i).initialize(to: slot)
    }

    /// Claims the first free slot of h's run and writes its meta; the caller fills the slot.
    @inline(__always) func freeSlot(for h: UInt64) -> Int {
        let m = metas, mask = self.mask
        let want = meta(h)
        var i = Int(want & 0xFF)
        while m[i] != 0 { i = (i + 1) & mask }
        m[i] = want
        header.count += 1
        return i
    }

    /// Removes slot `i` (occupied) and returns it; later members of the run shift back over
    /// the hole (Knuth's Algorithm R) so lookups never need tombstones. O(run length).
    func remove(at i: Int) -> BytesMapSlot<V> {
        let m = metas, s = slots, mask = self.mask
        let out = (s + i).move()
        var hole = i
        var j = i
        while true {
            j = (j + 1) & mask
            let t = m[j]
            if t == 0 { break }
            let home = Int(t & 0xFF)
            // Member j may move into the hole unless its home lies cyclically in (hole, j].
            if (j &- home) & mask >= (j &- hole) & mask {
                (s + hole).moveInitialize(from: s + j, count: 1)
                m[hole] = t
                hole = j
            }
        }
        m[hole] = 0
        header.count -= 1
        return out
    }

    // MARK: rebuilding

    /// Moves (when `owned`, leaving this segment empty) or copies every member into
    /// `targets`, chosen by `pick(hash)`. O(slotCount); rehashes each key once.
    func transfer(owned: Bool, hasher: KeyHasher, _ pick: (UInt64) -> MapSegment<V>) {
        let m = metas, s = slots
        var left = header.count
        var i = 0
        while left > 0 {
            if m[i] != 0 {
                let h = s[i].key.withBytes { hasher.hash($0) }
                let dst = pick(h)
                let j = dst.freeSlot(for: h)
                if owned {
                    (dst.slots + j).moveInitialize(from: s + i, count: 1)
                    m[i] = 0
                } else {
                    (dst.slots + j).initialize(to: s[i])
                }
                left -= 1
            }
            i += 1
        }
        if owned { header.count = 0 }
    }

    /// A copy with the same layout, stamped with `epoch`. O(slotCount).
    func clone(epoch: UInt64) -> MapSegment<V> {
        let c = MapSegment.make(capBits: Int(header.capBits), depth: depth, prefix: header.prefix, epoch: epoch)
        let m = metas, s = slots, cm = c.metas, cs = c.slots
        cm.update(from: m, count: slotCount)
        for i in 0..<slotCount where m[i] != 0 { (cs + i).initialize(to: s[i]) }
        c.header.count = header.count
        return c
    }
}
