// Sets: the value type (Redis's t_set.c "Set API" half). Redis 7.0 has two encodings, and so do
// we, with the same conversion rules (checked against redis-server 7.0.15, OBJECT ENCODING):
// - `intset` (SetType+Intset.swift) while every member is a canonical 64-bit decimal integer
//   (string2ll: no sign '+', no leading zeros, no "-0") and there are at most
//   set-max-intset-entries members (capped at 2^30 as Redis does);
// - `hashtable` (a BytesMap with no payload) otherwise. A set never converts back to intset,
//   not even when its non-integer members are removed.
// A set created for a first member (SADD, SMOVE's destination) starts as an intset when that
// member is an integer (setTypeCreate); result sets of SINTER/SUNION/SDIFF start as empty
// intsets and convert as members are added (createIntsetObject + setTypeAdd).
//
// Snapshots: the intset is one block bounded by the intset limit, copied on write (value
// semantics); the hashtable is a BytesMap, whose segments copy on write.

import RESP

/// A member as iteration hands it out: an intset integer, or bytes valid during the callback.
public enum SetMember {
    case int(Int64)
    case bytes(UnsafeRawBufferPointer)

    /// Calls `body` with the member's bytes (integers formatted in decimal).
    @inline(__always) public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .bytes(let raw): return try body(raw)
        case .int(let v): return try withDecimalBytes(v, body)
        }
    }
}

/// An owned member (survives removal from its set): SPOP's and SRANDMEMBER's picks.
public enum SetElement: Hashable {
    case int(Int64)
    case bytes(Bytes)

    @inline(__always) public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .bytes(let b): return try b.withBytes(body)
        case .int(let v): return try withDecimalBytes(v, body)
        }
    }
    /// The borrowed form, valid while `body` runs.
    @inline(__always) public func withMember<R>(_ body: (SetMember) throws -> R) rethrows -> R {
        switch self {
        case .int(let v): return try body(.int(v))
        case .bytes(let b): return try b.withBytes { try body(.bytes($0)) }
        }
    }
}

/// Calls `body` with the decimal text of `v`, formatted on the stack.
@inline(__always) public func withDecimalBytes<R>(_ v: Int64, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)
    return try withUnsafeMutableBytes(of: &tmp) { t in
        let n = formatDecimal(v, into: t.baseAddress!.assumingMemoryBound(to: UInt8.self))
        return try body(UnsafeRawBufferPointer(rebasing: t[0..<n]))
    }
}

public final class SetValue: ObjectValue {
    /// The members while the encoding is intset (empty once converted).
    public private(set) var ints: Intset
    /// Non-nil exactly when the encoding is hashtable.
    public private(set) var table: BytesMap<Void>?

    public var typeName: String { "set" }
    public var encodingName: String { table == nil ? "intset" : "hashtable" }

    /// An empty intset-encoded set (Redis's createIntsetObject).
    public init() { ints = Intset() }
    /// An empty hashtable-encoded set (createSetObject).
    public init(table: BytesMap<Void>) { ints = Intset(); self.table = table }
    init(ints: Intset) { self.ints = ints }

    /// A set that can hold `first`: intset for an integer, else hashtable (setTypeCreate).
    public static func create(for first: UnsafeRawBufferPointer) -> SetValue {
        parseInt64(first) != nil ? SetValue() : SetValue(table: BytesMap())
    }

    @inline(__always) public var isIntset: Bool { table == nil }
    /// Number of members. O(1).
    @inline(__always) public var count: Int { table?.count ?? ints.count }

    /// The largest intset Redis allows for a set-max-intset-entries value.
    @inline(__always) static func intsetCap(_ limit: Int) -> Int { min(limit, 1 << 30) }

    /// Adds a member; false when already present. Converts to hashtable on a non-integer
    /// member or when the intset grows past `maxIntsetEntries` (setTypeAdd). O(1) hashtable,
    /// O(n) intset (n bounded by the limit).
    @discardableResult
    public func add(_ raw: UnsafeRawBufferPointer, maxIntsetEntries: Int) -> Bool {
        if let t = table { return t.set(raw, ()) }
        if let v = parseInt64(raw) { return addToIntset(v, maxIntsetEntries) }
        convertToTable()
        return table!.set(raw, ())
    }

