// Expiry family (expire.c): EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX|XX|GT|LT, TTL PTTL
// EXPIRETIME PEXPIRETIME PERSIST. Times are unix milliseconds from the engine's cached clock.
// A time at or before now deletes the key at once (reply 1, a "del" event); otherwise the key
// gets the time and an "expire" event. Overflow of unit conversion or base addition is an error.

enum ExpireCommands {
    static func specs() -> [CommandSpec] {
        let setter: (String, String, String, @escaping CommandHandler) -> CommandSpec = { name, summary, since, h in
            CommandSpec(name, arity: -3, flags: [.write, .fast], keys: (1, 1, 1), categories: ["keyspace"], group: "generic",
                        summary: summary, since: since, handler: h)
        }
        let getter: (String, String, String, @escaping CommandHandler) -> CommandSpec = { name, summary, since, h in
            CommandSpec(name, arity: 2, flags: [.readonly, .fast], keys: (1, 1, 1), categories: ["keyspace"], group: "generic",
                        summary: summary, since: since, handler: h)
        }
        return [
            setter("expire", "Set a key's time to live in seconds", "1.0.0") { expire($0, base: $0.now, seconds: true) },
            setter("pexpire", "Set a key's time to live in milliseconds", "2.6.0") { expire($0, base: $0.now, seconds: false) },
            setter("expireat", "Set the expiration for a key as a UNIX timestamp", "1.2.0") { expire($0, base: 0, seconds: true) },
            setter("pexpireat", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0") {
                expire($0, base: 0, seconds: false)
            },
            getter("ttl", "Get the time to live for a key in seconds", "1.0.0") { ttl($0, ms: false, absolute: false) },
            getter("pttl", "Get the time to live for a key in milliseconds", "2.6.0") { ttl($0, ms: true, absolute: false) },
            getter("expiretime", "Get the expiration Unix timestamp for a key", "7.0.0") { ttl($0, ms: false, absolute: true) },
            getter("pexpiretime", "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0") {
                ttl($0, ms: true, absolute: true)
            },
            CommandSpec("persist", arity: 2, flags: [.write, .fast], keys: (1, 1, 1), categories: ["keyspace"], group: "generic",
                        summary: "Remove the expiration from a key", since: "2.2.0", handler: persist),
        ]
    }

    struct Conditions: OptionSet {
        let rawValue: UInt8
        static let nx = Conditions(rawValue: 1)
        static let xx = Conditions(rawValue: 2)
        static let gt = Conditions(rawValue: 4)
        static let lt = Conditions(rawValue: 8)
    }

    /// parseExtendedExpireArgumentsOrReply: options first, then their compatibility.
    static func parseConditions(_ c: Call) -> Conditions? {
        var f: Conditions = []
        for j in 3..<c.argv.count {
            if c.argv.isEqual(j, "nx") { f.insert(.nx) }
            else if c.argv.isEqual(j, "xx") { f.insert(.xx) }
            else if c.argv.isEqual(j, "gt") { f.insert(.gt) }
            else if c.argv.isEqual(j, "lt") { f.insert(.lt) }
            else {
                // %s of a C string: the option as far as its first NUL.
                let raw = c.argv[j]
                let opt = raw.firstIndex(of: 0).map { UnsafeRawBufferPointer(rebasing: raw[..<$0]) } ?? raw
                c.error("ERR Unsupported option " + String(decoding: opt, as: UTF8.self))
                return nil
            }
        }
        if f.contains(.nx) && !f.isDisjoint(with: [.xx, .gt, .lt]) {
            c.error("ERR NX and XX, GT or LT options at the same time are not compatible"); return nil
        }
        if f.contains(.gt) && f.contains(.lt) {
            c.error("ERR GT and LT options at the same time are not compatible"); return nil
        }
        return f
    }

    /// expireGenericCommand: `base` is now for relative forms and 0 for the *AT forms.
    static func expire(_ c: Call, base: Int64, seconds: Bool) {
        guard let cond = parseConditions(c) else { return }
        guard var when = c.argv.int(2) else { c.notInteger(); return }
        if seconds {
            if when > Int64.max / 1000 || when < Int64.min / 1000 { c.error(WireError.invalidExpireTime(lowercased(c.argv[0]))); return }
            when *= 1000
        }
        if when > Int64.max - base { c.error(WireError.invalidExpireTime(lowercased(c.argv[0]))); return }
        when += base

        let key = c.argv[1]
        guard c.lookupWrite(key) != nil else { c.int(0); return }
        let d = c.db
        if !cond.isEmpty {
            let current = d.expireTime(key)
            if cond.contains(.nx) && current != nil { c.int(0); return }
            if cond.contains(.xx) && current == nil { c.int(0); return }
            // No TTL counts as infinite: GT never wins against it, LT always does.
            if cond.contains(.gt) && (current == nil || when <= current!) { c.int(0); return }
            if cond.contains(.lt), let cur = current, when >= cur { c.int(0); return }
        }
        if when <= c.now {
            d.remove(key)
            c.modified(key, event: "del")
            c.propagate([c.engine.lazyFreeExpire ? "UNLINK" : "DEL", .argv(1)])
        } else {
            d.setExpire(key, at: when)
            c.modified(key, event: "expire")
            // Always PEXPIREAT with the absolute time; NX/XX/GT/LT stay (Redis rewrites only
            // the name and the time).
            if base != 0 || seconds || !c.argv.isEqual(0, "pexpireat") {
                var args: [PropagationArg] = ["PEXPIREAT", .argv(1), .int(when)]
                for i in 3..<max(3, c.argv.count) { args.append(.argv(i)) }
                c.propagate(args)
            }
        }
        c.int(1)
    }

    /// ttlGenericCommand: -2 missing, -1 persistent, else the (relative or absolute) time,
    /// seconds rounded to nearest.
    static func ttl(_ c: Call, ms: Bool, absolute: Bool) {
        let key = c.argv[1]
        guard c.engine.lookup(db: c.client.db, key, touch: false) != nil else { c.int(-2); return }
        guard let at = c.db.expireTime(key) else { c.int(-1); return }
        var t = absolute ? at : at - c.now
        if t < 0 { t = 0 }
        // (t + 500) / 1000 without overflowing near Int64.max.
        c.int(ms ? t : t / 1000 + (t % 1000 + 500) / 1000)
    }

    static func persist(_ c: Call) {
        let key = c.argv[1]
        guard c.lookupWrite(key) != nil, c.db.persist(key) else { c.int(0); return }
        c.modified(key, event: "persist")
        c.int(1)
    }
}
