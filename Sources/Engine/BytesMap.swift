// Members of aggregate values (hash fields, set members, sorted-set members) -> payload.
//
// Why not Swift's Dictionary: it rehashes all at once (an insert stalled 233-611 ms at 786k
// keys), a copy copies the whole table on the next write, and it has no stable cursor.
//
// Structure: extendible hashing (Fagin, Nievergelt, Pippenger, Strong 1979) on a seeded wyhash
// (`Hashing.swift`). A directory indexed by the top hash bits, itself a trie of small nodes
// (`BytesMap+Node.swift`), points at segments (`BytesMap+Segment.swift`): linear-probing
// tables of up to 256 slots whose members share a hash prefix. A full segment grows along a
// capacity ladder, and at 256 slots splits in two (`BytesMap+Growth.swift`); nothing else
// moves, so no operation costs more than one segment plus one node (512 entries). Removals
// merge a sparse segment with its buddy and shrink nodes, so random sampling stays O(1).
//
// Copy-on-write (`copy()`, O(1)): a copy shares the root node; a write clones, down the path to
// its member, each node and the segment still reachable from the other side (path copying:
// at most ~3 nodes and one segment per first write). Which nodes and segments a map may
// write in place is tracked by an epoch rather than by reference counts, so a copy needn't
// touch anything: an object stamped with the map's epoch was created or claimed by this map
// since its last `copy()`; every `copy()` moves both maps to a new epoch (the same one:
// neither can reach the other's later objects). An object with an older epoch is written in
// place only after `isKnownUniquelyReferenced` proves its parent is its only holder.
// Snapshots may be read on another thread while the original is written: shared objects are
// never mutated and reference counts are atomic.
//
// Invariants (checked by `checkInvariants()` in debug builds, BytesMap+Check.swift):
// - every segment fills exactly the entries of its prefix in its node, its members' hashes
//   start with that prefix, each member's meta matches its hash and every slot from its home
//   to its position is occupied (linear probing);
// - a segment's count <= maxCount (but at the depth limit), its capacity is on the ladder;
//   `count` is the sum of the segments' counts, `depthCounts` their depth histogram
//   (or empty, with one segment);
// - nodes: child nodes only in full-size nodes; non-root nodes have depth >= 1; the
//   `children`/`fullDepth` tallies are exact and a node of depth > 0 has a full-depth child.
//
// Mutation while walking: `forEach`/`scan` callbacks must not mutate the map.

/// The process-wide seed of BytesMap hashing (a seeded hash resists hash flooding).
let bytesMapSeed = UInt64.random(in: 1...UInt64.max)

