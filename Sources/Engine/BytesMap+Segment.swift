// One segment of a BytesMap: a small open-addressing table (linear probing, wrap-around,
// backward-shift deletion, so no tombstones) in a single allocation:
//   [header][metas: UInt16 x cap][slots: (key Bytes, value V) x cap]
//
// A segment of local depth `depth` holds exactly the members whose hash starts with the
// `depth` bits of `prefix`. Its home slot for hash h scales the 32 bits that follow to the
// capacity: y * cap >> 32 with y = (h << depth) >> 32 (Lemire's multiply-shift range
// reduction). So home order is hash order, which SCAN relies on, and the capacity need not be
// a power of two: segments grow along a ladder of ~1.25x steps (BytesMap+Growth.swift).
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
    var cap: UInt16
    var depth: UInt8
}

final class MapSegment<V>: ManagedBuffer<MapSegmentHeader, UInt64> {
    /// Largest capacity: homes live in 8 meta bits.
    static var capacityLimit: Int { 256 }

    @inline(__always) static func metaBytes(_ cap: Int) -> Int { (cap * 2 + 7) & ~7 }

    static func make(capacity cap: Int, depth: Int, prefix: UInt64, epoch: UInt64) -> MapSegment<V> {
        precondition(MemoryLayout<BytesMapSlot<V>>.alignment <= 8, "BytesMap payload alignment above 8")
        precondition(cap >= 2 && cap <= capacityLimit)
        let bytes = metaBytes(cap) + cap * MemoryLayout<BytesMapSlot<V>>.stride
        let s = unsafeDowncast(create(minimumCapacity: (bytes + 7) >> 3) { _ in
            MapSegmentHeader(count: 0, epoch: epoch, prefix: prefix, cap: UInt16(cap), depth: UInt8(depth))
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

    @inline(__always) var slotCount: Int { Int(header.cap) }
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

    /// Home slot of hash `h` in this segment (depth <= 32).
    @inline(__always) func home(_ h: UInt64) -> Int { MapSegment.home(h, depth: depth, cap: slotCount) }

    @inline(__always) static func home(_ h: UInt64, depth: Int, cap: Int) -> Int {
        Int(truncatingIfNeeded: (((h &<< UInt64(depth)) &>> 32) &* UInt64(cap)) &>> 32)
    }

    @inline(__always) func meta(_ h: UInt64) -> UInt16 { MapSegment.meta(h, depth: depth, cap: slotCount) }

    @inline(__always) static func meta(_ h: UInt64, depth: Int, cap: Int) -> UInt16 {
        0x8000 | UInt16(truncatingIfNeeded: (h & 0x7F) << 8) | UInt16(truncatingIfNeeded: home(h, depth: depth, cap: cap))
    }

    // MARK: probing

    /// Slot index of `key` (hash `h`), -1 when absent. O(1) expected.
    @inline(__always) func find(_ key: UnsafeRawBufferPointer, _ h: UInt64) -> Int {
        find(key, h, MapNode<V>.shape(self))
    }

    /// As `find(_:_:)`, with the segment's shape from its directory entry: no header load.
    @inline(__always) func find(_ key: UnsafeRawBufferPointer, _ h: UInt64, _ shape: UInt16) -> Int {
        let cap = Int(shape >> 8) << 2
        let m = metas
        let s = withUnsafeMutablePointerToElements {
            (UnsafeMutableRawPointer($0) + MapSegment.metaBytes(cap)).assumingMemoryBound(to: BytesMapSlot<V>.self)
        }
        let want = MapSegment.meta(h, depth: Int(shape & 0xFF), cap: cap)
        var i = Int(want & 0xFF)
        if key.count <= InlineBytes.capacity {
            // Short keys are stored inline, zero padded: comparing the words decides equality.
            let probe = InlineBytes(key)
            while true {
                let t = m[i]
                if t == 0 { return -1 }
                if t == want, case .inline(let k) = s[i].key, k.sameBytes(probe) { return i }
                i += 1; if i == cap { i = 0 }
            }
        }
        while true {
            let t = m[i]
            if t == 0 { return -1 }
            if t == want, s[i].key.equals(key) { return i }
            i += 1; if i == cap { i = 0 }
        }
    }

    /// Places a member known to be absent; the caller checks the load first. O(1) expected.
    @inline(__always) func insertNew(_ slot: BytesMapSlot<V>, _ h: UInt64) {
        let i = freeSlot(for: h)
        (slots + i).initialize(to: slot)
    }

    /// Claims the first free slot of h's run and writes its meta; the caller fills the slot.
    @inline(__always) func freeSlot(for h: UInt64) -> Int {
        let m = metas, cap = slotCount
        let want = meta(h)
        var i = Int(want & 0xFF)
        while m[i] != 0 { i += 1; if i == cap { i = 0 } }
        m[i] = want
        header.count += 1
        return i
    }

    /// Removes slot `i` (occupied) and returns it; later members of the run shift back over
    /// the hole (Knuth's Algorithm R) so lookups never need tombstones. O(run length).
    func remove(at i: Int) -> BytesMapSlot<V> {
        let m = metas, s = slots, cap = slotCount
        let out = (s + i).move()
        var hole = i
        var j = i
        while true {
            j += 1; if j == cap { j = 0 }
            let t = m[j]
            if t == 0 { break }
            let home = Int(t & 0xFF)
            // Member j may move into the hole unless its home lies cyclically in (hole, j].
            let fromHome = j >= home ? j - home : j + cap - home
            let fromHole = j >= hole ? j - hole : j + cap - hole
            if fromHome >= fromHole {
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

    /// Moves (when `owned`, leaving this segment empty) or copies every member into the
    /// segment `pick(hash)` chooses. O(capacity). `hashes`, when given, holds each occupied
    /// slot's hash; otherwise each key is rehashed.
    func transfer(owned: Bool, hasher: KeyHasher, hashes: UnsafePointer<UInt64>? = nil, _ pick: (UInt64) -> MapSegment<V>) {
        let m = metas, s = slots
        var left = header.count
        var i = 0
        while left > 0 {
            if m[i] != 0 {
                let h = hashes?[i] ?? s[i].key.withBytes { hasher.hash($0) }
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
        let c = MapSegment.make(capacity: slotCount, depth: depth, prefix: header.prefix, epoch: epoch)
        let m = metas, s = slots, cm = c.metas, cs = c.slots
        cm.update(from: m, count: slotCount)
        for i in 0..<slotCount where m[i] != 0 { (cs + i).initialize(to: s[i]) }
        c.header.count = header.count
        return c
    }
}
