// KeyTable: the keyspace's hash table (one per database). Keys are binary-safe `Bytes`.
//
// Why not Swift's Dictionary: it rehashes all at once (one insert stalled 233-611 ms at 786k
// keys) and keeps no stable cursor, no O(1) random sampling and no per-slot index.
//
// Layout (the algorithm is Redis's dict.c; the storage is not):
// - Entries live in a chunked slab (`KeyTable+Slab.swift`): fixed chunks of 1024 entries of one
//   cache line each. An entry's slab index never changes while its key lives, so growth never
//   copies entries and other structures (volatile list, per-slot lists) name entries by Int32.
//   Index 0 is never an entry ("none"), so a zero-filled bucket array is an empty one.
// - Buckets: power-of-two arrays of Int32 chain heads; chains link through `KeyEntry.next`.
//   Two tables during a rehash, moved a bucket per operation and ~1 ms per cron call
//   (`KeyTable+Rehash.swift`): no operation is O(n) except explicit full walks.
// - Expiry: `expireAt` in the entry (0 = none) plus a dense list of volatile slab indices for
//   O(1) sampling (`KeyTable+Sampling.swift`).
// - Cluster: per-slot key counts always, per-slot lists on demand (`KeyTable+Slots.swift`).
//
// Invariants (checked by `checkInvariants()` in debug builds):
// - every live entry is in exactly one chain, of t0 at hash & t0.mask or (rehashing) of t1;
//   t0 buckets below `rehashIdx` are empty; `t0.used + t1.used == count`;
// - a slab slot below `highWater` (other than the two bitmap slots per chunk) is live
//   (`next >= 0`) or on the free list (`next < 0`);
// - `volatileCount` == live entries with `expireAt != 0`, and each of them has its slot flag set;
//   a slot's flag is set iff its index is in `volatileList` (exactly once).
//
// Mutation while walking: `scan` and `sampleVolatile` callers must not call removeAll/detach;
// rehashing pauses while they run (as Redis's pauserehash).

extension InlineBytes {
    /// Equality of two canonical (zero-padded) inline byte strings.
    @inline(__always) func sameBytes(_ o: InlineBytes) -> Bool {
        w0 == o.w0 && w1 == o.w1 && w2 == o.w2 && w3 == o.w3 && count == o.count
    }
}

/// One key. 64 bytes: one cache line (asserted in tests).
struct KeyEntry {
    var key: Bytes
    var value: Value
    /// Absolute unix ms; 0 = no expire.
    var expireAt: Int64
    /// Next entry in the bucket chain (0 = end). On free slots: the free list, encoded negative.
    var next: Int32
    /// LRU access clock (seconds), for OBJECT IDLETIME and eviction.
    var lru: UInt32
}

final class KeyTable {
    let hasher: KeyHasher
    var t0 = BucketArray.empty
    var t1 = BucketArray.empty
    /// Next t0 bucket to move while rehashing; -1 when not rehashing.
    var rehashIdx = -1
    /// > 0 while a scan or sampling callback runs: no rehash steps, no removeAll.
    var pauseCount = 0
    var count = 0
    /// The access clock new entries start with (OBJECT IDLETIME counts from creation, as Redis).
    let clock: AccessClock
    /// Called after a key is linked in (the `new` keyspace notification, Redis's dbAdd).
    var onInsert: ((UnsafeRawBufferPointer) -> Void)? = nil
    var volatileCount = 0

    // Slab (KeyTable+Slab.swift)
    var chunks: UnsafeMutablePointer<UnsafeMutablePointer<KeyEntry>>
    var chunkCount = 0
    var chunkCapacity = 0
    /// Slots at or above this index were never used.
    var highWater: Int32 = 0
    var freeHead: Int32 = 0

    // Volatile keys (KeyTable+Sampling.swift)
    var volatileList = PagedInt32s()
    var rng: WyRand

    /// A running snapshot of this table (Snapshot.swift): entries are serialized before their
    /// first change. nil (one predictable branch per access) when no snapshot runs.
    var snapshot: SnapshotTable? = nil

