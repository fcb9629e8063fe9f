// Invariant checker for tests (debug builds only): O(n), walks every structure and compares.
#if DEBUG
extension KeyTable {
    func checkInvariants() {
        var seen = Set<Int32>()
        var used0 = 0, used1 = 0
        func walk(_ t: BucketArray, _ isT0: Bool) {
            for b in 0..<t.size {
                var i = t.heads[b]
                if isT0 && rehashIdx >= 0 { precondition(b >= rehashIdx || i == 0, "moved t0 bucket not empty") }
                while i != 0 {
                    precondition(isLive(i), "chain holds a free slot \(i)")
                    precondition(seen.insert(i).inserted, "entry \(i) in two chains")
                    let h = entry(i).pointee.key.withBytes { hash($0) }
                    precondition(t.bucket(h) == b, "entry \(i) in the wrong bucket")
                    if isT0 { used0 += 1 } else { used1 += 1 }
                    i = entry(i).pointee.next
                }
            }
        }
        walk(t0, true)
        if rehashIdx >= 0 { walk(t1, false) } else { precondition(t1.size == 0, "t1 without rehash") }
        precondition(used0 == t0.used && used1 == t1.used, "used counts")
        precondition(seen.count == count, "count \(count) but \(seen.count) chained")
        var live = 0, vol = 0, free = 0
        var slots = [Int32](repeating: 0, count: clusterSlots)
        var slots0 = 0
        for i in 0..<highWater where Int(i) & KeyTable.chunkMask >= KeyTable.reservedSlots { slots0 += 1 }
        for i in 0..<highWater where isLive(i) {
            live += 1
            let e = entry(i).pointee
            if e.expireAt != 0 { vol += 1; precondition(inVolatileList(i), "volatile key \(i) not listed") }
            slots[e.key.hashSlot] += 1
        }
        var f = freeHead
        while f != 0 { precondition(!isLive(f), "free list holds live \(f)"); free += 1; f = -1 - nextField(f).pointee }
        precondition(live == count && live + free == slots0, "slab accounting")
        precondition(vol == volatileCount, "volatileCount \(volatileCount) but \(vol)")
        var listed = Set<Int32>()
        for k in 0..<volatileList.count {
            let i = volatileList[k]
            precondition(listed.insert(i).inserted, "slot \(i) listed twice")
            precondition(inVolatileList(i), "listed slot \(i) without flag")
        }
        for i in 0..<highWater where Int(i) & KeyTable.chunkMask >= KeyTable.reservedSlots && inVolatileList(i) { precondition(listed.contains(i), "flag without listing \(i)") }
        for s in 0..<clusterSlots {
            precondition(Int(slots[s]) == countKeys(inSlot: s), "slot \(s) count")
            if let idx = slotIndex {
                var n = 0, prev: Int32 = 0
                var i = idx.heads[s]
                while i != 0 {
                    precondition(entry(i).pointee.key.hashSlot == s && idx.link(i)[1] == prev, "slot list \(s)")
                    n += 1; prev = i; i = idx.link(i)[0]
                }
                precondition(n == slots[s], "slot \(s) list length")
            }
        }
    }
}
#endif
