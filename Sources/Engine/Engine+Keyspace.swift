// Keyspace access with lazy expiry, and the bookkeeping every write and expiry goes through
// (dirty counter, blocked clients, WATCH, keyspace events, `keyChangeObservers`).

extension Engine {
    /// Deletes `key` if its TTL has passed (Redis's keyIsExpired: `now > at`); true if it did.
    @inline(__always) func expireIfNeeded(_ d: Database, _ key: UnsafeRawBufferPointer) -> Bool {
        guard d.volatileCount > 0, let at = d.expireTime(key), now > at else { return false }
        if replicaKeepsExpired { return !applyingMaster }
        d.remove(key)
        stats.expiredKeys += 1
        keyExpired(db: d.index, key)
        return true
    }

    /// Read lookup: lazy expiry, hit/miss stats, LRU touch. Hashes the key once.
    @inline(__always) public func lookup(db: Int, _ key: UnsafeRawBufferPointer, touch: Bool = true) -> Value? {
        let d = dbs[db]
        guard let s = liveSlot(d, key) else {
            stats.keyspaceMisses += 1
            if pubsub.notifying { notifyKeyEvent(db: db, key, "keymiss") }
            return nil
        }
        stats.keyspaceHits += 1
        if touch { touchAccess(d, s) }
        return d.value(at: s)
    }

    /// Write-path lookup: lazy expiry and access touch (as Redis's lookupKeyWrite), no stats.
    @inline(__always) public func lookupWrite(db: Int, _ key: UnsafeRawBufferPointer) -> Value? {
        let d = dbs[db]
        guard let s = liveSlot(d, key) else { return nil }
        touchAccess(d, s)
        return d.value(at: s)
    }

    /// The entry handle of `key` after lazy expiry (nil when missing or just expired).
    @inline(__always) func liveSlot(_ d: Database, _ key: UnsafeRawBufferPointer) -> Int32? {
        guard let s = d.findSlot(key) else { return nil }
        if d.volatileCount > 0, let at = d.expireTime(at: s), now > at {
            if replicaKeepsExpired { return applyingMaster ? s : nil }
            d.remove(at: s)
            stats.expiredKeys += 1
            keyExpired(db: d.index, key)
            return nil
        }
        return s
    }

    /// Bookkeeping after a write: dirty counter now; WATCH, keyspace events and propagation
    /// hang off `keyChangeObservers` as their issues land.
    @inline(__always) public func keyModified(db: Int, _ key: UnsafeRawBufferPointer, event: StaticString) {
        dirty += 1
        signalKeyAsReady(db, key)
        if !watches.clients.isEmpty { touchWatchedKey(db: db, key) }
        if pubsub.notifying { notifyKeyEvent(db: db, key, event) }
        for o in keyChangeObservers { o(db, key, event) }
    }

    /// Called when a key is removed because it expired (lazy or active).
    public func keyExpired(db: Int, _ key: UnsafeRawBufferPointer) {
        if propagation.active { propagateDeletion(db: db, key, lazy: lazyFreeExpire) }
        if !watches.clients.isEmpty { touchWatchedKey(db: db, key) }
        if pubsub.notifying { notifyKeyEvent(db: db, key, "expired") }
        for o in keyChangeObservers { o(db, key, "expired") }
    }
}
