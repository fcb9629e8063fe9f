// Strings family (Redis's t_string.c): the specs, and GET GETDEL MGET MSET MSETNX APPEND STRLEN
// INCR DECR INCRBY DECRBY. SET and its variants are in StringCommands+Set.swift, INCRBYFLOAT in
// +Float, GETRANGE SETRANGE SUBSTR in +Range, LCS in +LCS.
//
// Encodings follow Redis 7.0 (checked against redis-server 7.0.15 with OBJECT ENCODING): values
// written whole (SET, MSET, GETSET, APPEND on a missing key) take `Value.string` (int when
// canonical, embstr up to 44 bytes, raw above); INCR/DECR results are ints; INCRBYFLOAT stores
// its formatted text (never int); in-place edits (APPEND, SETRANGE, SETBIT, BITFIELD) leave raw.

import RESP

enum StringCommands {
    static func specs() -> [CommandSpec] {
        let s = ["string"]
        let rangeComplexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."
        return [
            CommandSpec("get", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Get the value of a key", handler: get),
            CommandSpec("set", arity: -3, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Set the string value of a key", handler: set),
            CommandSpec("setnx", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Set the value of a key, only if the key does not exist", handler: setnx),
            CommandSpec("setex", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Set the value and expiration of a key", since: "2.0.0", handler: setex),
            CommandSpec("psetex", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Set the value and expiration in milliseconds of a key", since: "2.6.0", handler: psetex),
            CommandSpec("getset", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Set the string value of a key and return its old value", handler: getset),
            CommandSpec("getdel", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Get the value of a key and delete the key", since: "6.2.0", handler: getdel),
            CommandSpec("getex", arity: -2, flags: [.write, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Get the value of a key and optionally set its expiration", since: "6.2.0", handler: getex),
            CommandSpec("mget", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), categories: s, group: "string",
                        summary: "Get the values of all the given keys",
                        complexity: "O(N) where N is the number of keys to retrieve.", handler: mget),
            CommandSpec("mset", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 2), categories: s, group: "string",
                        summary: "Set multiple keys to multiple values",
                        complexity: "O(N) where N is the number of keys to set.", since: "1.0.1", handler: mset),
            CommandSpec("msetnx", arity: -3, flags: [.write, .denyOOM], keys: (1, -1, 2), categories: s, group: "string",
                        summary: "Set multiple keys to multiple values, only if none of the keys exist",
                        complexity: "O(N) where N is the number of keys to set.", since: "1.0.1", handler: msetnx),
            CommandSpec("append", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Append a value to a key",
                        complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
                        since: "2.0.0", handler: append),
            CommandSpec("strlen", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Get the length of the value stored in a key", since: "2.2.0", handler: strlen),
            CommandSpec("incr", arity: 2, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Increment the integer value of a key by one", handler: incr),
            CommandSpec("decr", arity: 2, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Decrement the integer value of a key by one", handler: decr),
            CommandSpec("incrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Increment the integer value of a key by the given amount", handler: incrby),
            CommandSpec("decrby", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Decrement the integer value of a key by the given number", handler: decrby),
            CommandSpec("incrbyfloat", arity: 3, flags: [.write, .denyOOM, .fast], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Increment the float value of a key by the given amount", since: "2.6.0", handler: incrbyfloat),
            CommandSpec("getrange", arity: 4, flags: [.readonly], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Get a substring of the string stored at a key", complexity: rangeComplexity,
                        since: "2.4.0", handler: getrange),
            CommandSpec("setrange", arity: 4, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Overwrite part of a string at key starting at the specified offset",
                        complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
                        since: "2.2.0", handler: setrange),
            CommandSpec("substr", arity: 4, flags: [.readonly], keys: (1, 1, 1), categories: s, group: "string",
                        summary: "Get a substring of the string stored at a key", complexity: rangeComplexity,
                        handler: getrange),
            CommandSpec("lcs", arity: -3, flags: [.readonly], keys: (1, 2, 1), categories: s, group: "string",
                        summary: "Find longest common substring",
                        complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
                        since: "7.0.0", handler: lcs),
        ]
    }

    // MARK: GET and friends

    /// Redis's getGenericCommand: replies the value (or null); false after a WRONGTYPE reply.
    @discardableResult
    static func getGeneric(_ c: Call) -> Bool {
        guard let v = c.lookup(c.argv[1]) else { c.null(); return true }
        guard v.isString else { c.wrongType(); return false }
        c.bulk(value: v)
        return true
    }

    static func get(_ c: Call) { getGeneric(c) }

    static func getdel(_ c: Call) {
        guard getGeneric(c) else { return }
        if c.db.remove(c.argv[1]) != nil {
            c.modified(c.argv[1], event: "del")
            c.propagate(["DEL", .argv(1)])
        }
    }

    /// GETSET key value: GET, then a plain SET (the TTL is cleared).
    static func getset(_ c: Call) {
        guard getGeneric(c) else { return }
        c.db.set(c.argv[1], .string(c.argv[2]))
        c.modified(c.argv[1], event: "set")
    }

    /// MGET: keys that are missing or not strings read as null.
    static func mget(_ c: Call) {
        c.array(c.argv.count - 1)
        for i in 1..<c.argv.count {
            if let v = c.lookup(c.argv[i]), v.isString { c.bulk(value: v) } else { c.null() }
        }
    }

    static func mset(_ c: Call) { msetGeneric(c, nx: false) }
    static func msetnx(_ c: Call) { msetGeneric(c, nx: true) }

    static func msetGeneric(_ c: Call, nx: Bool) {
        guard c.argv.count % 2 == 1 else { c.error(WireError.wrongArity(nx ? "msetnx" : "mset")); return }
        if nx {
            // MSETNX sets nothing when any key exists.
            var i = 1
            while i < c.argv.count {
                if c.lookupWrite(c.argv[i]) != nil { c.int(0); return }
                i += 2
            }
        }
        var i = 1
        while i < c.argv.count {
            c.db.set(c.argv[i], .string(c.argv[i + 1]))
            c.modified(c.argv[i], event: "set")
            i += 2
        }
        if nx { c.int(1) } else { c.ok() }
    }

    static func strlen(_ c: Call) {
        guard let v = c.lookup(c.argv[1]) else { c.int(0); return }
        guard v.isString else { c.wrongType(); return }
        c.int(v.stringLength)
    }

    // MARK: APPEND

    static func append(_ c: Call) {
        let key = c.argv[1], tail = c.argv[2]
        switch stringKind(c, key) {
        case .missing:
            // A new key takes the argument as SET would (so it may be int-encoded).
            let v = Value.string(tail)
            c.db.add(key, v)
            c.modified(key, event: "append")
            c.int(v.stringLength)
        case .wrongType:
            c.wrongType()
        case .string(let len):
            guard checkStringLength(c, Int64(len), Int64(tail.count)) else { return }
            let total = len + tail.count
            c.db.update(key) { v in
                let h = v.unshareRaw(minCount: len, reserve: total)
                h.append(tail)
            }
            c.modified(key, event: "append")
            c.int(total)
        }
    }

    // MARK: INCR family

    static func incr(_ c: Call) { incrDecr(c, by: 1) }
    static func decr(_ c: Call) { incrDecr(c, by: -1) }

    static func incrby(_ c: Call) {
        guard let by = c.argv.int(2) else { c.notInteger(); return }
        incrDecr(c, by: by)
    }

    static func decrby(_ c: Call) {
        guard let by = c.argv.int(2) else { c.notInteger(); return }
        // Negating Int64.min would overflow.
        guard by != Int64.min else { c.error("ERR decrement would overflow"); return }
        incrDecr(c, by: -by)
    }

    static func incrDecr(_ c: Call, by incr: Int64) {
        let key = c.argv[1]
        let old: Int64
        let exists: Bool
        if let v = c.lookupWrite(key) {
            guard v.isString else { c.wrongType(); return }
            guard let n = integerValue(v) else { c.notInteger(); return }
            old = n
            exists = true
        } else {
            old = 0
            exists = false
        }
        let (sum, overflow) = old.addingReportingOverflow(incr)
        guard !overflow else { c.error(WireError.overflow); return }
        if exists {
            c.db.update(key) { $0 = .int(sum) }   // dbOverwrite: the TTL stays
        } else {
            c.db.add(key, .int(sum))
        }
        c.modified(key, event: "incrby")
        c.int(sum)
    }

    /// Redis's getLongLongFromObject over a string value (strict string2ll).
    static func integerValue(_ v: Value) -> Int64? {
        if case .int(let n) = v { return n }
        return v.withStringBytes { parseInt64($0) }
    }
}

// MARK: helpers shared by the string and bitmap families

/// proto-max-bulk-len's default (512 MB). Redis makes it configurable; the strings and bitmap
/// limits read this until the config family provides the live setting.
let protoMaxBulkLen: Int64 = 512 * 1024 * 1024

/// What a key holds, found with a write lookup (lazy expiry applies) and without keeping a
/// reference to the value, so a following in-place update sees a uniquely referenced buffer.
enum StringKind { case missing, wrongType, string(length: Int) }

@inline(__always)
func stringKind(_ c: Call, _ key: UnsafeRawBufferPointer) -> StringKind {
    guard let v = c.lookupWrite(key) else { return .missing }
    return v.isString ? .string(length: v.stringLength) : .wrongType
}

/// Redis's checkStringLength(size, append): the result must fit proto-max-bulk-len (and the sum
/// must not overflow). Replies the error and returns false otherwise.
func checkStringLength(_ c: Call, _ size: Int64, _ append: Int64) -> Bool {
    let total = size &+ append
    if total > protoMaxBulkLen || total < size || total < append {
        c.error(WireError.stringTooLong)
        return false
    }
    return true
}
