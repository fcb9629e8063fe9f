// Incremental rehashing, as Redis's dict.c: a resize allocates the new bucket array (calloc)
// and sets `rehashIdx`; every lookup/insert/remove then moves one bucket (visiting at most 10
// empty ones, like _dictRehashStep), and the cron calls `rehashFor(micros:)`. Inserts go to
// the new table while rehashing, so the old one only drains.
//
// Policy: grow to the next power of two >= count + 1 when count reaches the table size (load
// factor 1); shrink to the next power of two >= max(count, 4) when under 10% full. Both
// happen only when no rehash is running. Growth moves S buckets over the next S writes, so a
// rehash always ends before the new table fills.

extension KeyTable {
    static let minTableSize = 4

    /// Starts moving to a table of the next power of two >= `minSize` (at least 4).
    func startResize(to minSize: Int) {
        var size = KeyTable.minTableSize
        while size < minSize { size <<= 1 }
        if size == t0.size { return }
        let t = BucketArray.allocate(size)
        if t0.size == 0 {          // first table: nothing to move
            t0 = t
            return
        }
        t1 = t
        rehashIdx = 0
    }

    /// After a removal: shrink when the table is under 10% full.
    @inline(__always) func maybeShrink() {
        if rehashIdx < 0 && t0.size > KeyTable.minTableSize && count * 10 < t0.size {
            startResize(to: count)
        }
    }

    /// One step for operations (Redis's _dictRehashStep): one bucket, at most 10 empty visits.
    @inline(__always) func rehashStep() {
        if pauseCount == 0 { _ = rehash(buckets: 1) }
    }

    /// Moves up to `n` non-empty buckets (visiting at most 10*n empty ones) from t0 to t1.
    /// Returns true when more remains. O(n + moved entries).
    @discardableResult
    func rehash(buckets n: Int) -> Bool {
        guard rehashIdx >= 0 else { return false }
        var n = n
        var emptyVisits = n * 10
        defer { if rehashIdx - t0.releasedUpTo >= BucketArray.releaseStep { t0.release(below: rehashIdx) } }
        while n > 0 && t0.used != 0 {
            n -= 1
            while t0.heads[rehashIdx] == 0 {
                rehashIdx += 1
                emptyVisits -= 1
                if emptyVisits == 0 { return true }
            }
            var i = t0.heads[rehashIdx]
            while i != 0 {
                let e = entry(i)
                let nx = e.pointee.next
                let b = t1.bucket(e.pointee.key.withBytes { hash($0) })
                e.pointee.next = t1.heads[b]
                t1.heads[b] = i
                t0.used -= 1
                t1.used += 1
                i = nx
            }
            t0.heads[rehashIdx] = 0
            rehashIdx += 1
        }
        if t0.used == 0 {
            t0.free()
            t0 = t1
            t1 = .empty
            rehashIdx = -1
            return false
        }
        return true
    }

    /// Rehashes in batches of 100 buckets for about `micros` microseconds (the cron's
    /// dictRehashMilliseconds). Returns true when more remains.
    @discardableResult
    func rehashFor(micros: Int64) -> Bool {
        guard rehashIdx >= 0, pauseCount == 0 else { return rehashIdx >= 0 }
        let start = monotonicMicros()
        while rehash(buckets: 100) {
            if monotonicMicros() - start >= micros { return true }
        }
        return false
    }
}
