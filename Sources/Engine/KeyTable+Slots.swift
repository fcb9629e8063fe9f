// Per-cluster-slot bookkeeping. Counts are kept always (16384 Int32, allocated with the first
// key) so CLUSTER COUNTKEYSINSLOT and slot ownership checks are O(1). The per-slot key lists
// exist only after `enableSlotIndex()` (cluster mode): intrusive doubly-linked lists through
// parallel Int32 arrays beside the slab (a next/prev pair per slab slot, chunked like the
// slab), so the 64-byte entry does not grow and standalone servers pay nothing for them.
// CLUSTER GETKEYSINSLOT and slot migration walk a list in O(result).

/// Intrusive per-slot lists: heads[slot] and (next, prev) per slab index; 0 = none.
struct SlotLists {
    let heads: UnsafeMutablePointer<Int32>
    var links: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>
    var linkChunks = 0
    var linkCapacity: Int

    init(chunkCapacity: Int) {
        heads = calloc(clusterSlots, MemoryLayout<Int32>.stride)!.bindMemory(to: Int32.self, capacity: clusterSlots)
        linkCapacity = max(chunkCapacity, 1)
        links = .allocate(capacity: linkCapacity)
    }

    func free() {
        for c in 0..<linkChunks { links[c].deallocate() }
        links.deallocate()
        Glibc.free(heads)
    }

    mutating func reserveChunks(_ cap: Int) {
        guard cap > linkCapacity else { return }
        let n = UnsafeMutablePointer<UnsafeMutablePointer<Int32>>.allocate(capacity: cap)
        n.moveInitialize(from: links, count: linkChunks)
        links.deallocate()
        links = n
        linkCapacity = cap
    }

    mutating func addChunk() {
        reserveChunks(linkChunks + 1)
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * KeyTable.chunkSize)
        p.initialize(repeating: 0, count: 2 * KeyTable.chunkSize)
        links[linkChunks] = p
        linkChunks += 1
    }

    mutating func removeAll() {
        for c in 0..<linkChunks { links[c].deallocate() }
        linkChunks = 0
        heads.initialize(repeating: 0, count: clusterSlots)
    }

    /// Pointer to the (next, prev) pair of slab index `i`.
    @inline(__always) func link(_ i: Int32) -> UnsafeMutablePointer<Int32> {
        links[Int(i) >> KeyTable.chunkShift] + 2 * (Int(i) & KeyTable.chunkMask)
    }

    @inline(__always) func insert(_ i: Int32, _ slot: Int) {
        let l = link(i)
        let n = heads[slot]
        l[0] = n
        l[1] = 0
        if n != 0 { link(n)[1] = i }
        heads[slot] = i
    }

    @inline(__always) func remove(_ i: Int32, _ slot: Int) {
        let l = link(i)
        let n = l[0], p = l[1]
        if p != 0 { link(p)[0] = n } else { heads[slot] = n }
        if n != 0 { link(n)[1] = p }
    }
}

extension KeyTable {
    @inline(__always) func slotInserted(_ i: Int32, _ slot: Int) {
        if slotCounts == nil {
            slotCounts = calloc(clusterSlots, MemoryLayout<Int32>.stride)!.bindMemory(to: Int32.self, capacity: clusterSlots)
        }
        slotCounts![slot] += 1
        slotIndex?.insert(i, slot)
    }

    @inline(__always) func slotRemoved(_ i: Int32, _ slot: Int) {
        slotCounts![slot] -= 1
        slotIndex?.remove(i, slot)
    }

    var slotIndexEnabled: Bool { slotIndex != nil }

    /// Builds the per-slot lists (once; O(n) over the existing keys, normally none).
    func enableSlotIndex() {
        guard slotIndex == nil else { return }
        var s = SlotLists(chunkCapacity: chunkCapacity)
        for _ in 0..<chunkCount { s.addChunk() }
        slotIndex = s
        forEachIndex { i in s.insert(i, entry(i).pointee.key.hashSlot) }
    }

    /// Keys in `slot`. O(1).
    func countKeys(inSlot slot: Int) -> Int {
        guard let c = slotCounts, slot >= 0, slot < clusterSlots else { return 0 }
        return Int(c[slot])
    }

    /// Up to `max` slab indices of keys in `slot`, most recently added first. O(result).
    /// Requires `enableSlotIndex()`.
    func indices(inSlot slot: Int, max: Int) -> [Int32] {
        guard let s = slotIndex else { preconditionFailure("per-slot key lists need enableSlotIndex()") }
        var out: [Int32] = []
        guard slot >= 0, slot < clusterSlots else { return out }
        var i = s.heads[slot]
        while i != 0 && out.count < max {
            out.append(i)
            i = s.link(i)[0]
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif
