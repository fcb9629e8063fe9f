// GETRANGE (and its old name SUBSTR) and SETRANGE.
//
// GETRANGE clamps like Redis 7.0: negative indexes count from the end, a range with both ends
// negative and start > end is empty, then start/end are clamped to the string. SETRANGE pads
// with zero bytes, refuses results over proto-max-bulk-len, and with an empty value neither
// creates a key nor converts an existing one.

extension StringCommands {
    static func getrange(_ c: Call) {
        guard var start = c.argv.int(2), var end = c.argv.int(3) else { c.notInteger(); return }
        guard let v = c.lookup(c.argv[1]) else { c.bulk(emptyBytes); return }
        guard v.isString else { c.wrongType(); return }
        if start < 0 && end < 0 && start > end { c.bulk(emptyBytes); return }
        v.withStringBytes { s in
            let len = Int64(s.count)
            if start < 0 { start = len + start }
            if end < 0 { end = len + end }
            if start < 0 { start = 0 }
            if end < 0 { end = 0 }
            if end >= len { end = len - 1 }
            if start > end || len == 0 {
                c.bulk(emptyBytes)
            } else {
                c.bulk(UnsafeRawBufferPointer(rebasing: s[Int(start)...Int(end)]))
            }
        }
    }

    /// SETRANGE key offset value: replies the new length.
    static func setrange(_ c: Call) {
        guard let offset = c.argv.int(2) else { c.notInteger(); return }
        guard offset >= 0 else { c.error(WireError.offsetOutOfRange); return }
        let key = c.argv[1], value = c.argv[3]
        let vlen = value.count
        var newLength: Int
        switch stringKind(c, key) {
        case .missing:
            if vlen == 0 { c.int(0); return }
            guard checkStringLength(c, offset, Int64(vlen)) else { return }
            newLength = Int(offset) + vlen
            let h = HeapBytes.zeroed(count: newLength)
            h.withMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[Int(offset)...]).copyMemory(from: value) }
            c.db.add(key, .raw(h))
        case .wrongType:
            c.wrongType(); return
        case .string(let len):
            if vlen == 0 { c.int(len); return }
            guard checkStringLength(c, offset, Int64(vlen)) else { return }
            let end = Int(offset) + vlen
            newLength = max(len, end)
            c.db.update(key) { v in
                let h = v.unshareRaw(minCount: end)
                h.withMutableBytes { UnsafeMutableRawBufferPointer(rebasing: $0[Int(offset)..<end]).copyMemory(from: value) }
            }
        }
        c.modified(key, event: "setrange")
        c.int(newLength)
    }
}

/// A zero-length buffer for empty bulk replies.
var emptyBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }
