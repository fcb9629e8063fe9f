// Bitmap family (Redis's bitops.c) over string values: the specs, SETBIT GETBIT BITOP.
// BITCOUNT and BITPOS are in BitCommands+Count.swift, BITFIELD in BitCommands+Field.swift.
//
// Bit 0 is the most significant bit of the first byte. Writers grow the string with zero bytes
// and leave it raw (Redis's lookupStringForBitCommand: dbUnshareStringValue + sdsgrowzero);
// readers treat missing bytes, and missing keys, as zeros. Offsets are limited to
// proto-max-bulk-len bytes, i.e. bit offsets below 2^32 with the default 512 MB.

import RESP

enum BitCommands {
    static func specs() -> [CommandSpec] {
        let b = ["bitmap"]
        return [
            CommandSpec("setbit", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: b, group: "bitmap",
                        summary: "Sets or clears the bit at offset in the string value stored at key", since: "2.2.0",
                        handler: setbit),
            CommandSpec("getbit", arity: 3, flags: [.readonly, .fast], keys: (1, 1, 1), categories: b, group: "bitmap",
                        summary: "Returns the bit value at offset in the string value stored at key", since: "2.2.0",
                        handler: getbit),
            CommandSpec("bitcount", arity: -2, flags: [.readonly], keys: (1, 1, 1), categories: b, group: "bitmap",
                        summary: "Count set bits in a string", complexity: "O(N)", since: "2.6.0", handler: bitcount),
            CommandSpec("bitpos", arity: -3, flags: [.readonly], keys: (1, 1, 1), categories: b, group: "bitmap",
                        summary: "Find first bit set or clear in a string", complexity: "O(N)", since: "2.8.7", handler: bitpos),
            CommandSpec("bitop", arity: -4, flags: [.write, .denyOOM], keys: (2, -1, 1), categories: b, group: "bitmap",
                        summary: "Perform bitwise operations between strings", complexity: "O(N)", since: "2.6.0", handler: bitop),
            CommandSpec("bitfield", arity: -2, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: b, group: "bitmap",
                        summary: "Perform arbitrary bitfield integer operations on strings",
                        complexity: "O(1) for each subcommand specified", since: "3.2.0", handler: bitfield),
            CommandSpec("bitfield_ro", arity: -2, flags: [.readonly, .fast], keys: (1, 1, 1), categories: b, group: "bitmap",
                        summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
                        complexity: "O(1) for each subcommand specified", since: "6.0.0", handler: bitfieldRO),
        ]
    }

    /// Redis's getBitOffsetFromArgument. With `hash` and `bits` > 0 a "#n" offset means n*bits.
    /// Replies the error and returns nil when not an integer, negative, or past
    /// proto-max-bulk-len bytes.
    static func bitOffset(_ c: Call, _ i: Int, hash: Bool = false, bits: Int = 0) -> UInt64? {
        let raw = c.argv[i]
        let useHash = hash && bits > 0 && raw.count > 0 && raw[0] == 35   // '#'
        let digits = useHash ? UnsafeRawBufferPointer(rebasing: raw[1...]) : raw
        guard var off = parseInt64(digits) else { c.error(WireError.bitOffset); return nil }
        if useHash { off = off &* Int64(bits) }   // wraps like the C multiplication
        if off < 0 || (off >> 3) >= protoMaxBulkLen { c.error(WireError.bitOffset); return nil }
        return UInt64(off)
    }

    /// Redis's lookupStringForBitCommand: makes `key` a raw string of at least `byte`+1 bytes
    /// (creating it when missing) and runs `body` on its bytes, telling it whether the key was
    /// created or grew. One keyspace lookup for the write. Nil after a WRONGTYPE reply.
    static func withBitsForWrite<R>(_ c: Call, _ key: UnsafeRawBufferPointer, byte: Int,
                                    _ body: (UnsafeMutableRawBufferPointer, _ grew: Bool) -> R) -> R? {
        switch stringKind(c, key) {
        case .wrongType:
            c.wrongType()
            return nil
        case .missing:
            let h = HeapBytes.zeroed(count: byte + 1)
            let r = h.withMutableBytes { body($0, true) }
            c.db.add(key, .raw(h))
            return r
        case .string(let len):
            return c.db.update(key) { v in
                v.unshareRaw(minCount: byte + 1).withMutableBytes { body($0, byte + 1 > len) }
            }
        }
    }

