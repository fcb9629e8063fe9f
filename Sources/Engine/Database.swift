// One logical database (SELECT n): keys -> values with expire times and LRU clocks, over the
// incremental `KeyTable` (see KeyTable.swift for the structure and its invariants).
// This API is the contract the command families use. Complexities are per call; "O(1)" means
// expected O(1) (hash table), never a stall: no call is O(n) except forEach/removeAll.
//
// Entry handles: `findSlot` returns the entry's slab index (an Int32, *not* a cluster hash
// slot), stable while the key lives. Handlers that look up then update use it to hash once:
// `if let s = db.findSlot(k) { db.setValue(at: s, ...) }`. A handle is invalid once its key is
// removed (including by lazy expiry), so do not keep one across calls.

import RESP

public final class Database {
    public var index: Int
    /// A `let`, so calls need no retain of it; detachAll moves the storage out instead.
    let table: KeyTable

    public init(index: Int, seed: UInt64 = 0, clock: AccessClock = AccessClock()) {
        self.index = index
        self.table = KeyTable(seed: seed, clock: clock)
    }

    /// Number of keys. O(1).
    public var count: Int { table.count }
    /// Keys that carry an expire time. O(1).
    public var volatileCount: Int { table.volatileCount }

    /// The value at `key`, ignoring expiry (the engine applies lazy expiry on top). O(1).
    public func find(_ key: UnsafeRawBufferPointer) -> Value? {
        let i = table.find(key)
        return i == 0 ? nil : table.entry(i).pointee.value
    }

    /// Mutates the value at `key` in place (no copy: a uniquely referenced heap string stays
    /// unique, so APPEND grows it in place); nil when absent. O(1).
    public func update<R>(_ key: UnsafeRawBufferPointer, _ body: (inout Value) -> R) -> R? {
        let i = table.find(key)
        if i == 0 { return nil }
        return body(&table.entry(i).pointee.value)
    }

    /// Called after a new key is added (not on overwrite); the engine sets it only while the
    /// `new` keyspace notification class is enabled.
    public var onInsert: ((UnsafeRawBufferPointer) -> Void)? {
        get { table.onInsert }
        set { table.onInsert = newValue }
    }

    /// Inserts or overwrites. Clears the TTL unless `keepTTL`. Returns true when the key is new. O(1).
    @discardableResult
    public func set(_ key: UnsafeRawBufferPointer, _ value: Value, keepTTL: Bool = false) -> Bool {
        table.set(key, value, keepTTL: keepTTL)
    }

    /// Inserts only when absent; returns false if the key exists. O(1).
    @discardableResult
    public func add(_ key: UnsafeRawBufferPointer, _ value: Value) -> Bool {
        var made = false
        _ = table.findOrInsert(key) { made = true; return value }
        return made
    }

    /// Removes `key`; returns its value. O(1).
    @discardableResult
    public func remove(_ key: UnsafeRawBufferPointer) -> Value? { table.remove(key) }

    /// Absolute expire time in unix ms, nil when the key is missing or persistent. O(1).
    public func expireTime(_ key: UnsafeRawBufferPointer) -> Int64? {
        let i = table.find(key)
        if i == 0 { return nil }
        let at = table.entry(i).pointee.expireAt
        return at == 0 ? nil : at
    }

    /// Sets the expire time of an existing key (no-op when absent). O(1).
    public func setExpire(_ key: UnsafeRawBufferPointer, at ms: Int64) {
        let i = table.find(key)
        if i != 0 { table.setExpire(i, ms) }
    }

    /// Removes the expire time; true if there was one. O(1).
    @discardableResult
    public func persist(_ key: UnsafeRawBufferPointer) -> Bool {
        let i = table.find(key)
        return i != 0 && table.persist(i)
    }

    /// Records an access at `clock` (seconds resolution LRU clock) for OBJECT IDLETIME. O(1).
    public func touch(_ key: UnsafeRawBufferPointer, clock: UInt32) {
        let i = table.find(key)
        if i != 0 { table.entry(i).pointee.lru = clock }
    }
    /// The last access clock, nil when absent. O(1).
    public func accessClock(_ key: UnsafeRawBufferPointer) -> UInt32? {
        let i = table.find(key)
        return i == 0 ? nil : table.entry(i).pointee.lru
    }

    /// A random key, nil when empty. O(1) expected.
    public func randomKey() -> Bytes? {
        let i = table.randomIndex()
        return i == 0 ? nil : table.entry(i).pointee.key
    }

    /// Calls `body` for up to `n` distinct random keys that have an expire time (never a key
    /// without one). O(n) amortized. `body` may remove the key it is given.
    public func sampleVolatile(_ n: Int, _ body: (Bytes, Int64) -> Void) {
        table.sampleVolatile(n) { i in
            let e = table.entry(i)
            body(e.pointee.key, e.pointee.expireAt)
        }
    }

    /// One SCAN step from `cursor`: visits one hash bucket (a few keys, often none) and returns
    /// the next cursor (0 = done). The SCAN command loops until it has COUNT keys or the cursor
    /// is 0 (Redis: at most COUNT*10 steps). Every key present for the whole scan is returned at
    /// least once, across table growth and shrink. `body` must not modify the database
    /// (collect keys, then filter expired ones). O(keys in the bucket).
    public func scan(_ cursor: UInt64, _ body: (Bytes, Value) -> Void) -> UInt64 {
        table.scan(cursor) { i in
            let e = table.entry(i)
            body(e.pointee.key, e.pointee.value)
        }
    }

    /// Every key with its value and expire time, in no particular order. O(n).
    public func forEach(_ body: (Bytes, Value, Int64?) -> Void) {
        table.forEachIndex { i in
            let e = table.entry(i)
            let at = e.pointee.expireAt
            body(e.pointee.key, e.pointee.value, at == 0 ? nil : at)
        }
    }

    /// Deletes every key. O(n) (releases each value); see `detachAll` to free elsewhere.
    public func removeAll() {
        precondition(table.pauseCount == 0, "Database.removeAll during a scan or sampling callback")
        let slots = table.slotIndexEnabled
        if table.snapshot != nil {
            // A running snapshot still needs the entries: it takes the storage (and frees it).
            _ = table.detachStorage()
        } else {
            table.releaseStorage()
        }
        if slots { table.enableSlotIndex() }
    }

    /// Empties the database in O(1) and returns the old contents, to be released on another
    /// thread (FLUSHALL ASYNC / lazy free): drop the box or call `release()` there.
    public func detachAll() -> DetachedKeyspace {
        precondition(table.pauseCount == 0, "Database.detachAll during a scan or sampling callback")
        let old = table.detachStorage()
        if old.slotIndexEnabled { table.enableSlotIndex() }
        return DetachedKeyspace(old)
    }

    /// Incremental rehash work for idle time (~1 ms); returns true if more remains.
    @discardableResult public func rehashStep() -> Bool { table.rehashFor(micros: 1000) }
}

/// The contents of a database after `detachAll()`. Safe to send: nothing on the engine thread
/// references the table any more, and the values' refcounts are atomic, so releasing it
/// elsewhere only decrements shared objects (a value also held by the engine survives).
public final class DetachedKeyspace: @unchecked Sendable {
    private var table: KeyTable?
    /// Keys held.
    public let count: Int

    init(_ t: KeyTable) { table = t; count = t.count }

    /// Frees the keys and values now (otherwise when the box is dropped). Call once, from one thread.
    public func release() { table = nil }
}
