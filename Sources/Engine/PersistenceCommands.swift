// Persistence commands (rdb.c saveCommand, cluster.c dumpCommand/restoreCommand, debug.c
// DEBUG RELOAD): SAVE, DUMP, RESTORE and RESTORE-ASKING. Payloads are a type byte, the value
// as RdbWriter writes it, the RDB version (2 bytes LE) and a CRC64 (8 bytes LE).

import RESP

public enum PersistenceCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("save", arity: 1, flags: [.admin, .noscript, .noAsyncLoading, .noMulti], categories: ["dangerous"], group: "server",
                        summary: "Synchronously save the dataset to disk", complexity: "O(N) where N is the total number of keys in all databases", since: "1.0.0", handler: save),
            CommandSpec("bgsave", arity: -1, flags: [.admin, .noscript, .noAsyncLoading], categories: ["dangerous"], group: "server",
                        summary: "Asynchronously save the dataset to disk", complexity: "O(1)", since: "1.0.0", handler: Engine.bgsaveCommand),
            CommandSpec("dump", arity: 2, flags: [.readonly], keys: (1, 1, 1), categories: ["keyspace"], group: "generic",
                        summary: "Return a serialized version of the value stored at the specified key.", complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).", since: "2.6.0", handler: dump),
            CommandSpec("restore", arity: -4, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: ["keyspace", "dangerous"], group: "generic",
                        summary: "Create a key using the provided serialized value, previously obtained using DUMP.", complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).", since: "2.6.0", handler: restore),
            CommandSpec("restore-asking", arity: -4, flags: [.write, .denyOOM], keys: (1, 1, 1), categories: ["keyspace", "dangerous"], group: "server",
                        summary: "An internal command for migrating keys in a cluster", complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).", since: "3.0.0", handler: restore),
        ]
    }

    static func save(_ c: Call) {
        if c.engine.rdbSaveInProgress { c.error("ERR Background save already in progress"); return }
        if c.engine.saveRdb() { c.ok() } else { c.error("ERR") }
    }

    /// The DUMP payload of `v`.
    public static func payload(of v: Value, compression: Bool) -> [UInt8] {
        let w = RdbWriter(compression: compression)
        w.writeObjectType(v)
        w.writeObject(v)
        return dumpPayload(w.bytes)
    }

    static func dump(_ c: Call) {
        guard let v = c.lookup(c.argv[1]) else { c.null(); return }
        let payload = payload(of: v, compression: c.engine.config.bool("rdbcompression"))
        payload.withUnsafeBytes { c.bulk($0) }
    }

    /// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency].
    static func restore(_ c: Call) {
        let a = c.argv
        var replace = false, absttl = false
        var idle: Int64 = -1, freq: Int64 = -1
        var j = 4
        while j < a.count {
            let more = a.count - j - 1
            if a.isEqual(j, "replace") { replace = true }
            else if a.isEqual(j, "absttl") { absttl = true }
            else if a.isEqual(j, "idletime") && more >= 1 && freq == -1 {
                guard let v = a.int(j + 1) else { c.error(WireError.notInteger); return }
                if v < 0 { c.error("ERR Invalid IDLETIME value, must be >= 0"); return }
                idle = v; j += 1
            } else if a.isEqual(j, "freq") && more >= 1 && idle == -1 {
                guard let v = a.int(j + 1) else { c.error(WireError.notInteger); return }
                if v < 0 || v > 255 { c.error("ERR Invalid FREQ value, must be >= 0 and <= 255"); return }
                freq = v; j += 1
            } else {
                c.syntaxError(); return
            }
            j += 1
        }
        let key = a[1]
        if !replace && c.lookupWrite(key) != nil { c.error("BUSYKEY Target key name already exists."); return }
        guard var ttl = a.int(2) else { c.error(WireError.notInteger); return }
        if ttl < 0 { c.error("ERR Invalid TTL value, must be >= 0"); return }
        guard let body = dumpPayloadBody(a[3]) else { c.error("ERR DUMP payload version or checksum are wrong"); return }
        let loaded = try? RdbLoader.object(body, limits: c.engine.limits)
        guard let value = loaded ?? nil else { c.error("ERR Bad data format"); return }
        var deleted = false
        if replace { deleted = c.db.remove(key) != nil }
        if ttl != 0 && !absttl { ttl += c.now }
        if ttl != 0 && ttl <= c.now {
            // Already expired: the key is gone (and a replaced one counts as deleted).
            if deleted {
                c.modified(key, event: "del")
                c.propagate(["DEL", .argv(1)])
            } else {
                c.preventPropagation()
            }
            c.ok()
            return
        }
        c.db.set(key, value)
        if ttl != 0 { c.db.setExpire(key, at: ttl) }
        if idle >= 0 {
            c.db.touch(key, clock: UInt32(truncatingIfNeeded: max(0, c.now / 1000 - idle)))
        } else {
            c.db.touch(key, clock: c.engine.lruClock)
        }
        c.modified(key, event: "restore")
        c.ok()
        if ttl != 0 && !absttl {
            // A relative TTL would mean another instant when replayed.
            var args: [PropagationArg] = ["RESTORE", .argv(1), .int(ttl)]
            for i in 3..<a.count { args.append(.argv(i)) }
            args.append("ABSTTL")
            c.propagate(args)
        }
    }

    /// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, then load the file back (replacing the
    /// dataset unless NOFLUSH; MERGE lets loaded keys replace existing ones).
    static func debugReload(_ c: Call) {
        var merge = false, flush = true, save = true
        for j in 2..<c.argv.count {
            if c.argv.isEqual(j, "merge") { merge = true }
            else if c.argv.isEqual(j, "noflush") { flush = false }
            else if c.argv.isEqual(j, "nosave") { save = false }
            else { c.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."); return }
        }
        let e = c.engine
        if save && !e.saveRdb() { c.error("ERR"); return }
        do {
            guard try e.loadRdbFile(e.config.string("dbfilename"), intoLive: !flush, allowDuplicates: merge) != nil else {
                c.error("ERR Error trying to load the RDB dump"); return
            }
        } catch {
            e.persistence.warn?("\(error)")
            c.error("ERR Error trying to load the RDB dump"); return
        }
        e.persistence.warn?("DB reloaded by DEBUG RELOAD")
        c.ok()
    }
}
