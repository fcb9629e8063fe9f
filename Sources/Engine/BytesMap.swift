// Members of aggregate values (hash fields, set members, sorted-set members) -> payload.
//
// Why not Swift's Dictionary: it rehashes all at once (an insert stalled 233-611 ms at 786k
// keys), a copy copies the whole table on the next write, and it has no stable cursor.
//
// Structure: extendible hashing (Fagin, Nievergelt, Pippenger, Strong 1979). A directory of
// 2^depth entries indexed by the top bits of a seeded wyhash (`Hashing.swift`) points at
// segments (`BytesMap+Segment.swift`): small linear-probing tables of up to 256 slots whose
// members share a hash prefix. A full segment grows along a capacity ladder, and at 256 slots
// splits in two (doubling the directory first when its depth is the directory's); nothing
// else moves, so growth never stalls on the whole map. Removals merge a sparse segment with
// its buddy and halve the directory when they can, so random sampling stays O(1) expected.
//
// Copy-on-write (`copy()`, O(1)): a copy shares the directory; the first write to either side
// copies the directory (a pointer per entry, a retain per segment), and each write to a
// segment still reachable from the other side clones that one segment first. Which segments a
// map may write in place is tracked by an epoch rather than by reference counts, so a copy
// needn't touch every segment: a segment stamped with the map's epoch was created or claimed by
// this map since its last `copy()`; every `copy()` moves both maps to a new epoch (the same
// one: neither can reach the other's later segments). A segment with an older epoch is
// written in place only after `isKnownUniquelyReferenced` proves no other directory holds it.
//
// Invariants (checked by `checkInvariants()` in debug builds, BytesMap+Check.swift):
// - every segment fills exactly the directory entries of its prefix, its members' hashes
//   start with that prefix, each member's meta matches its hash and every slot from its home
//   to its position is occupied (linear probing);
// - a segment's count <= maxCount (but at the depth limit), its capacity is on the ladder;
//   `count` is the sum of the segments' counts;
// - the directory's `segments`/`fullDepth` tallies are exact.
//
// Mutation while walking: `forEach`/`scan` callbacks must not mutate the map.

/// The process-wide seed of BytesMap hashing (a seeded hash resists hash flooding).
let bytesMapSeed = UInt64.random(in: 1...UInt64.max)

public final class BytesMap<V> {
    var dir: MapDirectory<V>
    /// Number of members. O(1).
    public private(set) var count: Int
    var epoch: UInt64
    let hasher: KeyHasher
    /// Largest segment capacity: 256 normally, smaller in tests to force many splits.
    let maxCapacity: Int
    var rng = WyRand(seed: 0)
    var rngSeeded = false

    public convenience init() { self.init(seed: bytesMapSeed) }

    /// A map with a chosen hash seed (tests); `maxCapacity` (a power of two, 4...256) caps
    /// the segment size.
    init(seed: UInt64, maxCapacity: Int = MapSegment<V>.capacityLimit) {
        precondition(maxCapacity >= 4 && maxCapacity <= MapSegment<V>.capacityLimit && maxCapacity & (maxCapacity - 1) == 0)
        hasher = KeyHasher(seed: seed)
        self.maxCapacity = maxCapacity
        epoch = 1
        count = 0
        dir = .single(.make(capacity: 4, depth: 0, prefix: 0, epoch: 1))
    }

    init(sharing other: BytesMap<V>) {
        dir = other.dir
        count = other.count
        epoch = other.epoch
        hasher = other.hasher
        maxCapacity = other.maxCapacity
    }

    public var isEmpty: Bool { count == 0 }

    // MARK: lookup

    /// Calls `body` with the segment for hash `h`, read-only.
    @inline(__always) func withSegment<R>(_ h: UInt64, _ body: (MapSegment<V>) -> R) -> R {
        dir.entries[dir.index(h)]._withUnsafeGuaranteedRef(body)
    }

    /// The payload of `key`. O(1) expected.
    public func get(_ key: UnsafeRawBufferPointer) -> V? {
        let h = hasher.hash(key)
        return withSegment(h) { s in
            let i = s.find(key, h)
            return i < 0 ? nil : s.slots[i].value
        }
    }

    public func get(_ key: Bytes) -> V? { key.withBytes { get($0) } }

    /// O(1) expected.
    public func contains(_ key: UnsafeRawBufferPointer) -> Bool {
        let h = hasher.hash(key)
        return withSegment(h) { $0.find(key, h) >= 0 }
    }

    public func contains(_ key: Bytes) -> Bool { key.withBytes { contains($0) } }

