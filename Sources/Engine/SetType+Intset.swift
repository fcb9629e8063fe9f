// Redis's intset (src/intset.c): the compact encoding of sets whose members are all integers.
//
// Layout: one heap block (a ManagedBuffer: header + bytes in a single malloc) holding `count`
// signed integers of `width` bytes each (2, 4 or 8), in native byte order, sorted ascending,
// no duplicates. Lookups are binary searches. Adding a value that does not fit the current width
// "upgrades" the whole block to the wider width, as Redis's intsetUpgradeAndAdd: such a value is
// smaller or larger than every member, so it goes first or last. The width never shrinks when
// members are removed (Redis keeps it too).
//
// Invariants (checked by `checkInvariants` in debug builds): width ∈ {2, 4, 8}; count * width <=
// capacity; members strictly increasing; each member fits the width.
//
// Value semantics: the struct copies its block on the first write after a copy (COW), so a
// snapshot of a set holding an intset costs one block copy, bounded by set-max-intset-entries.

public struct Intset {
    struct Header {
        var count: Int
        var width: Int
        /// Usable bytes after the header (kept here: ManagedBuffer.capacity asks malloc).
        var capacity: Int
    }
    final class Storage: ManagedBuffer<Header, UInt8> {}

    var storage: Storage?

    public init() {}

    /// Builds an intset from any integers (sorted and deduplicated here). O(n log n).
    public init<S: Sequence>(_ values: S) where S.Element == Int64 {
        for v in values { insert(v) }
    }

    /// Number of members. O(1).
    @inline(__always) public var count: Int { storage?.header.count ?? 0 }
    @inline(__always) public var isEmpty: Bool { count == 0 }
    /// Bytes per member: 2, 4 or 8 (2 when empty, as a fresh Redis intset).
    @inline(__always) public var width: Int { storage?.header.width ?? 2 }
    /// Bytes of the block's payload (for memory accounting).
    public var byteCount: Int { count * width }

    /// The width Redis picks for `v` (_intsetValueEncoding).
    @inline(__always) static func width(for v: Int64) -> Int {
        if v < Int64(Int32.min) || v > Int64(Int32.max) { return 8 }
        if v < Int64(Int16.min) || v > Int64(Int16.max) { return 4 }
        return 2
    }