    /// `add` for an integer member (no parsing when both sides are intsets).
    @discardableResult
    public func add(int v: Int64, maxIntsetEntries: Int) -> Bool {
        if let t = table { return withDecimalBytes(v) { t.set($0, ()) } }
        return addToIntset(v, maxIntsetEntries)
    }

    @discardableResult
    public func add(_ m: SetMember, maxIntsetEntries: Int) -> Bool {
        switch m {
        case .int(let v): return add(int: v, maxIntsetEntries: maxIntsetEntries)
        case .bytes(let raw): return add(raw, maxIntsetEntries: maxIntsetEntries)
        }
    }

    @discardableResult
    public func add(_ e: SetElement, maxIntsetEntries: Int) -> Bool {
        e.withMember { add($0, maxIntsetEntries: maxIntsetEntries) }
    }

    private func addToIntset(_ v: Int64, _ limit: Int) -> Bool {
        guard ints.insert(v) else { return false }
        if ints.count > SetValue.intsetCap(limit) { convertToTable() }
        return true
    }

    /// Removes a member; false when absent. The encoding never changes. O(1) / O(n) intset.
    @discardableResult
    public func remove(_ raw: UnsafeRawBufferPointer) -> Bool {
        if let t = table { return t.remove(raw) != nil }
        guard let v = parseInt64(raw) else { return false }
        return ints.remove(v)
    }

    @discardableResult
    public func remove(_ m: SetMember) -> Bool {
        switch m {
        case .bytes(let raw): return remove(raw)
        case .int(let v):
            if let t = table { return withDecimalBytes(v) { t.remove($0) != nil } }
            return ints.remove(v)
        }
    }

    /// Membership test. O(1) hashtable, O(log n) intset.
    public func contains(_ raw: UnsafeRawBufferPointer) -> Bool {
        if let t = table { return t.contains(raw) }
        guard let v = parseInt64(raw) else { return false }
        return ints.contains(v)
    }

    public func contains(_ m: SetMember) -> Bool {
        switch m {
        case .bytes(let raw): return contains(raw)
        case .int(let v):
            if let t = table { return withDecimalBytes(v) { t.contains($0) } }
            return ints.contains(v)
        }
    }

    /// Every member: intsets ascending, hashtables in table order. `body` must not modify
    /// the set. O(n).
    public func forEach(_ body: (SetMember) -> Void) {
        if let t = table {
            t.forEach { k, _ in k.withBytes { body(.bytes($0)) } }
        } else {
            ints.forEach { body(.int($0)) }
        }
    }

    /// Every member as an owned element (keeps hashtable members without copying their bytes).
    public func forEachOwned(_ body: (SetElement) -> Void) {
        if let t = table {
            t.forEach { k, _ in body(.bytes(k)) }
        } else {
            ints.forEach { body(.int($0)) }
        }
    }

    /// A uniformly random member; nil when empty. O(1).
    public func randomElement() -> SetElement? {
        if let t = table { return t.randomElement().map { .bytes($0.0) } }
        return ints.randomElement().map { .int($0) }
    }

    /// Removes a member given as an owned element.
    @discardableResult
    public func remove(_ e: SetElement) -> Bool { e.withMember { remove($0) } }

    /// intset -> hashtable (setTypeConvert).
    func convertToTable() {
        guard table == nil else { return }
        let t = BytesMap<Void>()
        ints.forEach { v in withDecimalBytes(v) { _ = t.set($0, ()) } }
        ints = Intset()
        table = t
    }

    /// Same encoding, same members (Redis's setTypeDup for COPY).
    public func copy() -> ObjectValue {
        if let t = table { return SetValue(table: t.copy()) }
        return SetValue(ints: ints)
    }

    /// Every member as owned bytes (tests, SORT).
    public var members: [Bytes] {
        var out: [Bytes] = []
        out.reserveCapacity(count)
        forEach { m in m.withBytes { out.append(Bytes($0)) } }
        return out
    }

    #if DEBUG
    /// Encoding invariants: an intset that is valid, or a table with no intset members left.
    public func checkInvariants() {
        ints.checkInvariants()
        if table != nil { precondition(ints.isEmpty, "hashtable set still holds intset members") }
    }
    #endif
}
