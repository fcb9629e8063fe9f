// The directory of a BytesMap (extendible hashing, Fagin et al. 1979): 2^depth entries, entry
// i = the segment holding hashes whose top `depth` bits are i. A segment of local depth d fills
// the 2^(depth-d) consecutive entries starting at prefix << (depth-d).
//
// Ownership: the directory holds ONE strong reference per distinct segment (not one per entry),
// as unmanaged pointers, so copying or doubling the directory costs a pointer copy per entry
// and a retain per segment, and the count of references to a segment is the number of
// directories that reach it (what copy-on-write needs to know).
//
// Directories themselves are shared between a map and its copies until one of them writes.

struct MapDirectoryHeader {
    var depth: Int
    var segments: Int
    /// Segments whose local depth equals `depth`; the directory can halve when none is left.
    var fullDepth: Int
}

final class MapDirectory<V>: ManagedBuffer<MapDirectoryHeader, Unmanaged<MapSegment<V>>> {
    /// A directory of 2^depth entries, uninitialized: the caller fills every entry.
    static func make(depth: Int, segments: Int, fullDepth: Int) -> MapDirectory<V> {
        unsafeDowncast(create(minimumCapacity: 1 << depth) { _ in
            MapDirectoryHeader(depth: depth, segments: segments, fullDepth: fullDepth)
        }, to: MapDirectory<V>.self)
    }

    /// A directory holding one segment.
    static func single(_ s: MapSegment<V>) -> MapDirectory<V> {
        let d = make(depth: 0, segments: 1, fullDepth: 1)
        d.entries.initialize(to: .passRetained(s))
        return d
    }

    /// A directory whose references moved to its successor (`doubled`/`halved`) has
    /// `segments == 0` and releases nothing.
    deinit { if header.segments > 0 { forEachSegment { _, s in s.release() } } }

    @inline(__always) var depth: Int { header.depth }
    @inline(__always) var size: Int { 1 << header.depth }

    @inline(__always) var entries: UnsafeMutablePointer<Unmanaged<MapSegment<V>>> {
        withUnsafeMutablePointerToElements { $0 }
    }

    /// Directory index of hash `h`.
    @inline(__always) func index(_ h: UInt64) -> Int {
        let d = header.depth
        return d == 0 ? 0 : Int(truncatingIfNeeded: h &>> UInt64(64 - d))
    }

    /// Calls `body(firstEntry, segment)` once per distinct segment, in hash order. O(entries).
    @inline(__always) func forEachSegment(_ body: (Int, Unmanaged<MapSegment<V>>) -> Void) {
        let e = entries, n = size, d = header.depth
        var i = 0
        while i < n {
            let u = e[i]
            let span = 1 << (d - u._withUnsafeGuaranteedRef { $0.depth })
            body(i, u)     // may release the segment (deinit)
            i += span
        }
    }

    /// An independent directory reaching the same segments (each retained once more).
    /// O(entries); the first write after `BytesMap.copy()` pays it.
    func copy() -> MapDirectory<V> {
        let h = header
        let d = MapDirectory.make(depth: h.depth, segments: h.segments, fullDepth: h.fullDepth)
        d.entries.initialize(from: entries, count: size)
        forEachSegment { _, s in _ = s.retain() }
        return d
    }

    /// Points the entries of `s`'s hash range at `s` (retained once by the caller).
    @inline(__always) func place(_ s: MapSegment<V>, _ u: Unmanaged<MapSegment<V>>) {
        let shift = header.depth - s.depth
        let start = Int(truncatingIfNeeded: s.header.prefix) << shift
        (entries + start).update(repeating: u, count: 1 << shift)
    }

    /// A directory of twice the size, taking over this one's references (so this one must be
    /// uniquely referenced and dropped). O(entries).
    func doubled() -> MapDirectory<V> {
        let h = header
        let d = MapDirectory.make(depth: h.depth + 1, segments: h.segments, fullDepth: 0)
        let src = entries, dst = d.entries
        for i in 0..<size {
            (dst + 2 * i).initialize(to: src[i])
            (dst + 2 * i + 1).initialize(to: src[i])
        }
        header.segments = 0      // references moved to `d`: this one must not release them
        return d
    }

    /// A directory of half the size, taking over the references as `doubled`; requires
    /// fullDepth == 0. O(entries).
    func halved() -> MapDirectory<V> {
        let h = header
        precondition(h.depth > 0 && h.fullDepth == 0, "halving a directory with full-depth segments")
        let d = MapDirectory.make(depth: h.depth - 1, segments: h.segments, fullDepth: 0)
        let src = entries, dst = d.entries
        for i in 0..<(size >> 1) { (dst + i).initialize(to: src[2 * i]) }
        var full = 0
        d.forEachSegment { _, s in if s._withUnsafeGuaranteedRef({ $0.depth }) == h.depth - 1 { full += 1 } }
        d.header.fullDepth = full
        header.segments = 0
        return d
    }
}
