// Members of aggregate values (hash fields, set members, sorted-set members) -> payload.
// PLACEHOLDER over Dictionary, to be replaced by a segmented table that grows without stalls,
// snapshots in O(1) per segment and scans with a stable cursor. The API is the contract.

public final class BytesMap<V> {
    var dict: [Bytes: V] = [:]
    var order: [Bytes] = []     // placeholder-only: a stable scan order

    public init() {}

    /// Number of members. O(1).
    public var count: Int { dict.count }
    public var isEmpty: Bool { dict.isEmpty }

    /// The payload of `key`. O(1) expected.
    public func get(_ key: UnsafeRawBufferPointer) -> V? { dict[Bytes(key)] }
    public func contains(_ key: UnsafeRawBufferPointer) -> Bool { dict[Bytes(key)] != nil }

    /// Inserts or replaces; true when `key` was new. O(1) expected.
    @discardableResult
    public func set(_ key: UnsafeRawBufferPointer, _ value: V) -> Bool {
        let k = Bytes(key)
        if dict.updateValue(value, forKey: k) == nil { order.append(k); return true }
        return false
    }

    /// Removes `key`; returns its payload. O(1) expected.
    @discardableResult
    public func remove(_ key: UnsafeRawBufferPointer) -> V? {
        let k = Bytes(key)
        guard let v = dict.removeValue(forKey: k) else { return nil }
        if let i = order.firstIndex(of: k) { order.remove(at: i) }
        return v
    }

    /// Mutates the payload of `key` in place; nil when absent.
    public func update<R>(_ key: UnsafeRawBufferPointer, _ body: (inout V) -> R) -> R? {
        let k = Bytes(key)
        guard dict[k] != nil else { return nil }
        return body(&dict[k]!)
    }

    /// Every member, in no particular order. O(N).
    public func forEach(_ body: (Bytes, V) -> Void) {
        for k in order { body(k, dict[k]!) }
    }

    /// One SCAN step: visits some members (at least one unless empty) and returns the next
    /// cursor, 0 when done. Every member present for a whole iteration is visited at least once.
    public func scan(_ cursor: UInt64, _ body: (Bytes, V) -> Void) -> UInt64 {
        let start = Int(min(cursor, UInt64(order.count)))
        let end = min(order.count, start + 10)
        for k in order[start..<end] { body(k, dict[k]!) }
        return end >= order.count ? 0 : UInt64(end)
    }

    /// A uniformly random member. O(1) expected.
    public func randomElement() -> (Bytes, V)? {
        guard let k = order.randomElement() else { return nil }
        return (k, dict[k]!)
    }

    /// An independent copy (COPY, snapshots). O(N) here; O(1) with copy-on-write segments.
    public func copy() -> BytesMap<V> {
        let m = BytesMap<V>()
        m.dict = dict
        m.order = order
        return m
    }

    public func removeAll() { dict.removeAll(); order.removeAll() }
}
