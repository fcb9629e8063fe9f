// The eviction pool (evict.c evictionPoolPopulate): the best candidates seen so far, sorted by
// ascending score, at most 16. Each refill samples `maxmemory-samples` keys per database and
// inserts those scoring higher than the worst kept; eviction takes the highest-scored entry
// whose key still qualifies. Entries persist across calls, so the pool approximates true LRU
// (or LFU / TTL order) better than the samples of one call alone would.
// Scores: LRU idle seconds; LFU 255 - decayed counter; TTL UInt64.max - expire time.

struct EvictionPool {
    static let capacity = 16

    struct Entry {
        var score: UInt64
        var key: Bytes
        var db: Int
    }

    /// Sorted by ascending score.
    private(set) var entries: [Entry] = []

    init() { entries.reserveCapacity(EvictionPool.capacity) }

    var isEmpty: Bool { entries.isEmpty }

    /// Inserts a candidate unless the pool is full and it scores no higher than the worst kept
    /// (then that worst entry makes room). O(capacity).
    mutating func insert(score: UInt64, key: Bytes, db: Int) {
        var k = 0
        while k < entries.count && entries[k].score < score { k += 1 }
        if entries.count == EvictionPool.capacity {
            if k == 0 { return }
            entries.removeFirst()
            k -= 1
        }
        entries.insert(Entry(score: score, key: key, db: db), at: k)
    }

    /// Removes and returns the best (highest-scored) candidate.
    mutating func popBest() -> Entry? { entries.popLast() }

    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }
}
