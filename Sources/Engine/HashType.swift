// Hash API (Redis's t_hash.c "Hash type API"): a field -> value map in one of two encodings,
// as OBJECT ENCODING reports them in Redis 7.0:
// - `listpack`: `HashListpack`, one contiguous byte buffer, while the hash has at most
//   hash-max-listpack-entries pairs and every field and value is at most
//   hash-max-listpack-value bytes;
// - `hashtable`: `BytesMap<Bytes>`, once either limit is exceeded. The conversion is one-way,
//   as in Redis: deleting fields never converts back.
// Snapshots: the listpack is small by construction (bounded by the limits) and copied whole;
// the hashtable is a BytesMap, whose segments copy on write.

public final class HashValue: ObjectValue {
    var lp = HashListpack()
    /// Non-nil once converted to the hashtable encoding (then `lp` is empty).
    var table: BytesMap<Bytes>? = nil

    init() {}

    public var typeName: String { "hash" }
    public var encodingName: String { table == nil ? "listpack" : "hashtable" }

    public func copy() -> ObjectValue {
        let h = HashValue()
        h.lp = lp
        h.table = table?.copy()
        return h
    }

    /// Number of fields. O(1).
    var count: Int { table?.count ?? lp.count }

    /// The value of `field` passed to `body`; nil when absent. O(1) hashtable, O(N) listpack.
    func get<R>(_ field: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        if let t = table {
            guard let v = t.get(field) else { return nil }
            return v.withBytes(body)
        }
        return lp.get(field, body)
    }

    func contains(_ field: UnsafeRawBufferPointer) -> Bool {
        if let t = table { return t.contains(field) }
        return lp.find(field) != nil
    }

    /// Redis's hashTypeSet: inserts or replaces, converting to the hashtable first when the
    /// field or value is too long for the listpack and after when there are too many entries.
    /// True when `field` was new.
    @discardableResult
    func set(_ field: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, limits: EncodingLimits) -> Bool {
        if table == nil && (field.count > limits.hashMaxListpackValue || value.count > limits.hashMaxListpackValue) {
            convertToTable()
        }
        if let t = table { return t.set(field, Bytes(value)) }
        let added = lp.set(field, value)
        if lp.count > limits.hashMaxListpackEntries { convertToTable() }
        return added
    }

    /// Removes `field`; true when it was present.
    @discardableResult
    func remove(_ field: UnsafeRawBufferPointer) -> Bool {
        if let t = table { return t.remove(field) != nil }
        return lp.remove(field)
    }

    /// Every pair: listpack in insertion order, hashtable in table order. O(N).
    func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        if let t = table {
            t.forEach { f, v in f.withBytes { fr in v.withBytes { body(fr, $0) } } }
        } else {
            lp.forEach(body)
        }
    }

    /// Every pair copied out (for replies that sample or reorder).
    func pairs() -> [(Bytes, Bytes)] {
        var out: [(Bytes, Bytes)] = []
        out.reserveCapacity(count)
        forEach { f, v in out.append((Bytes(f), Bytes(v))) }
        return out
    }

    /// Redis's hashTypeConvert(OBJ_ENCODING_HT). O(N), once per hash.
    func convertToTable() {
        precondition(table == nil, "hash already a hashtable")
        let t = BytesMap<Bytes>()
        lp.forEach { f, v in t.set(f, Bytes(v)) }
        table = t
        lp = HashListpack()
    }

    #if DEBUG
    /// Invariant checker for tests: the listpack is well formed and within the limits it was
    /// built under (a listpack never exceeds them; a hashtable never goes back).
    func check(limits: EncodingLimits) {
        if table != nil {
            precondition(lp.count == 0 && lp.byteCount == 0, "hashtable hash with listpack bytes")
            return
        }
        lp.check()
        precondition(lp.count <= limits.hashMaxListpackEntries, "listpack over the entries limit")
        lp.forEach { f, v in
            precondition(f.count <= limits.hashMaxListpackValue && v.count <= limits.hashMaxListpackValue,
                         "listpack entry over the value limit")
        }
    }
    #endif
}

extension Call {
    /// The hash at `key` for a read: nil when missing; `.failure` after a WRONGTYPE reply.
    @inline(__always) func hashForRead(_ key: UnsafeRawBufferPointer) -> HashLookup {
        guard let v = lookup(key) else { return .missing }
        guard case .object(let o) = v, let h = o as? HashValue else { wrongType(); return .wrongType }
        return .found(h)
    }

    /// Redis's hashTypeLookupWriteOrCreate: the hash at `key`, created empty when missing;
    /// nil after a WRONGTYPE reply.
    func hashForWriteOrCreate(_ key: UnsafeRawBufferPointer) -> HashValue? {
        if let v = lookupWrite(key) {
            guard case .object(let o) = v, let h = o as? HashValue else { wrongType(); return nil }
            return h
        }
        let h = HashValue()
        db.add(key, .object(h))
        return h
    }
}

enum HashLookup {
    case missing
    case wrongType
    case found(HashValue)
}