    /// SETBIT key offset 0|1: replies the previous bit.
    static func setbit(_ c: Call) {
        guard let offset = bitOffset(c, 2) else { return }
        guard let on = c.argv.int(3), on & ~1 == 0 else { c.error(WireError.bitValue); return }
        let key = c.argv[1]
        let byte = Int(offset >> 3), shift = 7 - Int(offset & 7)
        let result = withBitsForWrite(c, key, byte: byte) { p, grew -> (old: UInt8, changed: Bool) in
            let was = (p[byte] >> shift) & 1
            let changed = grew || Int64(was) != on
            if changed { p[byte] = (p[byte] & ~(1 << shift)) | (UInt8(on) << shift) }
            return (was, changed)
        }
        guard let result else { return }
        if result.changed { c.modified(key, event: "setbit") }
        c.int(Int64(result.old))
    }

    /// GETBIT key offset: bits past the end read as 0.
    static func getbit(_ c: Call) {
        guard let offset = bitOffset(c, 2) else { return }
        guard let v = c.lookup(c.argv[1]) else { c.int(0); return }
        guard v.isString else { c.wrongType(); return }
        let byte = Int(offset >> 3), shift = 7 - Int(offset & 7)
        let bit = v.withStringBytes { s in byte < s.count ? (s[byte] >> shift) & 1 : 0 }
        c.int(Int64(bit))
    }

    enum BitOp { case and, or, xor, not }

    /// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are empty strings, shorter
    /// inputs are zero-padded; an all-empty result deletes destkey. Replies the result length.
    static func bitop(_ c: Call) {
        let op: BitOp
        if c.argv.isEqual(1, "and") { op = .and }
        else if c.argv.isEqual(1, "or") { op = .or }
        else if c.argv.isEqual(1, "xor") { op = .xor }
        else if c.argv.isEqual(1, "not") { op = .not }
        else { c.syntaxError(); return }
        if op == .not && c.argv.count != 4 {
            c.error("ERR BITOP NOT must be called with a single source key.")
            return
        }
        var sources: [Value?] = []
        var maxLen = 0
        for i in 3..<c.argv.count {
            let v = c.lookup(c.argv[i])
            if let v {
                guard v.isString else { c.wrongType(); return }
                maxLen = max(maxLen, v.stringLength)
            }
            sources.append(v)
        }
        let dest = c.argv[2]
        guard maxLen > 0 else {
            if c.db.remove(dest) != nil { c.modified(dest, event: "del") }
            c.int(0)
            return
        }
        let res = HeapBytes.zeroed(count: maxLen)
        res.withMutableBytes { out in
            for (k, src) in sources.enumerated() {
                let apply = { (s: UnsafeRawBufferPointer) in
                    combine(op, into: out, s, first: k == 0)
                }
                if let src { src.withStringBytes(apply) } else { apply(emptyBytes) }
            }
        }
        c.db.set(dest, .raw(res))
        c.modified(dest, event: "set")
        c.int(maxLen)
    }

    /// Folds source `s` (zero-padded to out.count) into `out`; the first source initialises it.
    private static func combine(_ op: BitOp, into out: UnsafeMutableRawBufferPointer, _ s: UnsafeRawBufferPointer, first: Bool) {
        let n = out.count, m = s.count
        if first {
            if m > 0 { out.baseAddress!.copyMemory(from: s.baseAddress!, byteCount: m) }
            if op == .not { for i in 0..<n { out[i] = ~out[i] } }
            return
        }
        // Word-at-a-time over the common prefix, bytes for the rest.
        let words = m / 8
        let o = out.baseAddress!
        if let p = s.baseAddress { for w in 0..<words {
            let x = o.loadUnaligned(fromByteOffset: w * 8, as: UInt64.self)
            let y = p.loadUnaligned(fromByteOffset: w * 8, as: UInt64.self)
            let r: UInt64
            switch op {
            case .and: r = x & y
            case .or: r = x | y
            case .xor: r = x ^ y
            case .not: r = x
            }
            o.storeBytes(of: r, toByteOffset: w * 8, as: UInt64.self)
        } }
        for i in (words * 8)..<n {
            let y: UInt8 = i < m ? s[i] : 0
            switch op {
            case .and: out[i] &= y
            case .or: out[i] |= y
            case .xor: out[i] ^= y
            case .not: break
            }
        }
    }
}
