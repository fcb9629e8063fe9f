// In-place mutation of string values (APPEND, SETRANGE, SETBIT, BITFIELD).
//
// Redis keeps such strings as `raw` sds buffers with spare capacity, so repeated appends are
// amortized O(1): sdsMakeRoomFor doubles the needed length below 1 MB and adds 1 MB above it.
// Here the same role is played by a `.raw(HeapBytes)` whose ManagedBuffer capacity may exceed
// its count. A buffer is written in place only while the value holds the sole reference to it;
// any other holder (a snapshot, a reply being built from it) forces a copy first, which keeps
// value semantics for everyone else.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HeapBytes {
    /// sds's greedy growth: room for twice `needed` below 1 MB, `needed` + 1 MB above.
    @inline(__always) static func greedyCapacity(_ needed: Int) -> Int {
        let preallocLimit = 1 << 20
        return needed < preallocLimit ? needed * 2 : needed + preallocLimit
    }

    /// A buffer of `count` zero bytes with room for `capacity` (Redis's sdsnewlen(NULL, n)).
    static func zeroed(count: Int, capacity: Int? = nil) -> HeapBytes {
        let cap = max(capacity ?? count, count, 1)
        let b = unsafeDowncast(HeapBytes.create(minimumCapacity: cap) { _ in count }, to: HeapBytes.self)
        if count > 0 { b.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: count) } }
        return b
    }

    /// A copy of `raw` extended with zeros to `count` bytes (`count` >= raw.count), room for `capacity`.
    static func copy(_ raw: UnsafeRawBufferPointer, count: Int, capacity: Int) -> HeapBytes {
        let b = zeroed(count: count, capacity: capacity)
        if raw.count > 0 {
            b.withUnsafeMutablePointerToElements {
                $0.update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count)
            }
        }
        return b
    }

    /// The bytes, writable. Only for a buffer its caller owns uniquely.
    @inline(__always) func withMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        let n = header
        return try withUnsafeMutablePointerToElements { try body(UnsafeMutableRawBufferPointer(start: $0, count: n)) }
    }

    /// Extends the count to `n` (<= capacity), zero-filling the new bytes (sdsgrowzero).
    @inline(__always) func growZeroed(to n: Int) {
        let old = header
        guard n > old else { return }
        precondition(n <= capacity, "growZeroed past capacity")
        withUnsafeMutablePointerToElements { ($0 + old).initialize(repeating: 0, count: n - old) }
        header = n
    }

    /// Appends `raw` (capacity must allow it).
    @inline(__always) func append(_ raw: UnsafeRawBufferPointer) {
        let old = header
        precondition(old + raw.count <= capacity, "append past capacity")
        if raw.count > 0 {
            withUnsafeMutablePointerToElements {
                ($0 + old).update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count)
            }
        }
        header = old + raw.count
    }
}

extension Value {
    /// Turns this string value into a uniquely referenced `.raw` buffer holding at least
    /// `minCount` bytes (new bytes are zero) with room for `reserve` bytes, and returns it for
    /// writing. This is Redis's dbUnshareStringValue + sdsgrowzero/sdsMakeRoomFor: int and
    /// embstr values (and shared buffers) become a fresh raw copy; a raw buffer the value owns
    /// alone is grown in place when its capacity allows. Growth beyond the current length
    /// reserves greedily, so a run of appends copies O(log n) times.
    /// Precondition: `isString`.
    mutating func unshareRaw(minCount: Int, reserve: Int = 0) -> HeapBytes {
        precondition(isString, "unshareRaw on a non-string value")
        if case .raw(var h) = self {
            self = .int(0)   // drop the enum's reference so `h` can be the only one
            let need = max(minCount, reserve, h.count)
            if isKnownUniquelyReferenced(&h) && need <= h.capacity {
                h.growZeroed(to: minCount)
                self = .raw(h)
                return h
            }
            let cap = need > h.count ? HeapBytes.greedyCapacity(need) : need
            let copy = h.withBytes { HeapBytes.copy($0, count: max(minCount, h.count), capacity: cap) }
            self = .raw(copy)
            return copy
        }
        let copy = withStringBytes { old -> HeapBytes in
            let need = max(minCount, reserve, old.count)
            let cap = need > old.count ? HeapBytes.greedyCapacity(need) : need
            return HeapBytes.copy(old, count: max(minCount, old.count), capacity: cap)
        }
        self = .raw(copy)
        return copy
    }
}
