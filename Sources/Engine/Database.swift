// One logical database (SELECT n): keys -> values, plus expiry times.
// PLACEHOLDER implementation over Dictionary, to be replaced by the incremental KeyTable.
// The API below is the contract the command families use.

public final class Database {
    public var index: Int
    struct Slot { var value: Value; var expireAt: Int64; var lru: UInt32 }
    var dict: [Bytes: Slot] = [:]
    var volatile = 0

    public init(index: Int, seed: UInt64 = 0) { self.index = index }

    public var count: Int { dict.count }
    /// Keys that carry an expire time.
    public var volatileCount: Int { volatile }

    /// The value at `key`, ignoring expiry (the engine applies lazy expiry on top).
    public func find(_ key: UnsafeRawBufferPointer) -> Value? { dict[Bytes(key)]?.value }

    /// Mutates the value at `key` in place; nil when absent.
    public func update<R>(_ key: UnsafeRawBufferPointer, _ body: (inout Value) -> R) -> R? {
        let k = Bytes(key)
        guard dict[k] != nil else { return nil }
        return body(&dict[k]!.value)
    }

    /// Inserts or overwrites. Clears the TTL unless `keepTTL`. Returns true when the key is new.
    @discardableResult
    public func set(_ key: UnsafeRawBufferPointer, _ value: Value, keepTTL: Bool = false) -> Bool {
        let k = Bytes(key)
        if var s = dict[k] {
            s.value = value
            if !keepTTL && s.expireAt != 0 { s.expireAt = 0; volatile -= 1 }
            dict[k] = s
            return false
        }
        dict[k] = Slot(value: value, expireAt: 0, lru: 0)
        return true
    }

    /// Inserts only when absent; returns false if the key exists.
    @discardableResult
    public func add(_ key: UnsafeRawBufferPointer, _ value: Value) -> Bool {
        let k = Bytes(key)
        if dict[k] != nil { return false }
        dict[k] = Slot(value: value, expireAt: 0, lru: 0)
        return true
    }

    @discardableResult
    public func remove(_ key: UnsafeRawBufferPointer) -> Value? {
        guard let s = dict.removeValue(forKey: Bytes(key)) else { return nil }
        if s.expireAt != 0 { volatile -= 1 }
        return s.value
    }

    /// Absolute expire time in unix ms, nil when the key is missing or persistent.
    public func expireTime(_ key: UnsafeRawBufferPointer) -> Int64? {
        guard let s = dict[Bytes(key)], s.expireAt != 0 else { return nil }
        return s.expireAt
    }

    /// Sets the expire time of an existing key (no-op when absent).
    public func setExpire(_ key: UnsafeRawBufferPointer, at ms: Int64) {
        let k = Bytes(key)
        guard var s = dict[k] else { return }
        if s.expireAt == 0 { volatile += 1 }
        s.expireAt = ms
        dict[k] = s
    }

    /// Removes the expire time; true if there was one.
    @discardableResult
    public func persist(_ key: UnsafeRawBufferPointer) -> Bool {
        let k = Bytes(key)
        guard var s = dict[k], s.expireAt != 0 else { return false }
        s.expireAt = 0
        volatile -= 1
        dict[k] = s
        return true
    }

    /// Records an access at `clock` (seconds resolution LRU clock) for OBJECT IDLETIME.
    public func touch(_ key: UnsafeRawBufferPointer, clock: UInt32) {
        let k = Bytes(key)
        if dict[k] != nil { dict[k]!.lru = clock }
    }
    /// The last access clock, nil when absent.
    public func accessClock(_ key: UnsafeRawBufferPointer) -> UInt32? { dict[Bytes(key)]?.lru }

    public func randomKey() -> Bytes? { dict.keys.randomElement() }

    /// Calls `body` for up to `n` randomly chosen keys that have an expire time.
    public func sampleVolatile(_ n: Int, _ body: (Bytes, Int64) -> Void) {
        var seen = 0
        for (k, s) in dict where s.expireAt != 0 {
            body(k, s.expireAt); seen += 1
            if seen >= n { break }
        }
    }

    /// One SCAN step from `cursor`; returns the next cursor (0 = done).
    public func scan(_ cursor: UInt64, _ body: (Bytes, Value) -> Void) -> UInt64 {
        let all = dict.keys.sorted()
        let start = Int(cursor)
        let end = min(all.count, start + 10)
        if start < end { for k in all[start..<end] { body(k, dict[k]!.value) } }
        return end >= all.count ? 0 : UInt64(end)
    }

    public func forEach(_ body: (Bytes, Value, Int64?) -> Void) {
        for (k, s) in dict { body(k, s.value, s.expireAt == 0 ? nil : s.expireAt) }
    }

    public func removeAll() { dict.removeAll(); volatile = 0 }

    /// Incremental rehash work for idle time; returns true if more remains.
    @discardableResult public func rehashStep() -> Bool { false }
}
