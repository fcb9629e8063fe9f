// Commands that work across or on whole databases: COPY MOVE SWAPDB FLUSHDB FLUSHALL DBSIZE
// (db.c). Argument checks run in Redis's order so the same bad call gets the same error.

extension KeyCommands {
    static func databaseSpecs() -> [CommandSpec] {
        [
            CommandSpec("copy", arity: -3, flags: [.write, .denyOOM], keys: (1, 2, 1), categories: ["keyspace"], group: "generic",
                        summary: "Copy a key",
                        complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
                        since: "6.2.0", handler: copy),
            CommandSpec("move", arity: 3, flags: [.write, .fast], keys: (1, 1, 1), categories: ["keyspace"], group: "generic",
                        summary: "Move a key to another database", handler: move),
            CommandSpec("swapdb", arity: 3, flags: [.write, .fast], categories: ["keyspace", "dangerous"], group: "server",
                        summary: "Swaps two Redis databases",
                        complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.",
                        since: "4.0.0", handler: swapdb),
            CommandSpec("flushdb", arity: -1, flags: [.write], categories: ["keyspace", "dangerous"], group: "server",
                        summary: "Remove all keys from the current database",
                        complexity: "O(N) where N is the number of keys in the selected database", handler: flushdb),
            CommandSpec("flushall", arity: -1, flags: [.write], categories: ["keyspace", "dangerous"], group: "server",
                        summary: "Remove all keys from all databases",
                        complexity: "O(N) where N is the total number of keys in all databases", handler: flushall),
            CommandSpec("dbsize", arity: 1, flags: [.readonly, .fast], categories: ["keyspace"], group: "server",
                        summary: "Return the number of keys in the selected database", handler: dbsize),
        ]
    }

    /// COPY source destination [DB index] [REPLACE]: a deep copy with the source's TTL.
    static func copy(_ c: Call) {
        let a = c.argv
        let src = c.client.db
        var dst = src
        var replace = false
        var j = 3
        while j < a.count {
            if a.isEqual(j, "replace") {
                replace = true
            } else if a.isEqual(j, "db") && a.count - j - 1 >= 1 {
                guard let n = cInt(c, j + 1) else { return }
                guard n >= 0 && n < c.engine.dbs.count else { c.error(WireError.dbIndex); return }
                dst = n
                j += 1
            } else {
                c.syntaxError(); return
            }
            j += 1
        }
        if c.engine.mode == "cluster" && (src != 0 || dst != 0) {
            c.error("ERR Copying to another database is not allowed in cluster mode"); return
        }
        let key = a[1], newKey = a[2]
        if src == dst && bytesEqual(key, newKey) { c.error(WireError.sameObject); return }
        guard let v = c.lookup(key) else { c.int(0); return }
        let expire = c.db.expireTime(key)
        if c.engine.lookupWrite(db: dst, newKey) != nil && !replace { c.int(0); return }
        let target = c.engine.dbs[dst]
        target.set(newKey, duplicated(v))
        if let at = expire { target.setExpire(newKey, at: at) }
        target.touch(newKey, clock: c.engine.lruClock)
        c.engine.keyModified(db: dst, newKey, event: "copy_to")
        c.int(1)
    }

    /// MOVE key db: moves the value and its TTL; 0 when absent here or present there.
    static func move(_ c: Call) {
        if c.engine.mode == "cluster" { c.error("ERR MOVE is not allowed in cluster mode"); return }
        let src = c.client.db
        guard let dst = cInt(c, 2) else { return }
        guard dst >= 0 && dst < c.engine.dbs.count else { c.error(WireError.dbIndex); return }
        if src == dst { c.error(WireError.sameObject); return }
        let key = c.argv[1]
        guard let v = c.lookupWrite(key) else { c.int(0); return }
        let expire = c.db.expireTime(key)
        if c.engine.lookupWrite(db: dst, key) != nil { c.int(0); return }
        let target = c.engine.dbs[dst]
        target.set(key, v)
        if let at = expire { target.setExpire(key, at: at) }
        target.touch(key, clock: c.engine.lruClock)
        c.db.remove(key)
        c.engine.keyModified(db: src, key, event: "move_from")
        c.engine.keyModified(db: dst, key, event: "move_to")
        c.engine.dirty -= 1 // one change in Redis's count, reported in both dbs
        c.int(1)
    }

    /// SWAPDB a b: swaps the Database objects, so clients that SELECTed a see b's data.
    static func swapdb(_ c: Call) {
        if c.engine.mode == "cluster" { c.error("ERR SWAPDB is not allowed in cluster mode"); return }
        guard let i = cInt(c, 1, message: "ERR invalid first DB index"),
              let j = cInt(c, 2, message: "ERR invalid second DB index") else { return }
        let n = c.engine.dbs.count
        guard i >= 0 && i < n && j >= 0 && j < n else { c.error(WireError.dbIndex); return }
        if i != j {
            let e = c.engine
            for o in e.dbChangeObservers { o(.swapped(i, j)) }
            e.dbs.swapAt(i, j)
            e.dbs[i].index = i
            e.dbs[j].index = j
            let ai = e.activeExpire.averageTTL(i), aj = e.activeExpire.averageTTL(j)
            e.activeExpire.setAverageTTL(i, aj)
            e.activeExpire.setAverageTTL(j, ai)
        }
        c.engine.dirty += 1
        c.ok()
    }

    /// FLUSHDB/FLUSHALL [ASYNC|SYNC]: nil after replying a syntax error, else whether async.
    static func flushMode(_ c: Call) -> Bool? {
        if c.argv.count == 1 { return false }
        if c.argv.count == 2 && c.argv.isEqual(1, "sync") { return false }
        if c.argv.count == 2 && c.argv.isEqual(1, "async") { return true }
        c.syntaxError()
        return nil
    }

    /// Empties db `i`; every key counts as a change.
    static func emptyDB(_ e: Engine, _ i: Int, async: Bool = false) {
        let d = e.dbs[i]
        e.dirty += Int64(d.count)
        // Observers see the keys before they go (WATCH is touched while the keys still exist).
        for o in e.dbChangeObservers { o(.flushed(i)) }
        // ASYNC (or lazyfree-lazy-user-flush): detach in O(1) and free on the lazy-free thread.
        if (async || e.lazyFreeUserFlush), let free = e.lazyFree, d.count > 64 {
            free(d.detachAll())
        } else {
            d.removeAll()
        }
        e.activeExpire.setAverageTTL(i, 0)
    }

    static func flushdb(_ c: Call) {
        guard let async = flushMode(c) else { return }
        emptyDB(c.engine, c.client.db, async: async)
        c.ok()
        c.forcePropagation()   // even when the db was already empty, as Redis

    }

    static func flushall(_ c: Call) {
        guard let async = flushMode(c) else { return }
        for i in c.engine.dbs.indices { emptyDB(c.engine, i, async: async) }
        c.ok()
        c.forcePropagation()
    }

    static func dbsize(_ c: Call) { c.int(c.db.count) }
}
