// Keyspace notifications (Redis 7.0's notify.c): with `notify-keyspace-events` enabled, every
// key change reported through `Engine.keyModified` (and lazy/active expiry, key misses) is
// published as `__keyspace@<db>__:<key>` -> event and/or `__keyevent@<db>__:<event>` -> key.
//
// Commands report changes with Redis's event names only; the class each event belongs to
// ($ string, l list, g generic ...) is the one its notifyKeyspaceEvent call passes in Redis.
// The table below was taken from a real 7.0.15 server by enabling one class at a time and
// running every write command. Disabled notifications cost one Bool test per write.

extension KeyspaceEventFlags {
    /// The class of each event name Redis 7.0 emits.
    static let eventClasses: [String: KeyspaceEventFlags] = {
        var t: [String: KeyspaceEventFlags] = [:]
        func add(_ f: KeyspaceEventFlags, _ names: [String]) { for n in names { t[n] = f } }
        add(.generic, ["del", "expire", "persist", "rename_from", "rename_to", "move_from", "move_to",
                       "copy_to", "restore"])
        add(.string, ["set", "setrange", "incrby", "incrbyfloat", "append", "setbit", "pfadd"])
        add(.list, ["lpush", "rpush", "linsert", "lset", "lpop", "rpop", "ltrim", "lrem", "sortstore"])
        add(.set, ["sadd", "srem", "spop", "sinterstore", "sunionstore", "sdiffstore"])
        add(.hash, ["hset", "hdel", "hincrby", "hincrbyfloat"])
        add(.zset, ["zadd", "zincr", "zrem", "zremrangebyscore", "zremrangebyrank", "zremrangebylex",
                    "zunionstore", "zinterstore", "zdiffstore", "zrangestore", "zpopmin", "zpopmax",
                    "georadiusstore", "geosearchstore"])
        add(.stream, ["xadd", "xtrim", "xdel", "xsetid", "xgroup-create", "xgroup-createconsumer",
                      "xgroup-delconsumer", "xgroup-destroy", "xgroup-setid"])
        add(.expired, ["expired"])
        add(.evicted, ["evicted"])
        add(.new, ["new"])
        add(.keyMiss, ["keymiss"])
        return t
    }()

    /// The class of `event`; an event missing from the table counts as generic.
    public static func eventClass(_ event: String) -> KeyspaceEventFlags {
        eventClasses[event] ?? .generic
    }
}

extension Engine {
    /// Caches the parsed notify-keyspace-events (called on start and on every change).
    func setKeyspaceEvents(_ f: KeyspaceEventFlags) {
        pubsub.keyspaceEvents = f
        pubsub.notifying = !f.isDisjoint(with: [.keyspace, .keyevent]) && !f.subtracting([.keyspace, .keyevent]).isEmpty
        installNewKeyHooks()
    }

    /// The `new` class: Redis notifies from dbAdd, i.e. whenever a key is created (SET of a new
    /// key, RENAME's target, a first LPUSH...), before the command's own event. Installed on
    /// the databases only while that class is on, so key creation costs nothing otherwise.
    func installNewKeyHooks() {
        let on = pubsub.notifying && pubsub.keyspaceEvents.contains(.new)
        for d in dbs {
            d.onInsert = on ? { [unowned self, unowned d] key in
                self.notify(type: .new, event: "new", key: key, db: d.index)
            } : nil
        }
    }

    /// A change reported by `keyModified` / `keyExpired` (only called while notifying).
    func notifyKeyEvent(db: Int, _ key: UnsafeRawBufferPointer, _ event: StaticString) {
        let name = String(decoding: UnsafeRawBufferPointer(start: event.utf8Start, count: event.utf8CodeUnitCount), as: UTF8.self)
        // Module-style changes ("bf.add") report to WATCH and the dirty counter only:
        // RedisBloom publishes no keyspace event for them.
        if name.utf8.contains(46) { return }
        notify(type: KeyspaceEventFlags.eventClass(name), event: name, key: key, db: db)
    }

    /// notifyKeyspaceEvent: publishes `event` on `key` in `db` when class `type` is enabled.
    public func notify(type: KeyspaceEventFlags, event: String, key: UnsafeRawBufferPointer, db: Int) {
        let flags = pubsub.keyspaceEvents
        guard !flags.isDisjoint(with: type) else { return }
        var ev = event
        ev.withUTF8 { evBytes in
            let eventRaw = UnsafeRawBufferPointer(evBytes)
            if flags.contains(.keyspace) {
                publishNotification(prefix: "__keyspace@", db: db, suffix: key, payload: eventRaw)
            }
            if flags.contains(.keyevent) {
                publishNotification(prefix: "__keyevent@", db: db, suffix: eventRaw, payload: key)
            }
        }
    }

    /// Publishes `payload` on the channel `<prefix><db>__:<suffix>`.
    private func publishNotification(prefix: StaticString, db: Int, suffix: UnsafeRawBufferPointer,
                                     payload: UnsafeRawBufferPointer) {
        var ch = pubsub.scratch
        pubsub.scratch = []
        ch.removeAll(keepingCapacity: true)
        ch.append(contentsOf: UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        ch.append(contentsOf: String(db).utf8)
        ch.append(contentsOf: "__:".utf8)
        ch.append(contentsOf: suffix)
        ch.withUnsafeBytes { _ = publish(channel: $0, message: payload) }
        pubsub.scratch = ch
    }
}
