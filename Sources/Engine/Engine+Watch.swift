// WATCH: the optimistic lock of MULTI/EXEC (Redis 7.0's multi.c). A registry maps db+key to
// the clients watching it, and each client keeps its own set of watched keys. Every change
// the engine reports — `keyModified` (all write paths), `keyExpired` (lazy and active expiry),
// FLUSHDB/FLUSHALL/SWAPDB (`dbChangeObservers`) — marks the watching clients dirty
// (Redis's CLIENT_DIRTY_CAS) and their next EXEC answers a null array. While nobody watches,
// the hooks cost one emptiness test.
//
// Keys that are logically expired at WATCH time (TTL passed, not yet deleted) follow 7.0's
// `watchedKey.expired` rule: the key already counts as gone, so its later deletion (lazy or
// active expiry, a flush, a swap that leaves it missing or still expired) is no change and
// doesn't dirty the client; a write that leaves it existing does. The other way round, a
// watched live key whose TTL passes before EXEC fails that EXEC even if nothing has deleted it
// yet (`watchedKeyExpired`).

struct WatchKey: Hashable {
    let db: Int
    let key: Bytes
}

/// One client's watched keys (value: the key was logically expired when watched).
final class ClientWatch {
    var keys: [WatchKey: Bool] = [:]
    /// A watched key changed since WATCH: EXEC will fail.
    var dirty = false
}

/// The engine-wide db+key → watching clients map.
public final class WatchRegistry {
    var clients: [WatchKey: [ClientState]] = [:]
    /// Number of watched db+key pairs (INFO's watching_keys in later Redis versions).
    public var count: Int { clients.count }
    init() {}
}

extension Engine {
    /// WATCH of one key in the client's db. O(1).
    func watchKey(_ c: ClientState, _ raw: UnsafeRawBufferPointer) {
        let w: ClientWatch
        if let existing = c.watch { w = existing } else { w = ClientWatch(); c.watch = w }
        let k = WatchKey(db: c.db, key: Bytes(raw))
        if w.keys[k] != nil { return }
        w.keys[k] = keyIsExpired(dbs[c.db], raw)
        watches.clients[k, default: []].append(c)
    }

    /// Forgets every key the client watches and its dirty flag (UNWATCH, EXEC, DISCARD, RESET,
    /// disconnect). O(watched keys).
    func unwatchAll(_ c: ClientState) {
        guard let w = c.watch else { return }
        c.watch = nil
        for k in w.keys.keys {
            guard var list = watches.clients[k] else { continue }
            list.removeAll { $0 === c }
            watches.clients[k] = list.isEmpty ? nil : list
        }
    }

    /// True when the key exists but its TTL has passed (Redis's keyIsExpired; deletes nothing).
    func keyIsExpired(_ d: Database, _ raw: UnsafeRawBufferPointer) -> Bool {
        guard d.volatileCount > 0, let at = d.expireTime(raw) else { return false }
        return now > at
    }

    /// A key changed (written, deleted or expired): its watchers become dirty.
    func touchWatchedKey(db: Int, _ raw: UnsafeRawBufferPointer) {
        let k = WatchKey(db: db, key: Bytes(raw))
        guard let list = watches.clients[k] else { return }
        for c in list {
            guard let w = c.watch, !w.dirty else { continue }
            if w.keys[k] == true {
                // Watched while already expired: its deletion is no logical change.
                if dbs[db].findSlot(raw) == nil { w.keys[k] = false; continue }
            }
            w.dirty = true
        }
    }

    /// Db `emptied` is about to be flushed (`replacement` nil) or swapped with `replacement`:
    /// touch the watched keys whose existence or value this changes (7.0's
    /// touchAllWatchedKeysInDb). A watched key missing on both sides stays clean.
    func touchWatchedKeys(emptied i: Int, replacement j: Int?) {
        for (k, list) in watches.clients where k.db == i {
            k.key.withBytes { raw in
                let inEmptied = dbs[i].findSlot(raw) != nil
                let inReplacement = j.map { dbs[$0].findSlot(raw) != nil } ?? false
                guard inEmptied || inReplacement else { return }
                let replacementExpired = j.map { keyIsExpired(dbs[$0], raw) } ?? false
                for c in list {
                    guard let w = c.watch else { continue }
                    if w.keys[k] == true {
                        // Already expired when watched: gone, or still expired, is no change.
                        if !inReplacement { w.keys[k] = false; continue }
                        if replacementExpired { continue }
                    } else if !inEmptied && replacementExpired {
                        // A missing key replaced by an expired one: still logically missing.
                        w.keys[k] = true
                        continue
                    }
                    w.dirty = true
                }
            }
        }
    }

    /// EXEC's last check: a watched key (live when watched) whose TTL has passed since.
    func watchedKeyExpired(_ c: ClientState) -> Bool {
        guard let w = c.watch else { return false }
        for (k, expiredAtWatch) in w.keys where !expiredAtWatch {
            if k.key.withBytes({ keyIsExpired(dbs[k.db], $0) }) { return true }
        }
        return false
    }
}
