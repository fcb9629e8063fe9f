// Random sampling for RANDOMKEY, active expiry and eviction, all O(1) expected.
//
// Any key: a random non-empty bucket, then a random chain element (Redis's dictGetRandomKey;
// as there, keys in short chains are slightly favoured). The table is kept >= 10% full
// (shrink policy), so a non-empty bucket is found in ~10 probes at worst.
//
// Volatile keys: `volatileList` is a dense array of slab indices of keys that have (or had)
// an expire time, so active expiry samples only volatile keys however few they are. Cleanup
// is lazy: PERSIST, overwrite and delete leave the index in place; sampling swap-removes the
// stale indices it meets. A slab slot's flag says "my index is in the list", and it survives
// the slot being freed and reused, so each slot is listed at most once: the list never
// exceeds the slab, and each stale index costs one removal, paid once.

extension KeyTable {
    /// Slab index of a random key, 0 when empty. O(1) expected.
    func randomIndex() -> Int32 {
        if count == 0 { return 0 }
        if rehashIdx >= 0 { rehashStep() }
        var head: Int32 = 0
        if rehashIdx >= 0 {
            // Buckets of t0 below rehashIdx are empty: draw from the rest of t0 and all of t1.
            let span = t0.size + t1.size - rehashIdx
            repeat {
                let h = rehashIdx + rng.below(span)
                head = h >= t0.size ? t1.heads[h - t0.size] : t0.heads[h]
            } while head == 0
        } else {
            repeat { head = t0.heads[Int(truncatingIfNeeded: rng.next()) & t0.mask] } while head == 0
        }
        var len = 0
        var i = head
        while i != 0 { len += 1; i = entry(i).pointee.next }
        i = head
        for _ in 0..<rng.below(len) { i = entry(i).pointee.next }
        return i
    }

    /// Adds `i` to the volatile list unless it is listed already.
    @inline(__always) func markVolatile(_ i: Int32) {
        if !inVolatileList(i) {
            setInVolatileList(i, true)
            volatileList.append(i)
        }
    }

    /// Calls `body` with up to `n` distinct random slab indices of live keys that have an
    /// expire time; never a stale one. O(n + stale indices removed) (amortized O(n)).
    /// `body` may remove or expire keys (typically the one it is given).
    func sampleVolatile(_ n: Int, _ body: (Int32) -> Void) {
        if volatileCount == 0 { return }
        pauseCount += 1
        defer { pauseCount -= 1 }
        var k = 0           // positions < k were delivered this call (partial Fisher-Yates)
        var delivered = 0
        while delivered < n && k < volatileList.count {
            let j = k + rng.below(volatileList.count - k)
            let i = volatileList[j]
            if isLive(i) && entry(i).pointee.expireAt != 0 {
                volatileList[j] = volatileList[k]
                volatileList[k] = i
                k += 1
                delivered += 1
                body(i)
            } else {
                setInVolatileList(i, false)
                volatileList.swapRemove(at: j)
            }
        }
    }
}

/// A growable Int32 array in 16 KB pages: appending never copies the elements (no stall at
/// millions of entries; only the page directory, 8 bytes per 4096 elements, is copied).
struct PagedInt32s {
    static let shift = 12
    static let pageSize = 1 << shift
    private var pages: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>? = nil
    private var pageCount = 0
    private var pageCapacity = 0
    private(set) var count = 0

    @inline(__always) subscript(i: Int) -> Int32 {
        get { pages![i >> PagedInt32s.shift][i & (PagedInt32s.pageSize - 1)] }
        nonmutating set { pages![i >> PagedInt32s.shift][i & (PagedInt32s.pageSize - 1)] = newValue }
    }

    mutating func append(_ v: Int32) {
        if count == pageCount << PagedInt32s.shift {
            if pageCount == pageCapacity {
                let cap = max(8, pageCapacity * 2)
                let n = UnsafeMutablePointer<UnsafeMutablePointer<Int32>>.allocate(capacity: cap)
                if let p = pages { n.moveInitialize(from: p, count: pageCount); p.deallocate() }
                pages = n
                pageCapacity = cap
            }
            pages![pageCount] = .allocate(capacity: PagedInt32s.pageSize)
            pageCount += 1
        }
        self[count] = v
        count += 1
    }

    /// Replaces element `i` with the last one. O(1). Frees a page once two are unused.
    mutating func swapRemove(at i: Int) {
        count -= 1
        if i != count { self[i] = self[count] }
        if pageCount >= 2 && count <= (pageCount - 2) << PagedInt32s.shift {
            pageCount -= 1
            pages![pageCount].deallocate()
        }
    }

    mutating func removeAll() {
        for p in 0..<pageCount { pages![p].deallocate() }
        pages?.deallocate()
        pages = nil
        pageCount = 0
        pageCapacity = 0
        count = 0
    }
}
