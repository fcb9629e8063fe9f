// INFO memory and the overhead breakdown MEMORY STATS / DOCTOR share (Redis's
// getMemoryOverheadData). Field names and order are Redis 7.0.15's. used_memory is the
// allocation figure of MemoryAccounting.swift; RSS comes from /proc; the glibc allocator has
// no active/resident split, so allocator_active = allocator_allocated and
// allocator_resident = RSS.

#if canImport(Glibc)
import Glibc
#endif

/// One snapshot of the memory figures.
struct MemoryOverhead {
    var total: Int64 = 0
    var peak: Int64 = 0
    var startup: Int64 = 0
    var rss: Int64 = 0
    var allocator: Int64 = 0
    var clientsNormal: Int64 = 0
    /// Per non-empty db: (db, main table bytes, expires bytes).
    var dbs: [(Int, Int64, Int64)] = []
    var overheadTotal: Int64 = 0
    var keys: Int64 = 0
    var numClients = 0

    var dataset: Int64 { max(0, total - overheadTotal) }
    var bytesPerKey: Int64 { keys == 0 ? 0 : max(0, total - startup) / keys }
    var datasetPerc: Double { total - startup <= 0 ? 0 : Double(dataset) * 100 / Double(total - startup) }
    var peakPerc: Double { peak == 0 ? 0 : Double(total) * 100 / Double(peak) }
    var fragmentation: Double { total == 0 ? 0 : Double(rss) / Double(total) }
    var allocatorRSS: Double { allocator == 0 ? 0 : Double(rss) / Double(allocator) }
}

extension Engine {
    func memoryOverhead() -> MemoryOverhead {
        var m = MemoryOverhead()
        let mem = eviction.memory
        m.total = mem.used()
        m.peak = max(mem.peak, m.total)
        m.startup = mem.startup == 0 ? m.total : min(mem.startup, m.total)
        m.rss = ProcessMemory.rss()
        m.allocator = MemoryAccounting.counting ? MemoryAccounting.allocatorBytes : m.rss
        for c in clients.values where !c.isReplica {
            m.clientsNormal += Int64(c.queryBufferSize + c.out.readableCount)
            m.numClients += 1
        }
        m.overheadTotal = m.startup + m.clientsNormal
        for (i, d) in dbs.enumerated() where d.count > 0 {
            let t = d.table
            let main = Int64(d.count * MemoryLayout<KeyEntry>.stride + (t.t0.size + t.t1.size) * MemoryLayout<Int32>.stride)
            let expires = Int64(t.volatileList.count * MemoryLayout<Int32>.stride)
            m.dbs.append((i, main, expires))
            m.overheadTotal += main + expires
            m.keys += Int64(d.count)
        }
        return m
    }
}

extension ServerCommands.Info {
    static func memory(_ e: Engine) -> InfoFields {
        var f = InfoFields()
        let m = e.memoryOverhead()
        let st = e.serverState
        st.usedMemoryPeak = m.peak
        let maxmem = e.eviction.maxmemory
        let total = ProcessMemory.totalSystem()
        let pct = { (a: Double) in cFormat("%.2f", a) + "%" }
        f.add("used_memory", String(m.total)); f.add("used_memory_human", human(m.total))
        f.add("used_memory_rss", String(m.rss)); f.add("used_memory_rss_human", human(m.rss))
        f.add("used_memory_peak", String(m.peak)); f.add("used_memory_peak_human", human(m.peak))
        f.add("used_memory_peak_perc", pct(m.peakPerc))
        f.add("used_memory_overhead", String(m.overheadTotal)); f.add("used_memory_startup", String(m.startup))
        f.add("used_memory_dataset", String(m.dataset)); f.add("used_memory_dataset_perc", pct(m.datasetPerc))
        f.add("allocator_allocated", String(m.allocator)); f.add("allocator_active", String(m.allocator))
        f.add("allocator_resident", String(m.rss))
        f.add("total_system_memory", String(total)); f.add("total_system_memory_human", human(total))
        // The Lua interpreters are created on first use, so both read 0 until then.
        let sc = e.scripting
        let vmEval = sc.memoryUsed, vmFunctions = sc.functionsMemoryUsed
        let functionsBytes = sc.libraryCodes.reduce(0) { $0 + $1.count }
        f.add("used_memory_lua", String(vmEval)); f.add("used_memory_vm_eval", String(vmEval))
        f.add("used_memory_lua_human", human(Int64(vmEval)))
        f.add("used_memory_scripts_eval", String(sc.scriptsMemory))
        f.add("number_of_cached_scripts", String(sc.scripts.count))
        f.add("number_of_functions", String(sc.functionIndex.count))
        f.add("number_of_libraries", String(sc.libraries.count))
        f.add("used_memory_vm_functions", String(vmFunctions)); f.add("used_memory_vm_total", String(vmEval + vmFunctions))
        f.add("used_memory_vm_total_human", human(Int64(vmEval + vmFunctions)))
        f.add("used_memory_functions", String(functionsBytes))
        f.add("used_memory_scripts", String(sc.scriptsMemory + functionsBytes))
        f.add("used_memory_scripts_human", human(Int64(sc.scriptsMemory + functionsBytes)))
        f.add("maxmemory", String(maxmem)); f.add("maxmemory_human", human(maxmem))
        f.add("maxmemory_policy", e.config.string("maxmemory-policy"))
        f.add("allocator_frag_ratio", "1.00"); f.add("allocator_frag_bytes", "0")
        f.add("allocator_rss_ratio", cFormat("%.2f", m.allocatorRSS)); f.add("allocator_rss_bytes", String(m.rss - m.allocator))
        f.add("rss_overhead_ratio", "1.00"); f.add("rss_overhead_bytes", "0")
        f.add("mem_fragmentation_ratio", cFormat("%.2f", m.fragmentation))
        f.add("mem_fragmentation_bytes", String(m.rss - m.total))
        f.add("mem_not_counted_for_evict", "0")
        for k in ["mem_replication_backlog", "mem_total_replication_buffers", "mem_clients_slaves"] { f.add(k, "0") }
        f.add("mem_clients_normal", String(m.clientsNormal))
        f.add("mem_cluster_links", "0"); f.add("mem_aof_buffer", "0")
        f.add("mem_allocator", "libc")
        for k in ["active_defrag_running", "lazyfree_pending_objects", "lazyfreed_objects"] { f.add(k, "0") }
        return f
    }
}
