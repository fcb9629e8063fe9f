// Generic key family (Redis's db.c "type agnostic commands"): DEL UNLINK EXISTS TYPE TOUCH
// RANDOMKEY RENAME RENAMENX here; KEYS/SCAN in +Scan, COPY MOVE SWAPDB FLUSHDB FLUSHALL DBSIZE in
// +Databases, OBJECT in +Object. Type-agnostic on purpose: values are only moved, copied
// (`duplicated`) or asked for `typeName`/`encodingName`, so new data types need nothing here.

enum KeyCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("del", arity: -2, flags: [.write], keys: (1, -1, 1), categories: ["keyspace"], group: "generic",
                        summary: "Delete a key",
                        complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
                        handler: del),
            CommandSpec("unlink", arity: -2, flags: [.write, .fast], keys: (1, -1, 1), categories: ["keyspace"], group: "generic",
                        summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
                        complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
                        since: "4.0.0", handler: del),
            CommandSpec("exists", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), categories: ["keyspace"], group: "generic",
                        summary: "Determine if a key exists", complexity: "O(N) where N is the number of keys to check.",
                        handler: exists),
            CommandSpec("type", arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), categories: ["keyspace"], group: "generic",
                        summary: "Determine the type stored at key", handler: type),
            CommandSpec("touch", arity: -2, flags: [.readonly, .fast], keys: (1, -1, 1), categories: ["keyspace"], group: "generic",
                        summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.",
                        complexity: "O(N) where N is the number of keys that will be touched.", since: "3.2.1", handler: touch),
            CommandSpec("randomkey", arity: 1, flags: [.readonly], categories: ["keyspace"], group: "generic",
                        summary: "Return a random key from the keyspace", handler: randomKey),
            CommandSpec("rename", arity: 3, flags: [.write], keys: (1, 2, 1), categories: ["keyspace"], group: "generic",
                        summary: "Rename a key", handler: { rename($0, nx: false) }),
            CommandSpec("renamenx", arity: 3, flags: [.write, .fast], keys: (1, 2, 1), categories: ["keyspace"], group: "generic",
                        summary: "Rename a key, only if the new key does not exist", handler: { rename($0, nx: true) }),
        ] + scanSpecs() + databaseSpecs() + objectSpecs()
    }

    /// DEL and UNLINK (UNLINK's lazy free arrives with the background free thread).
    static func del(_ c: Call) {
        let d = c.db
        var n = 0
        for i in 1..<c.argv.count {
            let key = c.argv[i]
            // An expired key is reclaimed as expired (stats, "expired" event), not counted as deleted.
            _ = c.engine.expireIfNeeded(d, key)
            if d.remove(key) != nil {
                c.modified(key, event: "del")
                n += 1
            }
        }
        c.int(n)
    }

    static func exists(_ c: Call) {
        var n = 0
        for i in 1..<c.argv.count where c.engine.lookup(db: c.client.db, c.argv[i], touch: false) != nil { n += 1 }
        c.int(n)
    }

    static func type(_ c: Call) {
        let v = c.engine.lookup(db: c.client.db, c.argv[1], touch: false)
        c.simple(v?.typeName ?? "none")
    }

    static func touch(_ c: Call) {
        var n = 0
        for i in 1..<c.argv.count where c.lookup(c.argv[i]) != nil { n += 1 }
        c.int(n)
    }

    /// Redis's dbRandomKey: a volatile pick that turns out expired is reclaimed and we retry.
    static func randomKey(_ c: Call) {
        let d = c.db
        // A replica deletes nothing on read: after 100 expired picks it returns one anyway, as
        // Redis does, instead of looping forever over a db of expired keys.
        var tries = 100
        while let k = d.randomKey() {
            let expired = k.withBytes { c.engine.expireIfNeeded(d, $0) }
            tries -= 1
            if !expired || (c.engine.replicaKeepsExpired && tries == 0) { c.bulk(k); return }
        }
        c.null()
    }

    /// RENAME keeps the value object, its TTL and (as the lookup touched it) a fresh access time.
    static func rename(_ c: Call, nx: Bool) {
        let src = c.argv[1], dst = c.argv[2]
        let d = c.db
        let same = bytesEqual(src, dst)
        guard let v = c.lookupWrite(src) else { c.error(WireError.noSuchKey); return }
        if same {
            if nx { c.int(0) } else { c.ok() }
            return
        }
        let expire = d.expireTime(src)
        if c.lookupWrite(dst) != nil && nx { c.int(0); return }
        d.remove(src)
        d.set(dst, v)
        if let at = expire { d.setExpire(dst, at: at) }
        d.touch(dst, clock: c.engine.lruClock)
        c.modified(src, event: "rename_from")
        c.modified(dst, event: "rename_to")
        c.engine.dirty -= 1 // Redis counts a rename as one change, reported on both keys
        if nx { c.int(1) } else { c.ok() }
    }

    // MARK: helpers shared by the family

    /// Redis's getIntFromObjectOrReply: a strict integer that fits a C int. Replies the error
    /// (`message` replacing both default texts when given) and returns nil otherwise.
    static func cInt(_ c: Call, _ i: Int, message: String? = nil) -> Int? {
        guard let v = c.argv.int(i) else { c.error(message ?? WireError.notInteger); return nil }
        guard v >= Int64(Int32.min) && v <= Int64(Int32.max) else { c.error(message ?? WireError.intOutOfRange); return nil }
        return Int(v)
    }

    /// An independent copy of a value (COPY): string encodings are kept, heap bytes are not
    /// shared because APPEND/SETRANGE may grow them in place.
    static func duplicated(_ v: Value) -> Value {
        switch v {
        case .int, .small: return v
        case .heap(let h): return .heap(h.withBytes { HeapBytes.make($0) })
        case .raw(let h): return .raw(h.withBytes { HeapBytes.make($0) })
        case .object(let o): return .object(o.copy())
        }
    }
}
