// Eviction (Redis 7.0's evict.c performEvictions): while used memory is over maxmemory, pick a
// key by the policy and delete it, until enough was freed, nothing qualifies (-OOM for denyoom
// commands), or the time budget (maxmemory-eviction-tenacity) runs out (the cron continues).
//
// - LRU / LFU / TTL: refill the pool (EvictionPool.swift) from every database, then take its
//   best entry whose key still exists (and for volatile-* still has an expire time).
// - random: one random key (or volatile key) of the next non-empty database, round-robin.
// Memory freed is measured around each delete with the used-memory figure, as Redis does.
// Each eviction counts in `stats.evictedKeys`, publishes the `evicted` keyspace event and
// reports "evicted" to `keyChangeObservers` (WATCH, tracking, propagation as DEL).
// lazyfree-lazy-eviction: values are freed inline (there is no per-value lazy-free thread
// yet), so the config is accepted and has no effect.

extension Engine {
    /// Runs evictions as processCommand does before a command, and tells whether `cmd` must be
    /// refused with -OOM: when memory stays over the limit and the command may grow memory
    /// (`denyoom`), or when `queuing` (a command being queued inside MULTI, any but
    /// EXEC/DISCARD/QUIT/RESET, as Redis). Cheap when maxmemory is 0.
    @inline(__always) public func mustRejectForOOM(_ cmd: CommandSpec, queuing: Bool = false) -> Bool {
        if eviction.maxmemory == 0 { return false }
        let outOfMemory = performEvictions() == .fail
        return outOfMemory && (queuing || cmd.flags.contains(.denyOOM))
    }

    /// The used-memory figure is over maxmemory (Redis's getMaxmemoryState != C_OK).
    public var isOverMaxmemory: Bool {
        let ev = eviction
        return ev.maxmemory != 0 && ev.memory.used() > ev.maxmemory
    }

    /// performEvictions. O(keys evicted * (samples * databases)), bounded by the time budget.
    @discardableResult
    public func performEvictions() -> EvictionResult {
        let ev = eviction
        ev.pending = false
        if ev.maxmemory == 0 { return .ok }
        var used = ev.memory.used()
        if used <= ev.maxmemory {
            if ev.exceededSince != 0 { ev.totalExceededMs += now - ev.exceededSince; ev.exceededSince = 0 }
            return .ok
        }
        // A replica leaves eviction to its master (it receives the DELs), as Redis by default.
        if ev.ignoreAsReplica && role == "slave" { return .ok }
        if ev.exceededSince == 0 { ev.exceededSince = now }
        if ev.policy == .noeviction { return .fail }

        let toFree = used - ev.maxmemory
        var freed: Int64 = 0
        var keysFreed = 0
        let start = ev.clock()
        let limit = ev.timeLimitMicros
        while freed < toFree {
            guard let (db, slot) = pickVictim() else {
                latencyAddSampleIfNeeded("eviction-cycle", ms: (ev.clock() - start) / 1000)
                return .fail
            }
            let d = dbs[db]
            let key = d.key(at: slot)
            let delStart = ev.clock()
            d.remove(at: slot)
            let after = ev.memory.used()
            latencyAddSampleIfNeeded("eviction-del", ms: (ev.clock() - delStart) / 1000)
            freed += used - after
            used = after
            stats.evictedKeys += 1
            key.withBytes { raw in keyEvicted(db: db, raw) }
            keysFreed += 1
            if keysFreed % 16 == 0 && ev.clock() - start > limit {
                ev.pending = true
                latencyAddSampleIfNeeded("eviction-cycle", ms: (ev.clock() - start) / 1000)
                return .running
            }
        }
        latencyAddSampleIfNeeded("eviction-cycle", ms: (ev.clock() - start) / 1000)
        return .ok
    }

    /// Called when a key is removed by eviction.
    public func keyEvicted(db: Int, _ key: UnsafeRawBufferPointer) {
        if propagation.active { propagateDeletion(db: db, key, lazy: lazyFreeEviction) }
        if !watches.clients.isEmpty { touchWatchedKey(db: db, key) }
        if pubsub.notifying { notify(type: .evicted, event: "evicted", key: key, db: db) }
        for o in keyChangeObservers { o(db, key, "evicted") }
    }

    /// The next key to evict under the policy: (db, entry handle), nil when none qualifies.
    func pickVictim() -> (Int, Int32)? {
        let ev = eviction
        let all = ev.policy.allKeys
        if ev.policy.isRandom {
            for _ in 0..<dbs.count {
                ev.nextDB = (ev.nextDB + 1) % dbs.count
                let d = dbs[ev.nextDB]
                if all, let s = d.randomSlot() { return (ev.nextDB, s) }
                if !all && d.volatileCount > 0 {
                    var pick: Int32? = nil
                    d.sampleVolatileSlots(1) { pick = $0 }
                    if let s = pick { return (ev.nextDB, s) }
                }
            }
            return nil
        }
        while true {
            var candidates = 0
            for (i, d) in dbs.enumerated() {
                let n = all ? d.count : d.volatileCount
                if n == 0 { continue }
                candidates += n
                populatePool(d, i)
            }
            if candidates == 0 { return nil }
            // Take the best pooled key that still qualifies; stale entries are dropped.
            while let e = ev.pool.popBest() {
                guard e.db < dbs.count else { continue }
                let d = dbs[e.db]
                let slot = e.key.withBytes { d.findSlot($0) }
                if let s = slot, all || d.expireTime(at: s) != nil { return (e.db, s) }
            }
        }
    }

    /// Samples `maxmemory-samples` keys of `d` into the pool.
    func populatePool(_ d: Database, _ db: Int) {
        let ev = eviction
        if ev.policy.allKeys {
            for _ in 0..<ev.samples {
                guard let s = d.randomSlot() else { return }
                ev.pool.insert(score: evictionScore(d, s), key: d.key(at: s), db: db)
            }
        } else {
            d.sampleVolatileSlots(ev.samples) { s in
                ev.pool.insert(score: evictionScore(d, s), key: d.key(at: s), db: db)
            }
        }
    }

    /// Higher = better to evict: idle time (LRU), 255 - frequency (LFU), sooner expiry (TTL).
    func evictionScore(_ d: Database, _ s: Int32) -> UInt64 {
        switch eviction.policy {
        case .allkeysLFU, .volatileLFU:
            let f = LFU.decayed(d.accessClock(at: s), now: LFU.minutes(nowMs: now), decayTime: eviction.lfuDecayTime)
            return UInt64(255 - f)
        case .volatileTTL:
            return UInt64.max - UInt64(max(0, d.expireTime(at: s) ?? 0))
        default:
            let at = d.accessClock(at: s), clock = lruClock
            return at >= clock ? 0 : UInt64(clock - at)
        }
    }
}

extension Engine {
    /// From serverCron: keeps the used-memory peak and the startup figure, and continues an
    /// eviction that ran out of time (Redis's evictionTimeProc, here at the cron's rate).
    func evictionCron() {
        let ev = eviction
        let used = ev.memory.used()
        if ev.memory.startup == 0 { ev.memory.startup = used }
        serverState.usedMemoryPeak = ev.memory.peak
        if ev.pending { performEvictions() }
    }
}
