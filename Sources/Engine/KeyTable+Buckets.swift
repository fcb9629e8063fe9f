// Bucket arrays of the KeyTable: power-of-two arrays of Int32 chain heads (slab indices,
// 0 = empty, so zero-filled memory is an empty table).

/// One bucket array: chain heads, 0 = empty. `size == 0` means no table yet (the shared
/// zero bucket keeps lookups branch-free).
///
/// Big arrays (>= 256 KB) are mmap'ed directly: zero pages are mapped lazily, so growing never
/// memsets megabytes, and while a rehash drains the old array its moved part is handed back
/// with MADV_DONTNEED in 256 KB steps (reads of it then see the shared zero page, i.e. empty
/// buckets). Freeing a fully populated 8 MB array in one munmap took 0.43 ms, the worst
/// single insert of a 5M-key load; released piecewise, the final munmap has little left.
struct BucketArray {
    var heads: UnsafeMutablePointer<Int32>
    var mask: Int
    var size: Int
    var used: Int
    /// mmap'ed arrays: buckets below this index have been released (MADV_DONTNEED).
    var releasedUpTo = 0

    static let mapThreshold = 1 << 16          // buckets (256 KB)
    static let releaseStep = 1 << 16           // buckets released at a time (256 KB)

    nonisolated(unsafe) static let zero: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
    static var empty: BucketArray { BucketArray(heads: zero, mask: 0, size: 0, used: 0) }
    var isMapped: Bool { size >= BucketArray.mapThreshold }

    /// A zeroed table of `size` (a power of two) buckets.
    static func allocate(_ size: Int) -> BucketArray {
        let bytes = size * MemoryLayout<Int32>.stride
        let raw: UnsafeMutableRawPointer
        if size >= mapThreshold {
            let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            precondition(p != MAP_FAILED, "out of memory for a \(size)-bucket keyspace table")
            raw = p!
            kw_mapped_add(Int64(bytes))   // maxmemory accounting (malloc'ed arrays count themselves)
        } else {
            raw = calloc(size, MemoryLayout<Int32>.stride)!
        }
        return BucketArray(heads: raw.bindMemory(to: Int32.self, capacity: size), mask: size - 1, size: size, used: 0)
    }

    func free() {
        if size == 0 { return }
        if isMapped {
            munmap(heads, size * MemoryLayout<Int32>.stride)
            kw_mapped_add(-Int64(size * MemoryLayout<Int32>.stride))
        } else { Glibc.free(heads) }
    }

    /// Returns the pages of buckets below `index` (all already empty) to the OS.
    mutating func release(below index: Int) {
        guard isMapped else { return }
        let end = index & ~(BucketArray.releaseStep - 1)
        if end > releasedUpTo {
            madvise(heads + releasedUpTo, (end - releasedUpTo) * MemoryLayout<Int32>.stride, MADV_DONTNEED)
            releasedUpTo = end
        }
    }

    @inline(__always) func bucket(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h) & mask }
}

#if canImport(Glibc)
import Glibc
#endif
import CMalloc