    @inline(__always) static func load(_ p: UnsafeMutablePointer<UInt8>, _ i: Int, _ width: Int) -> Int64 {
        let raw = UnsafeRawPointer(p)
        switch width {
        case 2: return Int64(raw.loadUnaligned(fromByteOffset: i &* 2, as: Int16.self))
        case 4: return Int64(raw.loadUnaligned(fromByteOffset: i &* 4, as: Int32.self))
        default: return raw.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self)
        }
    }

    @inline(__always) static func store(_ p: UnsafeMutablePointer<UInt8>, _ i: Int, _ width: Int, _ v: Int64) {
        let raw = UnsafeMutableRawPointer(p)
        switch width {
        case 2: raw.storeBytes(of: Int16(truncatingIfNeeded: v), toByteOffset: i &* 2, as: Int16.self)
        case 4: raw.storeBytes(of: Int32(truncatingIfNeeded: v), toByteOffset: i &* 4, as: Int32.self)
        default: raw.storeBytes(of: v, toByteOffset: i &* 8, as: Int64.self)
        }
    }

    /// The member at position `i` (0 = smallest). O(1).
    @inline(__always) public subscript(i: Int) -> Int64 {
        precondition(i >= 0 && i < count, "Intset index out of range")
        let s = storage!
        let w = s.header.width
        return s.withUnsafeMutablePointerToElements { Intset.load($0, i, w) }
    }

    /// Position of `v`, or where it would be inserted (Redis's intsetSearch, with its checks
    /// against the ends first so appends in order cost O(1)). O(log n).
    func search(_ v: Int64) -> (found: Bool, at: Int) {
        guard let s = storage, s.header.count > 0 else { return (false, 0) }
        let n = s.header.count, w = s.header.width
        return s.withUnsafeMutablePointerToElements { p in
            if v > Intset.load(p, n - 1, w) { return (false, n) }
            if v < Intset.load(p, 0, w) { return (false, 0) }
            var lo = 0, hi = n - 1
            while lo <= hi {
                let mid = (lo + hi) >> 1
                let x = Intset.load(p, mid, w)
                if x == v { return (true, mid) }
                if x < v { lo = mid + 1 } else { hi = mid - 1 }
            }
            return (false, lo)
        }
    }

    /// True when `v` is a member. O(log n).
    public func contains(_ v: Int64) -> Bool {
        if Intset.width(for: v) > width { return false }
        return search(v).found
    }

    /// Adds `v`; false when already present. O(n) (a memmove), amortized growth.
    @discardableResult
    public mutating func insert(_ v: Int64) -> Bool {
        let need = Intset.width(for: v)
        if need > width { upgradeAndAdd(v, need); return true }
        let (found, at) = search(v)
        if found { return false }
        let n = count, w = width
        reserve(bytes: (n + 1) * w)
        let s = storage!
        s.withUnsafeMutablePointerToElements { p in
            if at < n { memmove(p + (at + 1) * w, p + at * w, (n - at) * w) }
            Intset.store(p, at, w, v)
        }
        s.header.count = n + 1
        return true
    }

    /// Removes `v`; false when absent. O(n) (a memmove).
    @discardableResult
    public mutating func remove(_ v: Int64) -> Bool {
        if Intset.width(for: v) > width { return false }
        let (found, at) = search(v)
        if !found { return false }
        makeUnique()
        let s = storage!
        let n = s.header.count, w = s.header.width
        s.withUnsafeMutablePointerToElements { p in
            if at < n - 1 { memmove(p + at * w, p + (at + 1) * w, (n - at - 1) * w) }
        }
        s.header.count = n - 1
        // Give memory back once the block is mostly empty (Redis reallocs on every removal).
        if s.header.capacity > 256 && (n - 1) * w * 4 < s.header.capacity { reallocate(bytes: (n - 1) * w * 2, width: w) }
        return true
    }

    /// Calls `body` with every member in ascending order. O(n).
    public func forEach(_ body: (Int64) throws -> Void) rethrows {
        guard let s = storage else { return }
        let n = s.header.count, w = s.header.width
        try s.withUnsafeMutablePointerToElements { p in
            for i in 0..<n { try body(Intset.load(p, i, w)) }
        }
    }

    /// A uniformly random member, nil when empty. O(1).
    public func randomElement() -> Int64? {
        let n = count
        return n == 0 ? nil : self[Int.random(in: 0..<n)]
    }

    /// Every member, ascending (tests and conversions).
    public var elements: [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(count)
        forEach { out.append($0) }
        return out
    }

    // MARK: storage management

    /// Redis's intsetUpgradeAndAdd: widen every member, then put `v` at the end it belongs to.
    mutating func upgradeAndAdd(_ v: Int64, _ newWidth: Int) {
        let n = count, oldWidth = width
        let fresh = Intset.allocate(bytes: (n + 1) * newWidth, width: newWidth)
        let prepend = v < 0
        fresh.withUnsafeMutablePointerToElements { dst in
            if let s = storage {
                s.withUnsafeMutablePointerToElements { src in
                    for i in 0..<n { Intset.store(dst, i + (prepend ? 1 : 0), newWidth, Intset.load(src, i, oldWidth)) }
                }
            }
            Intset.store(dst, prepend ? 0 : n, newWidth, v)
        }
        fresh.header.count = n + 1
        storage = fresh
    }

    static func allocate(bytes: Int, width: Int) -> Storage {
        let cap = max(bytes, 2 * width)
        let b = Storage.create(minimumCapacity: cap) { _ in Header(count: 0, width: width, capacity: cap) }
        return unsafeDowncast(b, to: Storage.self)
    }

    /// Makes room for `bytes` payload bytes in a block this value owns alone.
    mutating func reserve(bytes: Int) {
        guard let s = storage else { storage = Intset.allocate(bytes: bytes, width: 2); return }
        if !isKnownUniquelyReferenced(&storage) {
            reallocate(bytes: max(bytes, s.header.capacity), width: s.header.width)
        } else if bytes > s.header.capacity {
            // 1.5x growth: amortized O(1) reallocations without doubling small sets' memory.
            reallocate(bytes: max(bytes, s.header.capacity + s.header.capacity / 2), width: s.header.width)
        }
    }

    mutating func makeUnique() {
        if let s = storage, !isKnownUniquelyReferenced(&storage) {
            reallocate(bytes: s.header.capacity, width: s.header.width)
        }
    }

    /// Moves the members into a fresh block of `bytes` capacity (same width).
    mutating func reallocate(bytes: Int, width: Int) {
        let n = count
        let fresh = Intset.allocate(bytes: max(bytes, n * width), width: width)
        if let s = storage {
            s.withUnsafeMutablePointerToElements { src in
                fresh.withUnsafeMutablePointerToElements { dst in dst.update(from: src, count: n * width) }
            }
        }
        fresh.header.count = n
        storage = fresh
    }

    #if DEBUG
    /// Traps when an invariant in the file header is broken (debug and test builds only).
    public func checkInvariants() {
        guard let s = storage else { return }
        let h = s.header
        precondition(h.width == 2 || h.width == 4 || h.width == 8, "intset width \(h.width)")
        precondition(h.count >= 0 && h.count * h.width <= h.capacity, "intset count \(h.count) over capacity \(h.capacity)")
        var prev: Int64? = nil
        forEach { v in
            precondition(Intset.width(for: v) <= h.width, "intset member \(v) wider than \(h.width)")
            if let p = prev { precondition(p < v, "intset not strictly increasing: \(p) then \(v)") }
            prev = v
        }
    }
    #endif
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
