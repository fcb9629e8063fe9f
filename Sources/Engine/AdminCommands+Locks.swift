// ADMIN LOCKS [pattern]: the held Redisson-layout locks from the lock index (LockIndex.swift),
// without scanning the keyspace, plus the newest failure records the KeywardLocks wrapper wrote
// (docs/locks.md). One JSON document (Admin.LocksDocument).

import Admin
import RESP

extension AdminCommands {
    static func lockSpecs() -> [CommandSpec] {
        [
            CommandSpec("locks", arity: -2, flags: [.loading, .stale, .noscript], group: "server",
                        summary: "List held locks (Redisson layout) and recent lock failure records",
                        complexity: "O(N) where N is the number of indexed locks.", since: "keyward",
                        handler: locks),
        ]
    }

    static let lockHelp: [String] = [
        "LOCKS [<pattern>]",
        "    Held locks whose name matches <pattern> (default *) and recent lock failures, as JSON.",
    ]

    /// How many failure records a LOCKS document carries.
    static let failuresShown = 20

    static func locks(_ c: Call) {
        guard c.argv.count <= 3 else { c.error(WireError.wrongArity("admin|locks")); return }
        let pattern = c.argv.count == 3 ? Bytes(c.argv[2]) : Bytes("*")
        let e = c.engine
        var holders: [LockHolder] = []
        let sorted = e.lockIndex.entries.sorted { ($0.db, $0.key) < ($1.db, $1.key) }
        for entry in sorted where globMatch(pattern: pattern, entry.key) {
            if let h = e.lockHolder(entry) { holders.append(h) }
        }
        let doc = LocksDocument(pattern: pattern.withBytes { String(decoding: $0, as: UTF8.self) },
                                locks: holders, failures: e.recentLockFailures(failuresShown))
        reply(c, doc)
    }
}

extension Engine {
    /// One indexed lock as a document; nil when it is gone or logically expired by now.
    func lockHolder(_ entry: LockIndex.Entry) -> LockHolder? {
        let d = dbs[entry.db]
        return entry.key.withBytes { key -> LockHolder? in
            guard let s = d.findSlot(key), let at = d.expireTime(at: s), at > now,
                  case .object(let o) = d.value(at: s), let h = o as? HashValue,
                  let owners = LockIndex.owners(h) else { return nil }
            let name = String(decoding: key, as: UTF8.self)
            let infos = owners.compactMap { o -> LockOwnerInfo? in
                guard var info = LockOwnerInfo(field: o.field, reentrancy: o.count) else { return nil }
                info.connection = lockClientConnection(info.clientId)
                return info
            }
            return LockHolder(name: name, db: entry.db, owners: infos, remainingLeaseMs: at - now,
                              fencingToken: lockToken(db: entry.db, name: name),
                              waiters: lockWaiters(name: name))
        }
    }

    /// Redisson's prefixName: `prefix:{name}`, or `prefix:name` when the name has a hash tag.
    static func redissonName(_ prefix: String, _ name: String) -> String {
        name.contains("{") ? "\(prefix):\(name)" : "\(prefix):{\(name)}"
    }

    func lockToken(db: Int, name: String) -> Int64? {
        let key = Bytes(Engine.redissonName("redisson_lock_token", name))
        return key.withBytes { raw -> Int64? in
            let d = dbs[db]
            guard let s = d.findSlot(raw) else { return nil }
            if let at = d.expireTime(at: s), at <= now { return nil }
            let v = d.value(at: s)
            guard v.isString else { return nil }
            return v.withStringBytes { parseInt64($0) }
        }
    }

    func lockWaiters(name: String) -> Int {
        Bytes(Engine.redissonName("redisson_lock__channel", name)).withBytes {
            pubsub.subscriberCount($0, sharded: false) + pubsub.subscriberCount($0, sharded: true)
        }
    }

    /// "alive" / "gone" / "unknown" for a lock client id (LockConventions.clientNamePrefix).
    func lockClientConnection(_ clientId: String) -> String {
        for c in clients.values where !c.closeASAP {
            if LockIndex.lockClientId(c) == clientId { return "alive" }
        }
        return lockIndex.goneClients.contains(clientId) ? "gone" : "unknown"
    }

    /// The newest `n` failure records of the list in db 0 (JSON text parsed; raw text kept).
    func recentLockFailures(_ n: Int) -> [JSONValue] {
        let d = dbs[0]
        let key = Bytes(LockConventions.failureKey)
        return key.withBytes { raw -> [JSONValue] in
            guard let s = d.findSlot(raw) else { return [] }
            if let at = d.expireTime(at: s), at <= now { return [] }
            guard case .object(let o) = d.value(at: s), let list = o as? ListValue else { return [] }
            var out: [JSONValue] = []
            list.forEach(from: 0) { el in
                let text = el.owned.withBytes { String(decoding: $0, as: UTF8.self) }
                out.append(JSONValue(parsing: text) ?? .string(text))
                return out.count < n
            }
            return out
        }
    }
}
