// Used-memory figure for maxmemory, INFO memory and MEMORY STATS (Redis's zmalloc_used_memory).
//
// The figure is allocated bytes, not RSS: the allocator keeps freed memory, so RSS would not
// drop when keys are evicted and eviction would empty the keyspace. It is the sum of
// - bytes malloc'ed now, counted by the replacement malloc in CMalloc (see cmalloc.h for why
//   glibc's own mallinfo2() is too slow to read per command), plus mmap'ed bucket arrays;
// - 64 bytes per live key entry: entries live in mmap'ed slab chunks that are never returned
//   while the table lives, so the slab's mapped size would not drop on eviction either. A free
//   slot is reused by the next insert, like a free allocator block.
// Reading it costs two atomic loads and one load per database, so the engine reads it before
// every command while maxmemory is set. Tests replace `source` to drive eviction with made-up
// figures without allocating.

import CMalloc

public final class MemoryAccounting {
    /// The used-memory figure; set by the engine to `defaultSource`, replaced by tests.
    public var source: () -> Int64 = { 0 }
    /// Highest figure seen (INFO used_memory_peak), updated on each read and by the cron.
    public var peak: Int64 = 0
    /// The figure when the server finished starting (INFO used_memory_startup).
    public var startup: Int64 = 0
    public var peakTime: Int64 = 0

    public init() {}

    /// The current figure; keeps the peak.
    @inline(__always) public func used() -> Int64 {
        let u = source()
        if u > peak { peak = u }
        return u
    }

    /// True when the replacement malloc is linked and counting.
    public static var counting: Bool { kw_malloc_counting() != 0 }
    /// Bytes malloc'ed plus mmap'ed outside the slab.
    public static var allocatorBytes: Int64 { kw_used_memory() }
}

extension Engine {
    /// Bytes held by live key entries in the slab (see the header).
    public var keyEntryBytes: Int64 {
        var n = 0
        for d in dbs { n += d.count }
        return Int64(n * MemoryLayout<KeyEntry>.stride)
    }

    /// Allocator bytes plus live entries; the process RSS when the counting malloc is not linked
    /// (it always is in this package, the fallback only keeps the figure meaningful elsewhere).
    func defaultUsedMemory() -> Int64 {
        if MemoryAccounting.counting { return MemoryAccounting.allocatorBytes + keyEntryBytes }
        return ProcessMemory.rss()
    }

    /// used_memory now.
    public var usedMemory: Int64 { eviction.memory.used() }
}
