// The directory of a BytesMap: a trie of small extendible-hashing directories (Fagin et al.
// 1979, with the directory itself split into nodes so no operation touches all of it).
//
// A node consumes `depth` hash bits after the `base` bits consumed above it: entry i holds the
// hashes whose bits [base, base+depth) are i. An entry is a segment or a child node. A
// segment of local depth d (absolute: its members share d hash bits) sits in the node whose
// base <= d <= base+depth and fills the 2^(base+depth-d) consecutive entries of its prefix.
// A node doubles (up to 2^9 entries) when a segment using its full depth must split; at
// 2^9 entries the splitting segment's one entry becomes a child node of depth 1 instead. So
// child nodes only hang from full-size nodes, each in exactly one entry, and a lookup reads
// one entry per level (2 levels up to ~10M members).
//
// Why a trie and not one flat directory: a flat directory doubles in one step (O(n/150) at n
// members: 1.9 ms at 5M) and, being shared after `copy()`, must be copied whole on the first
// write, retaining every segment (a cache miss each: 12 ms at 5M). Here both costs are one
// node: at most 512 entries.
//
// Each entry also keeps its segment's shape (depth, capacity) in a parallel UInt16, so a
// lookup computes the home slot without first loading the segment's header: one dependent
// cache miss fewer on big maps. A segment's shape never changes (resizing makes a new one).
//
// Ownership: a node holds ONE strong reference per distinct child (not one per entry), as
// unmanaged pointers tagged in bit 0 (1 = node), so the reference count of a child is the
// number of nodes reaching it: what copy-on-write needs to know.

struct MapNodeHeader {
    var epoch: UInt64
    /// The `base` hash bits leading to this node (right-aligned).
    var prefix: UInt64
    var base: Int
    var depth: Int
    /// Distinct children; 0 on a node whose references moved to a successor (releases none).
    var children: Int
    /// Children using the full depth (child nodes always do); the node halves when none is left.
    var fullDepth: Int
}

final class MapNode<V>: ManagedBuffer<MapNodeHeader, UInt> {
    static var maxDepth: Int { 9 }

    /// A node of 2^depth entries, uninitialized: the caller fills every entry and shape.
    static func make(base: Int, prefix: UInt64, depth: Int, epoch: UInt64) -> MapNode<V> {
        let size = 1 << depth
        let n = unsafeDowncast(create(minimumCapacity: size + (size + 3) / 4) { _ in
            MapNodeHeader(epoch: epoch, prefix: prefix, base: base, depth: depth, children: 0, fullDepth: 0)
        }, to: MapNode<V>.self)
        n.withUnsafeMutablePointerToElements { e in
            _ = UnsafeMutableRawPointer(e + size).bindMemory(to: UInt16.self, capacity: size)
        }
        return n
    }

    /// Shape of a segment entry: depth in the low byte, capacity / 4 in the high byte.
    @inline(__always) static func shape(_ s: MapSegment<V>) -> UInt16 {
        UInt16(truncatingIfNeeded: s.depth) | UInt16(truncatingIfNeeded: s.slotCount >> 2) << 8
    }

    /// A root holding one segment.
    static func single(_ s: MapSegment<V>, epoch: UInt64) -> MapNode<V> {
        let n = make(base: 0, prefix: 0, depth: 0, epoch: epoch)
        n.entries.initialize(to: entry(.passRetained(s)))
        n.shapes[0] = shape(s)
        n.header.children = 1
        n.header.fullDepth = 1
        return n
    }

    deinit { if header.children > 0 { forEachChild { _, e in MapNode.release(e) } } }

