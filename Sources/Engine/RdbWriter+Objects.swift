// Object bodies as Redis 7.0's rdbSaveObject writes them:
// - string: one RDB string;
// - list: QUICKLIST_2, one node per chunk, each a PACKED listpack (our chunks already hold
//   listpack entries byte for byte, so a node is header + entries + 0xFF);
// - hash: HASH_LISTPACK (field, value, ...) while listpack-encoded, else HASH (len, pairs);
// - set: SET_INTSET (the intset blob) while intset-encoded, else SET (len, members);
// - zset: ZSET_LISTPACK (member, score-as-text, ...) while listpack-encoded, else ZSET_2 (len,
//   member + binary double, from the highest score down as zsetSave does);
// - Bloom filter: MODULE_2 with RedisBloom's "MBbloom--" id, encver 4, and its field order
//   (RdbWriter+Bloom.swift).

extension RdbWriter {
    /// The type byte for `v`.
    func writeObjectType(_ v: Value) {
        put(RdbWriter.objectType(v))
    }

    static func objectType(_ v: Value) -> UInt8 {
        switch v {
        case .int, .small, .heap, .raw: return Rdb.typeString
        case .object(let o):
            switch o {
            case is ListValue: return Rdb.typeListQuicklist2
            case let h as HashValue: return h.table == nil ? Rdb.typeHashListpack : Rdb.typeHash
            case let s as SetValue: return s.isIntset ? Rdb.typeSetIntset : Rdb.typeSet
            case let z as ZsetValue: return z.isListpack ? Rdb.typeZsetListpack : Rdb.typeZset2
            case is BloomFilter: return Rdb.typeModule2
            case is ZsetScores: return Rdb.typeZset2
            default: preconditionFailure("no RDB encoding for \(o.typeName)")
            }
        }
    }

    /// The value body (rdbSaveObject).
    func writeObject(_ v: Value) {
        switch v {
        case .int, .small, .heap, .raw:
            v.withStringBytes { putString($0) }
        case .object(let o):
            switch o {
            case let l as ListValue: writeList(l)
            case let h as HashValue: writeHash(h)
            case let s as SetValue: writeSet(s)
            case let z as ZsetValue: writeZset(z)
            case let b as BloomFilter: writeBloom(b)
            case let z as ZsetScores:
                putLen(z.map.count)
                z.map.forEach { m, score in
                    m.withBytes { putString($0) }
                    putDouble(score)
                }
            default: preconditionFailure("no RDB encoding for \(o.typeName)")
            }
        }
    }

    func writeList(_ l: ListValue) {
        putLen(l.chunks.count)
        for k in 0..<l.chunks.count {
            let c = l.chunks[k]
            putLen(Rdb.containerPacked)
            var lp = ListpackBuilder(reserving: c.used)
            lp.appendEncoded(UnsafeRawBufferPointer(start: c.base + c.start, count: c.used), entries: c.count)
            putString(lp.finish())
        }
    }

    func writeHash(_ h: HashValue) {
        if let t = h.table {
            putLen(t.count)
            t.forEach { f, v in
                f.withBytes { putString($0) }
                v.withBytes { putString($0) }
            }
            return
        }
        var lp = ListpackBuilder(reserving: h.lp.byteCount + 16)
        h.lp.forEach { f, v in lp.append(f); lp.append(v) }
        putString(lp.finish())
    }

    func writeSet(_ s: SetValue) {
        if s.isIntset {
            let w = s.ints.width
            var blob: [UInt8] = []
            blob.reserveCapacity(8 + s.count * w)
            for v in [UInt64(w), UInt64(s.count)] {
                for i in 0..<4 { blob.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
            }
            s.ints.forEach { v in
                let u = UInt64(bitPattern: v)
                for i in 0..<w { blob.append(UInt8(truncatingIfNeeded: u >> (8 * UInt64(i)))) }
            }
            putString(blob)
            return
        }
        putLen(s.count)
        s.forEach { m in m.withBytes { putString($0) } }
    }

    func writeZset(_ z: ZsetValue) {
        if let sl = z.sl {
            putLen(sl.length)
            var x = sl.tail
            while let n = x {
                putString(n.member)
                putDouble(n.score)
                x = n.backward
            }
            return
        }
        var lp = ListpackBuilder(reserving: z.lp.byteCount + 16)
        z.lp.forEach { m, score in
            lp.append(m)
            ZsetCommands.withListpackScoreText(score) { lp.append($0) }
            return true
        }
        putString(lp.finish())
    }
}

/// Builds a real listpack (src/listpack.c): 4-byte total size, 2-byte count (65535 when it
/// doesn't fit), entries as lpAppend encodes them (strings that are canonical int64s become
/// ints), 0xFF.
struct ListpackBuilder {
    private(set) var buf: [UInt8]
    private var count = 0

    init(reserving n: Int = 64) {
        buf = [UInt8](repeating: 0, count: 6)
        buf.reserveCapacity(n + 7)
    }

    mutating func append(_ raw: UnsafeRawBufferPointer) {
        let e = Listpack.encode(raw)
        let at = buf.count
        buf.append(contentsOf: repeatElement(0, count: e.size))
        buf.withUnsafeMutableBufferPointer { p in _ = Listpack.write(raw, e, at: p.baseAddress! + at) }
        count += 1
    }

    mutating func append(int v: Int64) { withDecimalBytes(v) { append($0) } }

    /// Entries already in listpack form.
    mutating func appendEncoded(_ raw: UnsafeRawBufferPointer, entries: Int) {
        buf.append(contentsOf: raw)
        count += entries
    }

    mutating func finish() -> [UInt8] {
        buf.append(0xFF)
        let total = UInt32(truncatingIfNeeded: buf.count)
        for i in 0..<4 { buf[i] = UInt8(truncatingIfNeeded: total >> (8 * UInt32(i))) }
        let n = UInt16(min(count, 65535))
        buf[4] = UInt8(n & 0xff); buf[5] = UInt8(n >> 8)
        return buf
    }
}
