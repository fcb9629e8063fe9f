// The keyspace as commands: an AOF base file without an RDB preamble (Redis's
// rewriteAppendOnlyFileRio). Aggregates go out in commands of at most 64 items
// (AOF_REWRITE_ITEMS_PER_CMD) so loading never builds a huge argv; expiry as PEXPIREAT.

import RESP

public enum AofRewrite {
    public static let itemsPerCommand = 64

    /// Writes every key of every database into `out`, calling `flush` whenever the buffer
    /// passes 64 KiB and once at the end. Bloom filters go out through `dump` as RESTORE
    /// payloads when one is given (they have no command form); without it they are skipped
    /// and counted in the result.
    @discardableResult
    public static func write(_ engine: Engine, into out: inout ByteBuffer,
                             dump: ((Value) -> [UInt8]?)? = nil,
                             flush: (inout ByteBuffer) throws -> Void) rethrows -> (keys: Int, skipped: Int) {
        var keys = 0, skipped = 0
        for code in engine.scripting.libraryCodes {    // functions first, as rewriteFunctions
            out.writeArrayHeader(3)
            out.writeBulk("FUNCTION" as StaticString)
            out.writeBulk("LOAD" as StaticString)
            out.writeBulk(code)
        }
        for d in engine.dbs where d.count > 0 {
            out.writeArrayHeader(2)
            out.writeBulk("SELECT" as StaticString)
            out.writeBulk(String(d.index))
            var pending: Error? = nil
            d.forEach { key, value, expire in
                if pending != nil { return }
                if key.withBytes({ emitKey(&out, $0, value, expireAt: expire ?? 0, dump: dump) }) { keys += 1 } else { skipped += 1 }
                if out.readableCount >= 64 * 1024 {
                    do { try flush(&out) } catch { pending = error }
                }
            }
            if let e = pending { try { throw e }() }
        }
        try flush(&out)
        return (keys, skipped)
    }

    /// One key: its value's commands, then PEXPIREAT when `expireAt` (unix ms) is not 0.
    /// False (nothing written) when the value has no command form and no `dump`.
    static func emitKey(_ out: inout ByteBuffer, _ k: UnsafeRawBufferPointer, _ v: Value, expireAt: Int64,
                        dump: ((Value) -> [UInt8]?)?) -> Bool {
        guard emit(&out, k, v, dump: dump) else { return false }
        if expireAt != 0 {
            out.writeArrayHeader(3)
            out.writeBulk("PEXPIREAT" as StaticString)
            out.writeBulk(k)
            out.writeBulkDecimal(expireAt)
        }
        return true
    }

    static func emit(_ out: inout ByteBuffer, _ k: UnsafeRawBufferPointer, _ v: Value, dump: ((Value) -> [UInt8]?)?) -> Bool {
        switch v {
        case .int, .small, .heap, .raw:
            out.writeArrayHeader(3)
            out.writeBulk("SET" as StaticString)
            out.writeBulk(k)
            if case .int(let i) = v { out.writeBulkDecimal(i) } else { v.withStringBytes { out.writeBulk($0) } }
            return true
        case .object(let o):
            if let l = o as? ListValue {
                var items: [Bytes] = []
                l.forEach(from: 0) { items.append($0.owned); return true }
                batches(&out, "RPUSH", k, items.count, width: 1) { i, buf in items[i].withBytes { buf.writeBulk($0) } }
            } else if let h = o as? HashValue {
                var pairs: [(Bytes, Bytes)] = []
                h.forEach { f, val in pairs.append((Bytes(f), Bytes(val))) }
                batches(&out, "HMSET", k, pairs.count, width: 2) { i, buf in
                    pairs[i].0.withBytes { buf.writeBulk($0) }
                    pairs[i].1.withBytes { buf.writeBulk($0) }
                }
            } else if let s = o as? SetValue {
                var members: [SetElement] = []
                s.forEachOwned { members.append($0) }
                batches(&out, "SADD", k, members.count, width: 1) { i, buf in members[i].withBytes { buf.writeBulk($0) } }
            } else if let z = o as? ZsetValue {
                var elems: [(Bytes, Double)] = []
                z.forEachElement { m, s in elems.append((Bytes(m), s)) }
                batches(&out, "ZADD", k, elems.count, width: 2) { i, buf in
                    buf.writeBulk(formatDouble(elems[i].1))
                    elems[i].0.withBytes { buf.writeBulk($0) }
                }
            } else if let z = o as? ZsetScores {   // a snapshot's skiplist zset (SnapshotEntry)
                var elems: [(Bytes, Double)] = []
                z.map.forEach { m, s in elems.append((m, s)) }
                batches(&out, "ZADD", k, elems.count, width: 2) { i, buf in
                    buf.writeBulk(formatDouble(elems[i].1))
                    elems[i].0.withBytes { buf.writeBulk($0) }
                }
            } else if let payload = dump?(v) {
                out.writeArrayHeader(4)
                out.writeBulk("RESTORE" as StaticString)
                out.writeBulk(k)
                out.writeBulk("0" as StaticString)
                out.writeBulk(payload)
            } else {
                return false
            }
            return true
        }
    }

    /// `name key item...` commands of at most `itemsPerCommand` items of `width` bulks each.
    static func batches(_ out: inout ByteBuffer, _ name: StaticString, _ k: UnsafeRawBufferPointer,
                        _ count: Int, width: Int, _ item: (Int, inout ByteBuffer) -> Void) {
        var i = 0
        while i < count {
            let n = min(itemsPerCommand, count - i)
            out.writeArrayHeader(2 + n * width)
            out.writeBulk(name)
            out.writeBulk(k)
            for j in i..<(i + n) { item(j, &out) }
            i += n
        }
    }
}
