// BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP, written as "serve if possible, else block": the engine
// (Engine+Blocking.swift) runs the command again from the start whenever one of its keys is
// written, for the waiting clients in arrival order. Inside MULTI/EXEC and scripts
// (`mayBlock` false) they answer as on timeout, as Redis does.
//
// Difference from Redis 7.0 (this re-execution is Redis 7.2's model): when a key a client waits
// on is overwritten with another type, 7.0 leaves the client blocked, while here (and in 7.2)
// the re-run answers WRONGTYPE; likewise a BLMOVE/BRPOPLPUSH whose destination holds another
// type gets WRONGTYPE instead of staying blocked. A client waiting on several keys is served
// from the first non-empty one in argument order (7.0 serves from the key that was pushed).

extension ListCommands {
    static func blpop(_ c: Call) { blockingPop(c, atHead: true) }
    static func brpop(_ c: Call) { blockingPop(c, atHead: false) }

    static func blockingPop(_ c: Call, atHead: Bool) {
        let a = c.argv
        guard let deadline = c.blockingDeadline(a.count - 1) else { return }
        for i in 1..<(a.count - 1) {
            let key = a[i]
            guard let v = c.lookupWrite(key) else { continue }
            guard let l = asList(v) else { c.wrongType(); return }
            c.array(2)
            c.bulk(key)
            l.pop(atHead: atHead) { c.bulk(element: $0) }
            elementsRemoved(c, key, l, atHead: atHead, 1)
            c.propagate([atHead ? "LPOP" : "RPOP", .argv(i)])
            return
        }
        guard c.mayBlock else { c.nullArray(); return }
        c.block(on: (1..<(a.count - 1)).map { a.bytes($0) }, deadline: deadline, onTimeout: .nullArray)
    }

    static func brpoplpush(_ c: Call) {
        guard let deadline = c.blockingDeadline(3) else { return }
        blockingMove(c, fromHead: false, toHead: true, deadline: deadline)
    }

    static func blmove(_ c: Call) {
        guard let from = side(c, 3), let to = side(c, 4) else { return }
        guard let deadline = c.blockingDeadline(5) else { return }
        blockingMove(c, fromHead: from, toHead: to, deadline: deadline)
    }

    static func blockingMove(_ c: Call, fromHead: Bool, toHead: Bool, deadline: Int64) {
        guard let found = writeTarget(c, c.argv[1]) else { return }
        if let src = found {
            move(c, src, fromHead: fromHead, toHead: toHead)
            // Served after waiting: replayed as the non-blocking move (Redis propagates an
            // immediate BLMOVE as is; a replica never blocks either way).
            if c.engine.blocking.retrying === c.client {
                if c.argv.count == 4 {
                    c.propagate(["RPOPLPUSH", .argv(1), .argv(2)])
                } else {
                    c.propagate(["LMOVE", .argv(1), .argv(2), fromHead ? "LEFT" : "RIGHT", toHead ? "LEFT" : "RIGHT"])
                }
            }
            return
        }
        // Redis 7.0 answers a timed-out BLMOVE with a null *array* (replyToBlockedClientTimedOut
        // treats all list commands alike), but a non-blocking one (MULTI) with a null bulk.
        guard c.mayBlock else { c.null(); return }
        c.block(on: [c.argv.bytes(1)], deadline: deadline, onTimeout: .nullArray)
    }

    /// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the timeout is checked
    /// after the other arguments, as in Redis.
    static func blmpop(_ c: Call) {
        guard let m = parseMPop(c, numkeysAt: 2) else { return }
        guard let deadline = c.blockingDeadline(1) else { return }
        guard let served = mpopServe(c, m) else { return }
        if served { return }
        guard c.mayBlock else { c.nullArray(); return }
        c.block(on: m.keys.map { c.argv.bytes($0) }, deadline: deadline, onTimeout: .nullArray)
    }
}