public final class BytesMap<V> {
    var root: MapNode<V>
    /// Number of members. O(1).
    public private(set) var count: Int
    var epoch: UInt64
    let hasher: KeyHasher
    /// Largest segment capacity: 256 normally, smaller in tests to force many splits.
    let maxCapacity: Int
    /// Segments per local depth (empty while there is a single segment, so small maps don't
    /// pay for it), and the deepest in use (random sampling's bound).
    var depthCounts: [Int] = []
    var deepest = 0
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
        root = .single(.make(capacity: 4, depth: 0, prefix: 0, epoch: 1), epoch: 1)
    }

    init(sharing other: BytesMap<V>) {
        root = other.root
        count = other.count
        epoch = other.epoch
        hasher = other.hasher
        maxCapacity = other.maxCapacity
        depthCounts = other.depthCounts
        deepest = other.deepest
    }

    public var isEmpty: Bool { count == 0 }

    // MARK: lookup

    /// Calls `body` with the segment for hash `h`, read-only. O(trie levels).
    @inline(__always) func withSegment<R>(_ h: UInt64, _ body: (MapSegment<V>) -> R) -> R {
        withShapedSegment(h) { s, _ in body(s) }
    }

    /// As `withSegment`, also passing the segment's shape from its entry (see MapNode).
    @inline(__always) func withShapedSegment<R>(_ h: UInt64, _ body: (MapSegment<V>, UInt16) -> R) -> R {
        var n = Unmanaged.passUnretained(root)
        while true {
            let (e, shape) = n._withUnsafeGuaranteedRef { node -> (UInt, UInt16) in
                let i = node.index(h)
                return (node.entries[i], node.shapes[i])
            }
            if !MapNode<V>.isNode(e) { return MapNode<V>.segment(e)._withUnsafeGuaranteedRef { body($0, shape) } }
            n = MapNode<V>.node(e)
        }
    }

    /// Slot index of `key` (hash `h`) in its segment, -1 when absent. O(1) expected.
    @inline(__always) func slotIndex(_ key: UnsafeRawBufferPointer, _ h: UInt64) -> Int {
        withShapedSegment(h) { s, shape in s.find(key, h, shape) }
    }

    /// The payload of `key`. O(1) expected.
    public func get(_ key: UnsafeRawBufferPointer) -> V? {
        let h = hasher.hash(key)
        return withShapedSegment(h) { s, shape in
            let i = s.find(key, h, shape)
            return i < 0 ? nil : s.slots[i].value
        }
    }

    public func get(_ key: Bytes) -> V? { key.withBytes { get($0) } }

    /// O(1) expected.
    public func contains(_ key: UnsafeRawBufferPointer) -> Bool {
        let h = hasher.hash(key)
        return slotIndex(key, h) >= 0
    }

    public func contains(_ key: Bytes) -> Bool { key.withBytes { contains($0) } }

    // MARK: writes

    /// Inserts or replaces; true when `key` was new. O(1) expected; growth moves at most one
    /// segment (256 slots) and one node (512 entries).
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
        let i = slotIndex(key, h)
        if i >= 0 {
            withWritableSegment(h) { s in s.slots[i].value = value }
            return false
        }
        if withSegment(h, { $0.count >= $0.maxCount }) { makeRoom(h) }
        withWritableSegment(h) { s in s.insertNew(BytesMapSlot(key: make(), value: value), h) }
        count += 1
        return true
    }

    /// Removes `key`; returns its payload. O(1) expected (a merge moves at most two segments).
    @discardableResult
    public func remove(_ key: UnsafeRawBufferPointer) -> V? {
        if count == 0 { return nil }
        let h = hasher.hash(key)
        let i = slotIndex(key, h)
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
        let i = slotIndex(key, h)
        if i < 0 { return nil }
        return withWritableSegment(h) { s in body(&s.slots[i].value) }
    }

    /// An independent copy (COPY, snapshots). O(1): see the header; each map's later writes
    /// copy the nodes and segments they touch, once.
    public func copy() -> BytesMap<V> {
        epoch &+= 1
        return BytesMap(sharing: self)
    }

    /// Drops every member. O(1) here; freeing the members is O(N) unless a copy shares them.
    public func removeAll() {
        root = .single(.make(capacity: 4, depth: 0, prefix: 0, epoch: epoch), epoch: epoch)
        count = 0
        depthCounts = []
        deepest = 0
    }

    // MARK: copy-on-write

    /// Makes the nodes on the path to hash `h` this map's own; returns the last node and the
    /// index of h's entry in it. O(trie levels), plus O(node) per node cloned.
    @inline(__always) func writablePath(_ h: UInt64) -> (Unmanaged<MapNode<V>>, Int) {
        if !isKnownUniquelyReferenced(&root) { root = root.copy(epoch: epoch) }
        var n = Unmanaged.passUnretained(root)
        while true {
            let (i, e) = n._withUnsafeGuaranteedRef { node -> (Int, UInt) in let i = node.index(h); return (i, node.entries[i]) }
            if !MapNode<V>.isNode(e) { return (n, i) }
            var c = MapNode<V>.node(e)
            if c._withUnsafeGuaranteedRef({ $0.header.epoch }) != epoch { c = claimNode(n, i) }
            n = c
        }
    }

    /// The nodes from the root to hash `h`'s segment with the entry index in each, made
    /// writable (structural changes need the parents). Slow paths only.
    func writableTrail(_ h: UInt64) -> [(node: MapNode<V>, index: Int)] {
        _ = writablePath(h)
        var trail: [(node: MapNode<V>, index: Int)] = []
        var n = root
        while true {
            let i = n.index(h)
            trail.append((n, i))
            let e = n.entries[i]
            if !MapNode<V>.isNode(e) { return trail }
            n = MapNode<V>.node(e).takeUnretainedValue()
        }
    }

    /// Calls `body` with the segment for hash `h` after making it and its path this map's
    /// own. Slot indices are preserved, so an index found read-only stays valid.
    @inline(__always) func withWritableSegment<R>(_ h: UInt64, _ body: (MapSegment<V>) -> R) -> R {
        let (n, i) = writablePath(h)
        return n._withUnsafeGuaranteedRef { node in
            var u = MapNode<V>.segment(node.entries[i])
            if u._withUnsafeGuaranteedRef({ $0.header.epoch }) != epoch { u = claimSegment(node, i) }
            return u._withUnsafeGuaranteedRef(body)
        }
    }

    /// Makes the child node at `parent`'s entry `i` writable: stamps it when `parent` is its
    /// only holder, else puts a clone in its place. O(node) when cloning.
    func claimNode(_ parent: Unmanaged<MapNode<V>>, _ i: Int) -> Unmanaged<MapNode<V>> {
        parent._withUnsafeGuaranteedRef { p in
            let old = MapNode<V>.node(p.entries[i])
            if holdsOnlyReference(old) {
                old._withUnsafeGuaranteedRef { $0.header.epoch = epoch }
                return old
            }
            let u = Unmanaged.passRetained(old._withUnsafeGuaranteedRef { $0.copy(epoch: epoch) })
            p.entries[i] = MapNode<V>.entry(u)
            old.release()
            return u
        }
    }

    /// Makes the segment at `node`'s entry `i` writable, as `claimNode`. O(segment) when cloning.
    func claimSegment(_ node: MapNode<V>, _ i: Int) -> Unmanaged<MapSegment<V>> {
        if owns(node, i) {
            let u = MapNode<V>.segment(node.entries[i])
            u._withUnsafeGuaranteedRef { $0.header.epoch = epoch }
            return u
        }
        let old = MapNode<V>.segment(node.entries[i])
        let c = old._withUnsafeGuaranteedRef { $0.clone(epoch: epoch) }
        let u = Unmanaged.passRetained(c)
        node.place(c, u)
        old.release()
        return u
    }

    /// True when the segment at `node`'s entry `i` is reachable from this map only (the
    /// path to it being writable).
    func owns(_ node: MapNode<V>, _ i: Int) -> Bool {
        let u = MapNode<V>.segment(node.entries[i])
        return u._withUnsafeGuaranteedRef({ $0.header.epoch }) == epoch || holdsOnlyReference(u)
    }
}