    // MARK: writes

    /// Inserts or replaces; true when `key` was new. O(1) expected; a split moves at most one
    /// segment (256 members) and, rarely, doubles the directory (a pointer per entry).
    @discardableResult
    public func set(_ key: UnsafeRawBufferPointer, _ value: V) -> Bool {
        set(key, value) { Bytes(key) }
    }

    /// As `set(_:_:)`, storing `key` itself (no copy of its bytes).
    @discardableResult
    public func set(_ key: Bytes, _ value: V) -> Bool {
        key.withBytes { set($0, value) { key } }
    }

    @inline(__always) func set(_ key: UnsafeRawBufferPointer, _ value: V, _ make: () -> Bytes) -> Bool {
        let h = hasher.hash(key)
        let (i, full) = withSegment(h) { s in (s.find(key, h), s.count >= s.maxCount) }
        if i >= 0 {
            withWritableSegment(h) { s in s.slots[i].value = value }
            return false
        }
        if full { makeRoom(h) }
        withWritableSegment(h) { s in s.insertNew(BytesMapSlot(key: make(), value: value), h) }
        count += 1
        return true
    }

    /// Removes `key`; returns its payload. O(1) expected (a merge moves at most two segments).
    @discardableResult
    public func remove(_ key: UnsafeRawBufferPointer) -> V? {
        if count == 0 { return nil }
        let h = hasher.hash(key)
        let i = withSegment(h) { $0.find(key, h) }
        if i < 0 { return nil }
        let v = withWritableSegment(h) { s in s.remove(at: i).value }
        count -= 1
        afterRemove(h)
        return v
    }

    @discardableResult
    public func remove(_ key: Bytes) -> V? { key.withBytes { remove($0) } }

    /// Mutates the payload of `key` in place; nil when absent. O(1) expected.
    public func update<R>(_ key: UnsafeRawBufferPointer, _ body: (inout V) -> R) -> R? {
        let h = hasher.hash(key)
        let i = withSegment(h) { $0.find(key, h) }
        if i < 0 { return nil }
        return withWritableSegment(h) { s in body(&s.slots[i].value) }
    }

    /// An independent copy (COPY, snapshots). O(1): see the header; each map's later writes
    /// copy the directory once and the segments they touch.
    public func copy() -> BytesMap<V> {
        epoch &+= 1
        return BytesMap(sharing: self)
    }

    /// Drops every member. O(1) here; freeing the members is O(N) unless a copy shares them.
    public func removeAll() {
        dir = .single(.make(capacity: 4, depth: 0, prefix: 0, epoch: epoch))
        count = 0
    }

    // MARK: copy-on-write

    /// Calls `body` with the segment for hash `h` after making it (and the directory) this
    /// map's own. Slot indices are preserved, so an index found read-only stays valid.
    @inline(__always) func withWritableSegment<R>(_ h: UInt64, _ body: (MapSegment<V>) -> R) -> R {
        if !isKnownUniquelyReferenced(&dir) { dir = dir.copy() }
        let idx = dir.index(h)
        var u = dir.entries[idx]
        if u._withUnsafeGuaranteedRef({ $0.header.epoch }) != epoch { u = claim(idx) }
        return u._withUnsafeGuaranteedRef(body)
    }

    /// Makes the segment at directory entry `idx` writable: stamps it when no other directory
    /// holds it, else puts a clone in its place. O(segment) when cloning.
    func claim(_ idx: Int) -> Unmanaged<MapSegment<V>> {
        if owns(idx) {
            let u = dir.entries[idx]
            u._withUnsafeGuaranteedRef { $0.header.epoch = epoch }
            return u
        }
        let old = dir.entries[idx]
        let c = old._withUnsafeGuaranteedRef { $0.clone(epoch: epoch) }
        let u = Unmanaged.passRetained(c)
        dir.place(c, u)
        old.release()
        return u
    }

    /// True when the segment at `idx` is reachable from this map only (directory unique).
    func owns(_ idx: Int) -> Bool {
        let u = dir.entries[idx]
        if u._withUnsafeGuaranteedRef({ $0.header.epoch }) == epoch { return true }
        // Borrow the directory's reference as a strong one to ask for uniqueness, then hand
        // it back: the directory's count of references is unchanged.
        var s = u.takeRetainedValue()
        let unique = isKnownUniquelyReferenced(&s)
        _ = Unmanaged.passRetained(s)
        return unique
    }

    @inline(__always) func ensureUniqueDirectory() {
        if !isKnownUniquelyReferenced(&dir) { dir = dir.copy() }
    }
}