    @inline(__always) var entries: UnsafeMutablePointer<UInt> { withUnsafeMutablePointerToElements { $0 } }
    /// Segment shapes, parallel to `entries` (unused for child-node entries).
    @inline(__always) var shapes: UnsafeMutablePointer<UInt16> {
        let size = self.size
        return withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0 + size).assumingMemoryBound(to: UInt16.self) }
    }
    @inline(__always) var depth: Int { header.depth }
    @inline(__always) var size: Int { 1 << header.depth }

    /// Entry index of hash `h`.
    @inline(__always) func index(_ h: UInt64) -> Int {
        let d = header.depth
        return d == 0 ? 0 : Int(truncatingIfNeeded: (h &<< UInt64(header.base)) &>> UInt64(64 - d))
    }

    // MARK: tagged entries

    @inline(__always) static func isNode(_ e: UInt) -> Bool { e & 1 != 0 }
    @inline(__always) static func segment(_ e: UInt) -> Unmanaged<MapSegment<V>> {
        .fromOpaque(UnsafeRawPointer(bitPattern: e).unsafelyUnwrapped)
    }
    @inline(__always) static func node(_ e: UInt) -> Unmanaged<MapNode<V>> {
        .fromOpaque(UnsafeRawPointer(bitPattern: e & ~1).unsafelyUnwrapped)
    }
    @inline(__always) static func entry(_ s: Unmanaged<MapSegment<V>>) -> UInt { UInt(bitPattern: s.toOpaque()) }
    @inline(__always) static func entry(_ n: Unmanaged<MapNode<V>>) -> UInt { UInt(bitPattern: n.toOpaque()) | 1 }

    static func retain(_ e: UInt) { if isNode(e) { _ = node(e).retain() } else { _ = segment(e).retain() } }
    static func release(_ e: UInt) { if isNode(e) { node(e).release() } else { segment(e).release() } }

    /// Depth of segment `s` relative to this node.
    @inline(__always) func rel(_ s: MapSegment<V>) -> Int { s.depth - header.base }

    /// Calls `body(firstIndex, entry)` once per distinct child. O(entries).
    @inline(__always) func forEachChild(_ body: (Int, UInt) -> Void) {
        let es = entries, n = size, d = header.depth
        var i = 0
        while i < n {
            let e = es[i]
            let span = MapNode.isNode(e) ? 1 : 1 << (d - MapNode.segment(e)._withUnsafeGuaranteedRef { rel($0) })
            body(i, e)     // may release the child (deinit)
            i += span
        }
    }

    /// Points the entries of segment `s`'s hash range at it (the caller gives the reference).
    func place(_ s: MapSegment<V>, _ u: Unmanaged<MapSegment<V>>) {
        let r = rel(s)
        let shift = header.depth - r
        let relPrefix = Int(truncatingIfNeeded: s.header.prefix) & ((1 << r) - 1)
        (entries + (relPrefix << shift)).update(repeating: MapNode.entry(u), count: 1 << shift)
        (shapes + (relPrefix << shift)).update(repeating: MapNode.shape(s), count: 1 << shift)
    }

    /// An independent node reaching the same children (each retained once more), stamped
    /// with `epoch`. O(entries).
    func copy(epoch: UInt64) -> MapNode<V> {
        let c = MapNode.make(base: header.base, prefix: header.prefix, depth: header.depth, epoch: epoch)
        c.header.children = header.children
        c.header.fullDepth = header.fullDepth
        c.entries.initialize(from: entries, count: size)
        c.shapes.update(from: shapes, count: size)
        forEachChild { _, e in MapNode.retain(e) }
        return c
    }

    /// This node with twice the entries, taking over its references (this one must be
    /// uniquely referenced and dropped). O(entries).
    func doubled(epoch: UInt64) -> MapNode<V> {
        let h = header
        let d = MapNode.make(base: h.base, prefix: h.prefix, depth: h.depth + 1, epoch: epoch)
        let src = entries, dst = d.entries, ss = shapes, ds = d.shapes
        for i in 0..<size {
            (dst + 2 * i).initialize(to: src[i])
            (dst + 2 * i + 1).initialize(to: src[i])
            ds[2 * i] = ss[i]
            ds[2 * i + 1] = ss[i]
        }
        d.header.children = h.children
        header.children = 0
        return d
    }

    /// This node with half the entries (requires fullDepth == 0), taking over as `doubled`.
    func halved(epoch: UInt64) -> MapNode<V> {
        let h = header
        precondition(h.depth > 0 && h.fullDepth == 0, "halving a node with full-depth children")
        let d = MapNode.make(base: h.base, prefix: h.prefix, depth: h.depth - 1, epoch: epoch)
        let src = entries, dst = d.entries, ss = shapes, ds = d.shapes
        for i in 0..<(size >> 1) {
            (dst + i).initialize(to: src[2 * i])
            ds[i] = ss[2 * i]
        }
        d.header.children = h.children
        var full = 0
        d.forEachChild { _, e in
            if MapNode.isNode(e) || MapNode.segment(e)._withUnsafeGuaranteedRef({ d.rel($0) }) == h.depth - 1 { full += 1 }
        }
        d.header.fullDepth = full
        header.children = 0
        return d
    }
}

/// True when `u`'s object has no other strong reference than the one its holder owns.
/// Borrows the holder's reference as a strong one to ask, then hands it back.
@inline(__always) func holdsOnlyReference<T: AnyObject>(_ u: Unmanaged<T>) -> Bool {
    var s = u.takeRetainedValue()
    let unique = isKnownUniquelyReferenced(&s)
    _ = Unmanaged.passRetained(s)
    return unique
}
