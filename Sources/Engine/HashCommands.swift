// Hashes family (Redis's t_hash.c "Hash type commands"): the specs, and HSET HMSET HSETNX HGET
// HMGET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL. HINCRBY/HINCRBYFLOAT are in +Incr,
// HRANDFIELD and HSCAN in +Random. Encoding rules live in HashType.swift.

import RESP

enum HashCommands {
    static func specs() -> [CommandSpec] {
        let h = ["hash"]
        let on = "O(N) where N is the size of the hash."
        func spec(_ name: String, _ arity: Int, _ flags: CommandFlags, _ summary: String, complexity: String = "O(1)",
                  since: String = "2.0.0", _ handler: @escaping CommandHandler) -> CommandSpec {
            CommandSpec(name, arity: arity, flags: flags, keys: (1, 1, 1), categories: h, group: "hash",
                        summary: summary, complexity: complexity, since: since, handler: handler)
        }
        return [
            spec("hset", -4, [.write, .denyOOM, .fast], "Set the string value of a hash field",
                 complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", hset),
            spec("hsetnx", 4, [.write, .denyOOM, .fast], "Set the value of a hash field, only if the field does not exist", hsetnx),
            spec("hget", 3, [.readonly, .fast], "Get the value of a hash field", hget),
            spec("hmget", -3, [.readonly, .fast], "Get the values of all the given hash fields",
                 complexity: "O(N) where N is the number of fields being requested.", hmget),
            spec("hmset", -4, [.write, .denyOOM, .fast], "Set multiple hash fields to multiple values",
                 complexity: "O(N) where N is the number of fields being set.", hset),
            spec("hdel", -3, [.write, .fast], "Delete one or more hash fields",
                 complexity: "O(N) where N is the number of fields to be removed.", hdel),
            spec("hlen", 2, [.readonly, .fast], "Get the number of fields in a hash", hlen),
            spec("hstrlen", 3, [.readonly, .fast], "Get the length of the value of a hash field", since: "3.2.0", hstrlen),
            spec("hexists", 3, [.readonly, .fast], "Determine if a hash field exists", hexists),
            spec("hincrby", 4, [.write, .denyOOM, .fast], "Increment the integer value of a hash field by the given number", hincrby),
            spec("hincrbyfloat", 4, [.write, .denyOOM, .fast], "Increment the float value of a hash field by the given amount",
                 since: "2.6.0", hincrbyfloat),
            spec("hkeys", 2, [.readonly], "Get all the fields in a hash", complexity: on, hkeys),
            spec("hvals", 2, [.readonly], "Get all the values in a hash", complexity: on, hvals),
            spec("hgetall", 2, [.readonly], "Get all the fields and values in a hash", complexity: on, hgetall),
            spec("hrandfield", -2, [.readonly], "Get one or multiple random fields from a hash",
                 complexity: "O(N) where N is the number of fields returned", since: "6.2.0", hrandfield),
            spec("hscan", -3, [.readonly], "Incrementally iterate hash fields and associated values",
                 complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
                 since: "2.8.0", hscan),
        ]
    }

    /// HSET key field value [field value ...] (and HMSET, which replies OK instead of a count).
    static func hset(_ c: Call) {
        let a = c.argv
        if a.count % 2 == 1 {
            c.error(WireError.wrongArity(a.string(0).lowercased())); return
        }
        let key = a[1]
        guard let h = c.hashForWriteOrCreate(key) else { return }
        let limits = c.engine.limits
        var created = 0
        var i = 2
        while i < a.count {
            if h.set(a[i], a[i + 1], limits: limits) { created += 1 }
            i += 2
        }
        // HMSET is told apart by name: it shares the handler (Redis's hsetCommand does the same).
        if a[0].count == 5 { c.ok() } else { c.int(created) }
        c.modified(key, event: "hset")
    }

    static func hsetnx(_ c: Call) {
        let key = c.argv[1]
        guard let h = c.hashForWriteOrCreate(key) else { return }
        if h.contains(c.argv[2]) { c.int(0); return }
        h.set(c.argv[2], c.argv[3], limits: c.engine.limits)
        c.int(1)
        c.modified(key, event: "hset")
    }

    static func hget(_ c: Call) {
        switch c.hashForRead(c.argv[1]) {
        case .wrongType: return
        case .missing: c.null()
        case .found(let h):
            if h.get(c.argv[2], { c.bulk($0) }) == nil { c.null() }
        }
    }

    static func hmget(_ c: Call) {
        let a = c.argv
        var hash: HashValue? = nil
        switch c.hashForRead(a[1]) {
        case .wrongType: return
        case .missing: break
        case .found(let h): hash = h
        }
        c.array(a.count - 2)
        for i in 2..<a.count {
            if hash?.get(a[i], { c.bulk($0) }) == nil { c.null() }
        }
    }

    static func hdel(_ c: Call) {
        let a = c.argv
        let key = a[1]
        guard let v = c.lookupWrite(key) else { c.int(0); return }
        guard case .object(let o) = v, let h = o as? HashValue else { c.wrongType(); return }
        var deleted = 0
        var removedKey = false
        for i in 2..<a.count {
            if h.remove(a[i]) {
                deleted += 1
                if h.count == 0 { c.db.remove(key); removedKey = true; break }
            }
        }
        if deleted > 0 {
            c.modified(key, event: "hdel")
            if removedKey { c.modified(key, event: "del") }
        }
        c.int(deleted)
    }

    static func hlen(_ c: Call) {
        switch c.hashForRead(c.argv[1]) {
        case .wrongType: return
        case .missing: c.int(0)
        case .found(let h): c.int(h.count)
        }
    }

    static func hstrlen(_ c: Call) {
        switch c.hashForRead(c.argv[1]) {
        case .wrongType: return
        case .missing: c.int(0)
        case .found(let h): c.int(h.get(c.argv[2], { $0.count }) ?? 0)
        }
    }

    static func hexists(_ c: Call) {
        switch c.hashForRead(c.argv[1]) {
        case .wrongType: return
        case .missing: c.int(0)
        case .found(let h): c.int(h.contains(c.argv[2]) ? 1 : 0)
        }
    }

    static func hkeys(_ c: Call) { getall(c, fields: true, values: false) }
    static func hvals(_ c: Call) { getall(c, fields: false, values: true) }
    static func hgetall(_ c: Call) { getall(c, fields: true, values: true) }

    /// Redis's genericHgetallCommand: a map for HGETALL (flat in RESP2), arrays otherwise.
    static func getall(_ c: Call, fields: Bool, values: Bool) {
        var hash: HashValue? = nil
        switch c.hashForRead(c.argv[1]) {
        case .wrongType: return
        case .missing: break
        case .found(let h): hash = h
        }
        let n = hash?.count ?? 0
        if fields && values { c.map(n) } else { c.array(n) }
        hash?.forEach { f, v in
            if fields { c.bulk(f) }
            if values { c.bulk(v) }
        }
    }
}