    // Cluster slots (KeyTable+Slots.swift)
    var slotCounts: UnsafeMutablePointer<Int32>? = nil
    var slotIndex: SlotLists? = nil

    init(seed: UInt64, clock: AccessClock = AccessClock()) {
        self.clock = clock
        hasher = KeyHasher(seed: seed)
        rng = WyRand(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        chunks = UnsafeMutablePointer.allocate(capacity: 1)
    }

    deinit {
        releaseStorage()
        slotIndex?.free()
        chunks.deallocate()
    }

    var isRehashing: Bool { rehashIdx >= 0 }

    @inline(__always) func hash(_ key: UnsafeRawBufferPointer) -> UInt64 { hasher.hash(key) }

    // MARK: lookup

    /// The slab index of `key`, 0 when absent. O(1) expected; does a rehash step.
    @inline(__always) func find(_ key: UnsafeRawBufferPointer) -> Int32 {
        if count == 0 { return 0 }
        if rehashIdx >= 0 { rehashStep() }
        let i = lookup(key, hash(key))
        // Every caller may change the entry it finds (Database.update, an object mutated in
        // place after a lookup): a running snapshot writes it out first.
        if i != 0, let s = snapshot { s.save(i) }
        return i
    }

    /// The snapshot hook for entry `i` about to change (or be handed out for changing).
    @inline(__always) func preWrite(_ i: Int32) {
        if let s = snapshot { s.save(i) }
    }

    @inline(__always) func lookup(_ key: UnsafeRawBufferPointer, _ h: UInt64) -> Int32 {
        withKeyMatcher(key) { lookup(h, $0) }
    }

    /// Calls `body` with a predicate "this entry holds `key`". Short keys are stored inline
    /// with zero padding, so comparing the padded words decides equality: no memcmp call and
    /// no copy of the stored enum.
    @inline(__always) func withKeyMatcher<R>(_ key: UnsafeRawBufferPointer, _ body: ((UnsafeMutablePointer<KeyEntry>) -> Bool) -> R) -> R {
        if key.count <= InlineBytes.capacity {
            let probe = InlineBytes(key)
            return body { e in
                if case .inline(let k) = e.pointee.key { return k.sameBytes(probe) }
                return false
            }
        }
        return body { $0.pointee.key.equals(key) }
    }

    @inline(__always) func lookup(_ h: UInt64, _ matches: (UnsafeMutablePointer<KeyEntry>) -> Bool) -> Int32 {
        var i = t0.heads[t0.bucket(h)]
        while i != 0 {
            let e = entry(i)
            if matches(e) { return i }
            i = e.pointee.next
        }
        if rehashIdx >= 0 {
            i = t1.heads[t1.bucket(h)]
            while i != 0 {
                let e = entry(i)
                if matches(e) { return i }
                i = e.pointee.next
            }
        }
        return 0
    }

    // MARK: insert

    /// Inserts or overwrites; clears the TTL unless `keepTTL`. True when the key is new. O(1) expected.
    @discardableResult
    func set(_ key: UnsafeRawBufferPointer, _ value: Value, keepTTL: Bool) -> Bool {
        let h = hash(key)
        if rehashIdx >= 0 { rehashStep() }
        let i = lookup(key, h)
        if i != 0 {
            preWrite(i)
            let e = entry(i)
            e.pointee.value = value
            if !keepTTL && e.pointee.expireAt != 0 { e.pointee.expireAt = 0; volatileCount -= 1 }
            return false
        }
        _ = insertNew(key, h, value)
        return true
    }

    /// The slab index of `key`, inserting `make()` when absent. O(1) expected.
    func findOrInsert(_ key: UnsafeRawBufferPointer, _ make: () -> Value) -> (index: Int32, inserted: Bool) {
        let h = hash(key)
        if rehashIdx >= 0 { rehashStep() }
        let i = lookup(key, h)
        if i != 0 { preWrite(i); return (i, false) }
        return (insertNew(key, h, make()), true)
    }

    /// Links a new entry (the key must be absent). Grows the table first when full.
    func insertNew(_ key: UnsafeRawBufferPointer, _ h: UInt64, _ value: Value) -> Int32 {
        if rehashIdx < 0 && count >= t0.size { startResize(to: count + 1) }
        let i = allocEntry()
        // Not in the snapshot instant: the walker must skip the reused or new slot.
        if let s = snapshot { s.markDone(i) }
        let e = entry(i)
        if rehashIdx >= 0 {
            let b = t1.bucket(h)
            e.initialize(to: KeyEntry(key: Bytes(key), value: value, expireAt: 0, next: t1.heads[b], lru: clock.newEntryStamp))
            t1.heads[b] = i
            t1.used += 1
        } else {
            let b = t0.bucket(h)
            e.initialize(to: KeyEntry(key: Bytes(key), value: value, expireAt: 0, next: t0.heads[b], lru: clock.newEntryStamp))
            t0.heads[b] = i
            t0.used += 1
        }
        count += 1
        slotInserted(i, keyHashSlot(key))
        if let f = onInsert { f(key) }
        return i
    }

    // MARK: remove

    /// Removes `key`, returning its value. O(1) expected.
    func remove(_ key: UnsafeRawBufferPointer) -> Value? {
        if count == 0 { return nil }
        if rehashIdx >= 0 { rehashStep() }
        let h = hash(key)
        guard let link = withKeyMatcher(key, { unlink(h, $0) }) else { return nil }
        return release(link, slot: keyHashSlot(key))
    }

    /// Removes the entry at slab index `i` (must be live). O(1) expected: rehashes its key once.
    func remove(at i: Int32) -> Value {
        let e = entry(i)
        let (h, slot) = e.pointee.key.withBytes { (hash($0), keyHashSlot($0)) }
        let found = unlink(h, { $0 == e })
        precondition(found == i, "KeyTable.remove(at:) on an entry not in the table")
        return release(i, slot: slot)
    }

    /// Unlinks the first entry of h's chains matching `match`; returns its index.
    @inline(__always) func unlink(_ h: UInt64, _ match: (UnsafeMutablePointer<KeyEntry>) -> Bool) -> Int32? {
        if let i = unlink(from: &t0, h, match) { return i }
        if rehashIdx >= 0, let i = unlink(from: &t1, h, match) { return i }
        return nil
    }

    @inline(__always) func unlink(from t: inout BucketArray, _ h: UInt64, _ match: (UnsafeMutablePointer<KeyEntry>) -> Bool) -> Int32? {
        var link = t.heads + t.bucket(h)
        while link.pointee != 0 {
            let i = link.pointee
            let e = entry(i)
            if match(e) {
                link.pointee = e.pointee.next
                t.used -= 1
                return i
            }
            link = e.pointer(to: \.next)!
        }
        return nil
    }

    /// Frees an unlinked entry: bookkeeping, then the value is moved out and returned.
    func release(_ i: Int32, slot: Int) -> Value {
        preWrite(i)
        let e = entry(i)
        if e.pointee.expireAt != 0 { volatileCount -= 1 }
        slotRemoved(i, slot)
        count -= 1
        let value = e.move().value
        freeEntry(i)
        maybeShrink()
        return value
    }

    // MARK: entry fields

    @inline(__always) func setExpire(_ i: Int32, _ ms: Int64) {
        preWrite(i)
        let e = entry(i)
        // 0 means "no expire" in the entry; an expire at the epoch is just as past at 1 ms.
        let at = ms == 0 ? 1 : ms
        if e.pointee.expireAt == 0 {
            volatileCount += 1
            markVolatile(i)
        }
        e.pointee.expireAt = at
    }

    @inline(__always) func persist(_ i: Int32) -> Bool {
        preWrite(i)
        let e = entry(i)
        if e.pointee.expireAt == 0 { return false }
        e.pointee.expireAt = 0   // stays in the volatile list until sampled (lazy cleanup)
        volatileCount -= 1
        return true
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// The engine's LRU clock (seconds), shared by every database so inserts can stamp entries
/// without the engine touching each key after creating it.
public final class AccessClock {
    public var seconds: UInt32 = 0
    /// An LFU policy is selected: new entries start with an LFU counter (EvictionLFU.swift).
    public var lfu = false
    public init() {}
}
