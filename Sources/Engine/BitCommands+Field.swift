// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
//          [OVERFLOW WRAP|SAT|FAIL] ...   and BITFIELD_RO key [GET type offset] ...
//
// Types are i1..i64 and u1..u63 (u64 is refused: the reply could not hold it). "#n" offsets
// are n*width. All operations are parsed before any runs; a command with any SET/INCRBY is a
// write that first grows the string to its highest written bit (so it creates the key even if
// every write then FAILs), a GET-only command is a read that creates nothing. Overflow
// handling follows bitops.c's checkSigned/UnsignedBitfieldOverflow: WRAP truncates to the
// width (two's complement for signed), SAT clamps, FAIL skips the write and replies null.
// O(1) per operation (width <= 64 bits).

import RESP

extension BitCommands {
    enum Overflow { case wrap, sat, fail }
    enum FieldOpcode { case get, set, incrby }

    struct FieldOp {
        var opcode: FieldOpcode
        var offset: UInt64
        var value: Int64
        var overflow: Overflow
        var bits: Int
        var signed: Bool
    }

    static func bitfield(_ c: Call) { bitfieldGeneric(c, readOnlyCommand: false) }
    static func bitfieldRO(_ c: Call) { bitfieldGeneric(c, readOnlyCommand: true) }

    /// Parses "i<bits>" / "u<bits>"; replies the error and returns nil when invalid.
    static func fieldType(_ c: Call, _ i: Int) -> (signed: Bool, bits: Int)? {
        let raw = c.argv[i]
        let err = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
        guard raw.count > 0, raw[0] == 105 || raw[0] == 117 else { c.error(err); return nil }   // 'i' 'u'
        let signed = raw[0] == 105
        guard let n = parseInt64(UnsafeRawBufferPointer(rebasing: raw[1...])), n >= 1, n <= (signed ? 64 : 63) else {
            c.error(err); return nil
        }
        return (signed, Int(n))
    }

    static func bitfieldGeneric(_ c: Call, readOnlyCommand: Bool) {
        var ops: [FieldOp] = []
        var overflow = Overflow.wrap
        var readOnly = true
        var highestWrite: UInt64 = 0
        var j = 2
        let argc = c.argv.count
        while j < argc {
            let remaining = argc - j - 1
            let opcode: FieldOpcode
            if c.argv.isEqual(j, "get") && remaining >= 2 { opcode = .get }
            else if c.argv.isEqual(j, "set") && remaining >= 3 { opcode = .set }
            else if c.argv.isEqual(j, "incrby") && remaining >= 3 { opcode = .incrby }
            else if c.argv.isEqual(j, "overflow") && remaining >= 1 {
                j += 1
                if c.argv.isEqual(j, "wrap") { overflow = .wrap }
                else if c.argv.isEqual(j, "sat") { overflow = .sat }
                else if c.argv.isEqual(j, "fail") { overflow = .fail }
                else { c.error("ERR Invalid OVERFLOW type specified"); return }
                j += 1
                continue
            } else {
                c.syntaxError()
                return
            }
            guard let (signed, bits) = fieldType(c, j + 1) else { return }
            guard let offset = bitOffset(c, j + 2, hash: true, bits: bits) else { return }
            var value: Int64 = 0
            if opcode != .get {
                readOnly = false
                highestWrite = max(highestWrite, offset + UInt64(bits) - 1)
                guard let v = c.argv.int(j + 3) else { c.notInteger(); return }
                value = v
            }
            ops.append(FieldOp(opcode: opcode, offset: offset, value: value, overflow: overflow, bits: bits, signed: signed))
            j += opcode == .get ? 3 : 4
        }

        let key = c.argv[1]
        if readOnly {
            let v = c.lookup(key)
            if let v, !v.isString { c.wrongType(); return }
            c.array(ops.count)
            for op in ops {
                let (signed, bits) = (op.signed, op.bits)
                if let v {
                    v.withStringBytes { readField(c, $0, op.offset, bits: bits, signed: signed) }
                } else {
                    readField(c, emptyBytes, op.offset, bits: bits, signed: signed)
                }
            }
            return
        }
        if readOnlyCommand {
            c.error("ERR BITFIELD_RO only supports the GET subcommand")
            return
        }
        let changes = withBitsForWrite(c, key, byte: Int(highestWrite >> 3)) { p, grew -> Int in
            c.array(ops.count)
            var changes = 0
            for op in ops {
                if op.opcode == .get {
                    readField(c, UnsafeRawBufferPointer(p), op.offset, bits: op.bits, signed: op.signed)
                } else if let changed = writeField(c, p, op), changed || grew {
                    changes += 1   // as Redis: a write counts when it changed bits or grew the string
                }
            }
            return changes
        } ?? 0
        if changes > 0 { c.modified(key, event: "setbit") }
    }

    /// GET: reads past the end as zeros.
    private static func readField(_ c: Call, _ p: UnsafeRawBufferPointer, _ offset: UInt64, bits: Int, signed: Bool) {
        let u = getUnsignedField(p, offset, bits)
        c.int(signed ? signExtend(u, bits) : Int64(bitPattern: u))
    }

