// Object bodies for every type byte a Redis 7.0 file may hold (rdbLoadObject). Values are
// rebuilt through the types' own APIs (push / set / add), so the resulting encodings follow
// the current thresholds as Redis's conversions on load do. Duplicates, NaN scores and
// malformed blobs are errors; an empty aggregate loads as nothing (Redis skips empty keys).

struct RdbObjectLoader {
    let limits: EncodingLimits

    /// The value for `type`, nil for an empty aggregate.
    func read(_ type: UInt8, _ r: inout RdbReader) throws -> Value? {
        switch type {
        case Rdb.typeString:
            return try r.string().withUnsafeBytes { Value.string($0) }
        case Rdb.typeList:
            let l = newList()
            for _ in 0..<(try r.count()) { try r.string().withUnsafeBytes { l.push($0, atHead: false) } }
            return l.count == 0 ? nil : .object(l)
        case Rdb.typeSet:
            let s = SetValue()
            for _ in 0..<(try r.count()) {
                let m = try r.string()
                guard m.withUnsafeBytes({ s.add($0, maxIntsetEntries: limits.setMaxIntsetEntries) }) else {
                    throw RdbError("Duplicate set members detected")
                }
            }
            return s.count == 0 ? nil : .object(s)
        case Rdb.typeZset, Rdb.typeZset2:
            let z = ZsetValue()
            for _ in 0..<(try r.count()) {
                let m = try r.string()
                let score = type == Rdb.typeZset2 ? try r.binaryDouble() : try r.textDouble()
                try m.withUnsafeBytes { try zadd(z, $0, score) }
            }
            return z.count == 0 ? nil : .object(z)
        case Rdb.typeHash:
            let h = HashValue()
            for _ in 0..<(try r.count()) {
                let f = try r.string(), v = try r.string()
                try f.withUnsafeBytes { fr in try v.withUnsafeBytes { try hset(h, fr, $0) } }
            }
            return h.count == 0 ? nil : .object(h)
        case Rdb.typeHashZipmap:
            let h = HashValue()
            try r.string().withUnsafeBytes { try RdbBlobs.zipmap($0) { f, v in try hset(h, f, v) } }
            return h.count == 0 ? nil : .object(h)
        case Rdb.typeListZiplist:
            let l = newList()
            try r.string().withUnsafeBytes { try RdbBlobs.ziplist($0) { $0.withBytes { l.push($0, atHead: false) } } }
            return l.count == 0 ? nil : .object(l)
        case Rdb.typeSetIntset:
            let s = SetValue()
            try r.string().withUnsafeBytes {
                try RdbBlobs.intset($0) { v in _ = s.add(int: v, maxIntsetEntries: limits.setMaxIntsetEntries) }
            }
            return s.count == 0 ? nil : .object(s)
        case Rdb.typeZsetZiplist, Rdb.typeZsetListpack:
            let z = ZsetValue()
            try r.string().withUnsafeBytes { blob in
                try pairs(blob, listpack: type == Rdb.typeZsetListpack) { m, s in
                    guard let score = s.double else { throw RdbError("Invalid zset score") }
                    try m.withBytes { try zadd(z, $0, score) }
                }
            }
            return z.count == 0 ? nil : .object(z)
        case Rdb.typeHashZiplist, Rdb.typeHashListpack:
            let h = HashValue()
            try r.string().withUnsafeBytes { blob in
                try pairs(blob, listpack: type == Rdb.typeHashListpack) { f, v in
                    try f.withBytes { fr in try v.withBytes { try hset(h, fr, $0) } }
                }
            }
            return h.count == 0 ? nil : .object(h)
        case Rdb.typeListQuicklist, Rdb.typeListQuicklist2:
            let l = newList()
            for _ in 0..<(try r.count()) {
                var container = Rdb.containerPacked
                if type == Rdb.typeListQuicklist2 {
                    container = try r.len()
                    guard container == Rdb.containerPacked || container == Rdb.containerPlain else {
                        throw RdbError("Quicklist integrity check failed")
                    }
                }
                let blob = try r.string()
                if container == Rdb.containerPlain {
                    blob.withUnsafeBytes { l.push($0, atHead: false) }
                    continue
                }
                try blob.withUnsafeBytes { b in
                    let add: (PackItem) -> Void = { $0.withBytes { l.push($0, atHead: false) } }
                    if type == Rdb.typeListQuicklist2 { try RdbBlobs.listpack(b, add) } else { try RdbBlobs.ziplist(b, add) }
                }
            }
            return l.count == 0 ? nil : .object(l)
        case Rdb.typeModule2:
            let id = try r.len()
            let name = Rdb.moduleName(id)
            guard name == "MBbloom--" else {
                throw RdbError("The RDB file contains module data I can't load: no matching module type '\(name)'")
            }
            return .object(try readBloom(&r, encver: Int(id & 1023)))
        case Rdb.typeModule:
            throw RdbError("Module type RDB_TYPE_MODULE (6) is not supported")
        case Rdb.typeStreamListpacks, Rdb.typeStreamListpacks2:
            throw RdbError("Stream values are not supported yet")
        default:
            throw RdbError("Unknown RDB encoding type \(type)")
        }
    }

    func newList() -> ListValue { ListValue(fill: limits.listMaxListpackSize) }

    func hset(_ h: HashValue, _ f: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) throws {
        guard h.set(f, v, limits: limits) else { throw RdbError("Duplicate hash fields detected") }
    }

    func zadd(_ z: ZsetValue, _ m: UnsafeRawBufferPointer, _ score: Double) throws {
        if score.isNaN { throw RdbError("Zset with NAN score detected") }
        guard case .added = z.add(m, score, ZAddFlags(), limits).0 else { throw RdbError("Duplicate zset fields detected") }
    }

    /// Walks a listpack or ziplist as (first, second) pairs; an odd count is an error.
    func pairs(_ blob: UnsafeRawBufferPointer, listpack: Bool, _ body: (PackItem, PackItem) throws -> Void) throws {
        var pending: PackItem? = nil
        let step: (PackItem) throws -> Void = { item in
            if let first = pending { pending = nil; try body(first, item) } else { pending = item }
        }
        if listpack { try RdbBlobs.listpack(blob, step) } else { try RdbBlobs.ziplist(blob, step) }
        if pending != nil { throw RdbError("Odd number of elements in a pair blob") }
    }
}
