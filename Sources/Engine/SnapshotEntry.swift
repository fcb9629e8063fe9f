// What a snapshot hands to its sink's thread to encode: a key with a value that thread may read
// while the engine goes on writing the live one.
//
// - Strings are shared as they are: a later write to the live value copies the buffer first
//   (`Value.unshareRaw` mutates only a uniquely referenced buffer; SET replaces the value).
// - Aggregates are mutated in place, so the entry holds a `copy()`: O(1) for hashes and sets
//   (BytesMap's copy-on-write segments and nodes, the intset's and the listpack's buffers are
//   never written while shared), Bloom filters (chunks copy on first write) and skiplist
//   sorted sets (their member -> score BytesMap, saved in hash order: RDB loaders insert in
//   any order), and O(chunks) for lists (the copy shares the chunks; a write clones the one
//   it touches). A listpack sorted set copies its bytes — a memcpy on the engine thread
//   instead of encoding and LZF there, counted as the entry's weight so the queue of such
//   copies stays bounded.

import RESP

public struct SnapshotEntry {
    let key: Bytes
    let value: Value
    let expireAt: Int64

    /// The value to hand over and the bytes its copy holds alone; nil when it must be encoded
    /// on the engine thread.
    static func detach(_ v: Value) -> (Value, Int)? {
        switch v {
        case .int, .small: return (v, 48)
        case .heap(let h), .raw(let h): return (v, 48 + h.count)
        case .object(let o):
            switch o {
            case is HashValue, is SetValue, is BloomFilter:
                return (.object(o.copy()), 256)
            case let l as ListValue:
                // Shares the chunks: the engine clones one only when it writes to it.
                return (.object(l.copy()), 64 + 16 * l.chunks.count)
            case let z as ZsetValue:
                if let m = z.map { return (.object(ZsetScores(m.copy())), 256) }
                return (.object(z.copy()), 64 + z.lp.byteCount)
            default:
                return nil
            }
        }
    }

    /// How a sink's thread encodes entries: RDB records, or the commands of a command-form AOF
    /// base (`dump` gives RESTORE payloads for types without a command form).
    public enum Format {
        case rdb(compression: Bool)
        case commands(dump: ((Value) -> [UInt8]?)?)
    }

    /// Appends the encoding of each entry to `w` (run on the sink's thread).
    static func encode(_ entries: [SnapshotEntry], _ format: Format, into w: RdbWriter) {
        switch format {
        case .rdb:
            for e in entries { w.writeKey(e.key, e.value, expireAt: e.expireAt == 0 ? nil : e.expireAt) }
        case .commands(let dump):
            var out = ByteBuffer(capacity: 4096)
            for e in entries { e.writeCommands(&out, dump: dump) }
            w.put(out.readable)
        }
    }

    /// The entry as AOF commands (nothing for a value without a command form and no `dump`).
    func writeCommands(_ out: inout ByteBuffer, dump: ((Value) -> [UInt8]?)?) {
        _ = key.withBytes { AofRewrite.emitKey(&out, $0, value, expireAt: expireAt, dump: dump) }
    }
}

/// A skiplist-encoded sorted set as a snapshot saves it: an O(1) copy of its member -> score
/// map (the skiplist's order is rebuilt by whoever loads the file).
final class ZsetScores: ObjectValue {
    let map: BytesMap<Double>
    init(_ map: BytesMap<Double>) { self.map = map }
    var typeName: String { "zset" }
    var encodingName: String { "skiplist" }
    func copy() -> ObjectValue { ZsetScores(map.copy()) }
}
