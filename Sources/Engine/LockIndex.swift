// The index of lock-shaped keys behind `ADMIN LOCKS` (docs/locks.md), kept up to date from the
// engine's key-change path (`keyChangeObservers`: every write, expiry and eviction) and the
// whole-db changes (`dbChangeObservers`), so listing locks never scans the keyspace.
//
// "Lock-shaped" (Redisson's RLock layout), checked on every change of an indexed or candidate key:
// - the key holds a hash with 1...64 fields and has a TTL;
// - every field is `<clientId>:<threadId>`: a non-empty client id, a colon (the last one in
//   the field), a non-empty run of decimal digits;
// - every value is a decimal integer > 0 (the reentrancy count).
// A key stops being indexed the moment a change leaves it in any other shape (deleted, expired,
// persisted, overwritten, a foreign field added).
//
// Cost on the write path: with an empty index a write whose event can't create a lock (anything
// but expire/hincrby/hset/hdel/rename_to/move_to/copy_to/restore) costs one event-name test;
// otherwise one hash of the key and a set lookup (no allocation) unless the key is a candidate.
// Keys that arrive without a change event (an RDB load: start-up, DEBUG RELOAD, a replica's full
// sync, an AOF's RDB preamble) are indexed by one pass over the keys with a TTL after the load
// (`rebuildLockIndex`), the only time the index looks at the keyspace.

#if canImport(Glibc)
import Glibc
#endif
import RESP

public final class LockIndex {
    struct Entry: Hashable {
        let db: Int
        let key: Bytes
    }

    /// Indexed keys, and their key hashes as a cheap allocation-free pre-check.
    private(set) var entries = Set<Entry>()
    private var hashes: [UInt64: Int] = [:]
    private let hasher = KeyHasher(seed: 0x6c6f636b73)
    /// Client ids whose named connection (`keyward-lock:<id>`) closed, newest last (bounded).
    var goneClients: [String] = []
    static let goneKeep = 1024

    public var count: Int { entries.count }
    init() {}

    private static let creatingEvents: [StaticString] = ["expire", "hincrby", "hset", "hdel", "rename_to", "move_to",
                                                         "copy_to", "restore"]

    /// True when `event` can turn a key into a lock-shaped one (byte compares, no allocation).
    @inline(__always) static func mayCreate(_ event: StaticString) -> Bool {
        let n = event.utf8CodeUnitCount
        guard n >= 4 && n <= 9 else { return false }
        for c in creatingEvents where c.utf8CodeUnitCount == n && memcmp(c.utf8Start, event.utf8Start, n) == 0 {
            return true
        }
        return false
    }

    @inline(__always) func mightContain(_ key: UnsafeRawBufferPointer) -> Bool {
        !hashes.isEmpty && hashes[hasher.hash(key)] != nil
    }

    func insert(db: Int, _ key: UnsafeRawBufferPointer) {
        if entries.insert(Entry(db: db, key: Bytes(key))).inserted { hashes[hasher.hash(key), default: 0] += 1 }
    }

    func remove(db: Int, _ key: UnsafeRawBufferPointer) {
        guard entries.remove(Entry(db: db, key: Bytes(key))) != nil else { return }
        let h = hasher.hash(key)
        if let n = hashes[h], n > 1 { hashes[h] = n - 1 } else { hashes[h] = nil }
    }

    func clear() {
        entries.removeAll()
        hashes.removeAll()
    }

    func removeAll(db: Int) {
        for e in entries where e.db == db { e.key.withBytes { remove(db: db, $0) } }
    }

    func swap(_ a: Int, _ b: Int) {
        entries = Set(entries.map { e in Entry(db: e.db == a ? b : (e.db == b ? a : e.db), key: e.key) })
    }

    /// The owners of a lock-shaped hash, or nil when `h` is not lock-shaped.
    static func owners(_ h: HashValue) -> [(field: String, count: Int64)]? {
        let n = h.count
        guard n >= 1 && n <= 64 else { return nil }
        var out: [(String, Int64)] = []
        var ok = true
        h.forEach { f, v in
            guard ok else { return }
            guard isLockField(f), let c = parseInt64(v), c > 0 else { ok = false; return }
            out.append((String(decoding: f, as: UTF8.self), c))
        }
        return ok ? out : nil
    }

    /// `<non-empty>:<digits>` with the colon being the last one.
    static func isLockField(_ f: UnsafeRawBufferPointer) -> Bool {
        var digits = 0
        var i = f.count - 1
        while i >= 0, f[i] >= 0x30 && f[i] <= 0x39 { digits += 1; i -= 1 }
        return digits > 0 && digits <= 20 && i >= 1 && f[i] == UInt8(ascii: ":")
    }
}

extension Engine {
    /// Wires the index to the key-change paths (called once from `Engine.init`).
    func installLockIndex() {
        keyChangeObservers.append { [unowned self] db, key, event in
            let idx = self.lockIndex
            guard LockIndex.mayCreate(event) || idx.mightContain(key) else { return }
            self.refreshLockIndex(db: db, key)
        }
        dbChangeObservers.append { [unowned self] change in
            switch change {
            case .flushed(let i): self.lockIndex.removeAll(db: i)
            case .swapped(let a, let b): self.lockIndex.swap(a, b)
            }
        }
        clientGoneHooks.append { [unowned self] c in
            guard let id = LockIndex.lockClientId(c) else { return }
            let idx = self.lockIndex
            idx.goneClients.removeAll { $0 == id }
            idx.goneClients.append(id)
            if idx.goneClients.count > LockIndex.goneKeep { idx.goneClients.removeFirst() }
        }
    }

    /// Re-checks one key's shape and adds it to or drops it from the index. Reads without side
    /// effects (no lazy expiry, no stats, no LRU touch).
    func refreshLockIndex(db: Int, _ key: UnsafeRawBufferPointer) {
        if isLockShaped(db: db, key) { lockIndex.insert(db: db, key) }
        else if lockIndex.mightContain(key) { lockIndex.remove(db: db, key) }
    }

    /// After an RDB load: index every lock-shaped key (dbs without TTL keys are skipped).
    func rebuildLockIndex() {
        lockIndex.clear()
        for d in dbs where d.volatileCount > 0 {
            d.forEach { key, value, expires in
                guard expires != nil, case .object(let o) = value, let h = o as? HashValue,
                      LockIndex.owners(h) != nil else { return }
                key.withBytes { lockIndex.insert(db: d.index, $0) }
            }
        }
    }

    func isLockShaped(db: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let d = dbs[db]
        // No key with a TTL in this db (a cache without expiry, a benchmark): nothing to look up.
        guard d.volatileCount > 0, let s = d.findSlot(key), d.expireTime(at: s) != nil else { return false }
        guard case .object(let o) = d.value(at: s), let h = o as? HashValue else { return false }
        return LockIndex.owners(h) != nil
    }
}

extension LockIndex {
    /// The lock client id a connection announced with CLIENT SETNAME keyward-lock:<id>.
    static func lockClientId(_ c: ClientState) -> String? {
        guard let n = c.name else { return nil }
        let s = n.withBytes { String(decoding: $0, as: UTF8.self) }
        let prefix = "keyward-lock:"
        guard s.hasPrefix(prefix), s.count > prefix.count else { return nil }
        return String(s.dropFirst(prefix.count))
    }
}
