// MEMORY DOCTOR|HELP|MALLOC-STATS|PURGE|STATS|USAGE (object.c memoryCommand), over the figures
// of MemoryInfo.swift.
//
// MEMORY USAGE: the key entry (64 bytes), the key's heap bytes, and the value: strings exactly
// (malloc_usable_size of their buffer); aggregates by measuring, with the counting malloc, what
// a deep copy of the value allocates when it has at most `exactLimit` elements (or SAMPLES 0),
// otherwise `perElementEstimate` bytes per element. Redis samples elements instead; the
// aggregate types expose no element sampling yet.

import CMalloc

enum MemoryCommands {
    static let exactLimit = 4096
    static let perElementEstimate = 48

    static func specs() -> [CommandSpec] {
        let sub: (String, String, String, @escaping CommandHandler) -> CommandSpec = { name, summary, complexity, h in
            CommandSpec(name, arity: 2, group: "server", summary: summary, complexity: complexity, since: "4.0.0", handler: h)
        }
        return [
            CommandSpec("memory", arity: -2, group: "server", summary: "A container for memory diagnostics commands",
                        complexity: "Depends on subcommand.", since: "4.0.0",
                        subcommands: [
                            sub("doctor", "Outputs memory problems report", "O(1)", doctor),
                            CommandSpec("help", arity: 2, flags: [.loading, .stale], group: "server",
                                        summary: "Show helpful text about the different subcommands", since: "4.0.0",
                                        handler: help),
                            sub("malloc-stats", "Show allocator internal stats",
                                "Depends on how much memory is allocated, could be slow", mallocStats),
                            sub("purge", "Ask the allocator to release memory", "Depends on how much memory is allocated, could be slow", purge),
                            sub("stats", "Show memory usage details", "O(1)", stats),
                            CommandSpec("usage", arity: -3, flags: [.readonly], keys: (2, 2, 1), group: "server",
                                        summary: "Estimate the memory usage of a key",
                                        complexity: "O(N) where N is the number of samples.", since: "4.0.0", handler: usage),
                        ],
                        handler: { $0.error(WireError.wrongArity("memory")) }),
        ]
    }

    static let helpLines = [
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ]

    static func help(_ c: Call) {
        c.array(helpLines.count)
        for l in helpLines { c.simple(l) }
    }

    static func usage(_ c: Call) {
        var samples = 5
        var j = 3
        while j < c.argv.count {
            guard c.argv.isEqual(j, "samples") && j + 1 < c.argv.count else { c.syntaxError(); return }
            guard let n = c.argv.int(j + 1) else { c.notInteger(); return }
            if n < 0 { c.syntaxError(); return }
            samples = n == 0 ? Int.max : Int(n)
            j += 2
        }
        // Like Redis, the raw dict lookup: no lazy expiry, no access-time update.
        guard let s = c.db.findSlot(c.argv[2]) else { c.null(); return }
        c.int(Int64(keyUsage(c.db, s, samples: samples)))
    }

    /// Bytes attributed to one key: entry, key bytes, value.
    static func keyUsage(_ d: Database, _ s: Int32, samples: Int) -> Int {
        var n = MemoryLayout<KeyEntry>.stride
        if case .heap(let h) = d.key(at: s) { n += objectSize(h) }
        switch d.value(at: s) {
        case .int, .small: break
        case .heap(let h), .raw(let h): n += objectSize(h)
        case .object(let o): n += aggregateSize(o, samples: samples)
        }
        return n
    }

    /// The malloc'ed size of a Swift object (allocated through malloc for its alignment).
    static func objectSize(_ o: AnyObject) -> Int {
        Int(kw_malloc_size(Unmanaged.passUnretained(o).toOpaque()))
    }

    static func aggregateSize(_ o: ObjectValue, samples: Int) -> Int {
        if let b = o as? BloomFilter { return Int(b.memoryUsage) }
        let count = elementCount(o)
        if (count <= exactLimit || samples == Int.max) && MemoryAccounting.counting {
            let before = kw_used_memory()
            let copy = o.copy()
            let bytes = Int(kw_used_memory() - before)
            withExtendedLifetime(copy) {}
            return max(bytes, objectSize(o))
        }
        return objectSize(o) + count * perElementEstimate
    }

    static func elementCount(_ o: ObjectValue) -> Int {
        switch o {
        case let l as ListValue: return l.count
        case let h as HashValue: return h.count
        case let s as SetValue: return s.count
        case let z as ZsetValue: return z.count
        default: return 0
        }
    }

    static func stats(_ c: Call) {
        let m = c.engine.memoryOverhead()
        c.map(25 + m.dbs.count)
        func num(_ k: String, _ v: Int64) { c.bulk(k); c.int(v) }
        func dbl(_ k: String, _ v: Double) { c.bulk(k); c.double(v) }
        num("peak.allocated", m.peak); num("total.allocated", m.total); num("startup.allocated", m.startup)
        num("replication.backlog", 0); num("clients.slaves", 0); num("clients.normal", m.clientsNormal)
        num("cluster.links", 0); num("aof.buffer", 0); num("lua.caches", 0); num("functions.caches", 0)
        for (db, main, expires) in m.dbs {
            c.bulk("db.\(db)")
            c.map(3)
            num("overhead.hashtable.main", main); num("overhead.hashtable.expires", expires)
            num("overhead.hashtable.slot-to-keys", 0)
        }
        num("overhead.total", m.overheadTotal); num("keys.count", m.keys); num("keys.bytes-per-key", m.bytesPerKey)
        num("dataset.bytes", m.dataset); dbl("dataset.percentage", m.datasetPerc); dbl("peak.percentage", m.peakPerc)
        num("allocator.allocated", m.allocator); num("allocator.active", m.allocator); num("allocator.resident", m.rss)
        dbl("allocator-fragmentation.ratio", 1); num("allocator-fragmentation.bytes", 0)
        dbl("allocator-rss.ratio", m.allocatorRSS); num("allocator-rss.bytes", m.rss - m.allocator)
        dbl("rss-overhead.ratio", 1); num("rss-overhead.bytes", 0)
        dbl("fragmentation", m.fragmentation); num("fragmentation.bytes", m.rss - m.total)
    }

    /// malloc_info's XML (Redis prints jemalloc's report; without jemalloc it has none).
    static func mallocStats(_ c: Call) {
        guard let p = kw_malloc_info() else { c.bulk("Stats not supported for the current allocator"); return }
        let text = String(cString: p)
        free(p)
        c.verbatim(text)
    }

    /// malloc_trim(0): returns freed heap pages to the OS.
    static func purge(_ c: Call) {
        _ = kw_malloc_trim()
        c.ok()
    }

    static func doctor(_ c: Call) {
        c.verbatim(doctorReport(c.engine.memoryOverhead()))
    }

    /// getMemoryDoctorReport, with the checks that apply here (no replicas, scripts or allocator
    /// internals yet).
    static func doctorReport(_ m: MemoryOverhead) -> String {
        if m.total < 5 * 1024 * 1024 {
            return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
        }
        let bigPeak = Double(m.peak) / Double(m.total) > 1.5
        let highFrag = m.fragmentation > 1.4
        let bigClientBuf = m.numClients > 0 && m.clientsNormal / Int64(m.numClients) > 1024 * 200
        if !bigPeak && !highFrag && !bigClientBuf {
            return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
        }
        var s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
        if bigPeak {
            s += " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n"
        }
        if highFrag {
            s += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n"
        }
        if bigClientBuf {
            s += " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n"
        }
        return s + "I'm here to keep you safe, Sam. I want to help you.\n"
    }
}

#if canImport(Glibc)
import Glibc
#endif
