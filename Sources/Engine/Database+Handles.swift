// Entry-handle access: hash the key once, then read or update the entry by its slab index.
// For handlers that look up then update (INCR, APPEND, SETRANGE, EXPIRE on an existing key ...)
// and for the engine's lookup path (lazy expiry + LRU touch on one lookup). A handle (`Int32`,
// the entry's slab index, not a cluster hash slot) stays valid until its key is removed.
// All O(1) except `remove(at:)` (one hash of the stored key).

extension Database {
    /// The entry handle of `key`, nil when absent (expiry not applied).
    @inline(__always) public func findSlot(_ key: UnsafeRawBufferPointer) -> Int32? {
        let i = table.find(key)
        return i == 0 ? nil : i
    }

    /// The handle of `key`, inserting `make()` first when absent; `inserted` says which.
    public func findOrAdd(_ key: UnsafeRawBufferPointer, _ make: () -> Value) -> (slot: Int32, inserted: Bool) {
        let r = table.findOrInsert(key, make)
        return (r.index, r.inserted)
    }

    @inline(__always) func checked(_ s: Int32) -> UnsafeMutablePointer<KeyEntry> {
        precondition(table.isLive(s), "stale Database entry handle")
        // Handles are how handlers read-then-change entries: a running snapshot saves it first.
        table.preWrite(s)
        return table.entry(s)
    }

    public func key(at s: Int32) -> Bytes { checked(s).pointee.key }
    @inline(__always) public func value(at s: Int32) -> Value { checked(s).pointee.value }
    /// Replaces the value (the TTL is kept).
    @inline(__always) public func setValue(at s: Int32, _ v: Value) { checked(s).pointee.value = v }
    /// Mutates the value in place, without copying it.
    @inline(__always) public func updateValue<R>(at s: Int32, _ body: (inout Value) -> R) -> R {
        body(&checked(s).pointee.value)
    }
    /// Absolute expire time in unix ms, nil when persistent.
    @inline(__always) public func expireTime(at s: Int32) -> Int64? {
        let at = checked(s).pointee.expireAt
        return at == 0 ? nil : at
    }
    public func setExpire(at s: Int32, _ ms: Int64) { _ = checked(s); table.setExpire(s, ms) }
    @discardableResult public func persist(at s: Int32) -> Bool { _ = checked(s); return table.persist(s) }
    @inline(__always) public func touch(at s: Int32, clock: UInt32) { checked(s).pointee.lru = clock }
    public func accessClock(at s: Int32) -> UInt32 { checked(s).pointee.lru }
    /// Removes the entry; the handle becomes invalid. Returns the value.
    @discardableResult public func remove(at s: Int32) -> Value { _ = checked(s); return table.remove(at: s) }

    /// Handle of a random key, nil when empty. O(1) expected.
    public func randomSlot() -> Int32? {
        let i = table.randomIndex()
        return i == 0 ? nil : i
    }

    /// Calls `body` with up to `n` distinct random handles of keys with an expire time
    /// (active expiry, volatile-* eviction). O(n) amortized. `body` may remove that key.
    public func sampleVolatileSlots(_ n: Int, _ body: (Int32) -> Void) { table.sampleVolatile(n, body) }
}