    /// SET or INCRBY on a buffer long enough for the field. Replies the old value (SET) or the
    /// new one (INCRBY), or null when FAIL refused it (then returns nil); returns whether the
    /// stored bits changed.
    private static func writeField(_ c: Call, _ p: UnsafeMutableRawBufferPointer, _ op: FieldOp) -> Bool? {
        let oldBits = getUnsignedField(UnsafeRawBufferPointer(p), op.offset, op.bits)
        let newBits: UInt64
        let reply: Int64
        let overflowed: Bool
        if op.signed {
            let old = signExtend(oldBits, op.bits)
            var new: Int64
            if op.opcode == .incrby {
                let (o, wrapped) = signedOverflow(old, op.value, op.bits, op.overflow)
                overflowed = o
                new = o ? wrapped : old &+ op.value
                reply = new
            } else {
                new = op.value
                let (o, wrapped) = signedOverflow(new, 0, op.bits, op.overflow)
                overflowed = o
                if o { new = wrapped }
                reply = old
            }
            newBits = UInt64(bitPattern: new)
        } else {
            var new: UInt64
            if op.opcode == .incrby {
                let (o, wrapped) = unsignedOverflow(oldBits, op.value, op.bits, op.overflow)
                overflowed = o
                new = o ? wrapped : oldBits &+ UInt64(bitPattern: op.value)
                reply = Int64(bitPattern: new)
            } else {
                new = UInt64(bitPattern: op.value)
                let (o, wrapped) = unsignedOverflow(new, 0, op.bits, op.overflow)
                overflowed = o
                if o { new = wrapped }
                reply = Int64(bitPattern: oldBits)
            }
            newBits = new
        }
        if overflowed && op.overflow == .fail {
            c.null()
            return nil
        }
        c.int(reply)
        setUnsignedField(p, op.offset, op.bits, newBits)
        return getUnsignedField(UnsafeRawBufferPointer(p), op.offset, op.bits) != oldBits
    }

    /// checkUnsignedBitfieldOverflow: (overflowed, value to store for WRAP/SAT).
    private static func unsignedOverflow(_ value: UInt64, _ incr: Int64, _ bits: Int, _ mode: Overflow) -> (Bool, UInt64) {
        let max: UInt64 = bits == 64 ? UInt64.max : (1 << UInt64(bits)) - 1
        let maxIncr = Int64(bitPattern: max &- value)
        let minIncr = Int64(bitPattern: 0 &- value)
        let wrapped = (value &+ UInt64(bitPattern: incr)) & max
        if value > max || (incr > 0 && incr > maxIncr) {
            return (true, mode == .sat ? max : wrapped)
        } else if incr < 0 && incr < minIncr {
            return (true, mode == .sat ? 0 : wrapped)
        }
        return (false, 0)
    }

    /// checkSignedBitfieldOverflow: (overflowed, value to store for WRAP/SAT).
    private static func signedOverflow(_ value: Int64, _ incr: Int64, _ bits: Int, _ mode: Overflow) -> (Bool, Int64) {
        let max: Int64 = bits == 64 ? Int64.max : (1 << Int64(bits - 1)) - 1
        let min = -max - 1
        let maxIncr = Int64(bitPattern: UInt64(bitPattern: max) &- UInt64(bitPattern: value))
        let minIncr = min &- value
        var wrapped: Int64 {
            var r = UInt64(bitPattern: value) &+ UInt64(bitPattern: incr)
            if bits < 64 {
                let mask = UInt64.max << UInt64(bits)
                if r & (1 << UInt64(bits - 1)) != 0 { r |= mask } else { r &= ~mask }
            }
            return Int64(bitPattern: r)
        }
        if value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr) {
            return (true, mode == .sat ? max : wrapped)
        } else if value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr) {
            return (true, mode == .sat ? min : wrapped)
        }
        return (false, 0)
    }
}

/// The `bits`-wide field at bit `offset`, most significant bit first; bytes past the end are 0.
func getUnsignedField(_ p: UnsafeRawBufferPointer, _ offset: UInt64, _ bits: Int) -> UInt64 {
    var value: UInt64 = 0
    var off = offset
    for _ in 0..<bits {
        let byte = Int(off >> 3)
        let b: UInt8 = byte < p.count ? p[byte] : 0
        value = (value << 1) | UInt64((b >> (7 - UInt8(off & 7))) & 1)
        off += 1
    }
    return value
}

/// Stores the low `bits` bits of `value` at bit `offset` (the buffer must be long enough).
func setUnsignedField(_ p: UnsafeMutableRawBufferPointer, _ offset: UInt64, _ bits: Int, _ value: UInt64) {
    var off = offset
    for j in 0..<bits {
        let bit = UInt8((value >> UInt64(bits - 1 - j)) & 1)
        let byte = Int(off >> 3)
        let shift = 7 - UInt8(off & 7)
        p[byte] = (p[byte] & ~(1 << shift)) | (bit << shift)
        off += 1
    }
}

/// Two's complement reading of a `bits`-wide field.
@inline(__always) func signExtend(_ u: UInt64, _ bits: Int) -> Int64 {
    if bits < 64 && u & (1 << UInt64(bits - 1)) != 0 { return Int64(bitPattern: u | (UInt64.max << UInt64(bits))) }
    return Int64(bitPattern: u)
}
