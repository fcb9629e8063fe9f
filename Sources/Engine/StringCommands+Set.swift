// SET and its variants (SETNX SETEX PSETEX) plus GETEX, which shares SET's option parser
// (Redis's parseExtendedStringArgumentsOrReply and getExpireMillisecondsOrReply).
//
// Order of checks, as Redis 7.0: options (syntax errors), then the expire value, then for
// SET ... GET the old value (WRONGTYPE aborts before anything is written), then NX/XX.
// An EX/PX time is relative to `c.now`; EXAT/PXAT are absolute. SET with an absolute time in
// the past still writes the key and lets lazy expiry remove it (7.0 behaviour); GETEX with a
// past EXAT/PXAT deletes the key at once.

struct SetOptions {
    var nx = false, xx = false, get = false, keepTTL = false, persist = false
    var ex = false, px = false, exat = false, pxat = false
    /// Argument index of the expire value, if any.
    var expireArg: Int? = nil

    var hasExpire: Bool { ex || px || exat || pxat }
    var unitSeconds: Bool { ex || exat }
    var relative: Bool { ex || px }

    /// Parses options from `from`; `forSet` selects SET's options (NX XX GET KEEPTTL) over
    /// GETEX's (PERSIST). Returns nil after replying a syntax error.
    static func parse(_ c: Call, from: Int, forSet: Bool) -> SetOptions? {
        var o = SetOptions()
        var j = from
        let argc = c.argv.count
        while j < argc {
            let hasNext = j + 1 < argc
            let a = c.argv
            if forSet && a.isEqual(j, "nx") && !o.xx {
                o.nx = true
            } else if forSet && a.isEqual(j, "xx") && !o.nx {
                o.xx = true
            } else if forSet && a.isEqual(j, "get") {
                o.get = true
            } else if forSet && a.isEqual(j, "keepttl") && !o.persist && !o.hasExpire {
                o.keepTTL = true
            } else if !forSet && a.isEqual(j, "persist") && !o.hasExpire && !o.keepTTL {
                o.persist = true
            } else if a.isEqual(j, "ex") && !o.keepTTL && !o.persist && !o.exat && !o.px && !o.pxat && hasNext {
                o.ex = true; j += 1; o.expireArg = j
            } else if a.isEqual(j, "px") && !o.keepTTL && !o.persist && !o.ex && !o.exat && !o.pxat && hasNext {
                o.px = true; j += 1; o.expireArg = j
            } else if a.isEqual(j, "exat") && !o.keepTTL && !o.persist && !o.ex && !o.px && !o.pxat && hasNext {
                o.exat = true; j += 1; o.expireArg = j
            } else if a.isEqual(j, "pxat") && !o.keepTTL && !o.persist && !o.ex && !o.exat && !o.px && hasNext {
                o.pxat = true; j += 1; o.expireArg = j
            } else {
                c.syntaxError()
                return nil
            }
            j += 1
        }
        return o
    }
}

extension StringCommands {
    /// The absolute expire time (unix ms) for argument `arg`, or nil after replying an error.
    /// Rejects values <= 0, seconds that overflow when scaled, and sums that overflow.
    static func expireAt(_ c: Call, arg: Int, unitSeconds: Bool, relative: Bool, command: String) -> Int64? {
        guard let v = c.argv.int(arg) else { c.notInteger(); return nil }
        if v <= 0 || (unitSeconds && v > Int64.max / 1000) {
            c.error(WireError.invalidExpireTime(command)); return nil
        }
        var ms = unitSeconds ? v * 1000 : v
        if relative { ms = ms &+ c.now }
        if ms <= 0 { c.error(WireError.invalidExpireTime(command)); return nil }
        return ms
    }

    /// Redis's setGenericCommand. `okReply`/`abortReply` default to +OK and null.
    static func setGeneric(_ c: Call, _ o: SetOptions, value: Int, expireArg: Int?, command: String,
                           okReply: Int64? = nil, abortReply: Int64? = nil) {
        let key = c.argv[1]
        var at: Int64? = nil
        if let e = expireArg {
            guard let ms = expireAt(c, arg: e, unitSeconds: o.unitSeconds, relative: o.relative, command: command) else { return }
            at = ms
        }
        if o.get {
            guard getGeneric(c) else { return }
        }
        let found = c.lookupWrite(key) != nil
        if (o.nx && found) || (o.xx && !found) {
            if !o.get {
                if let r = abortReply { c.int(r) } else { c.null() }
            }
            return
        }
        c.db.set(key, .string(c.argv[value]), keepTTL: o.keepTTL)
        c.modified(key, event: "set")
        if let at {
            c.db.setExpire(key, at: at)
            c.modified(key, event: "expire")
            // Replayed later, a relative time would mean another instant.
            if !o.pxat { c.propagate(["SET", .argv(1), .argv(value), "PXAT", .int(at)]) }
        }
        if !o.get {
            if let r = okReply { c.int(r) } else { c.ok() }
        }
    }

    /// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]
    static func set(_ c: Call) {
        guard let o = SetOptions.parse(c, from: 3, forSet: true) else { return }
        setGeneric(c, o, value: 2, expireArg: o.expireArg, command: "set")
    }

    static func setnx(_ c: Call) {
        var o = SetOptions()
        o.nx = true
        setGeneric(c, o, value: 2, expireArg: nil, command: "setnx", okReply: 1, abortReply: 0)
    }

    static func setex(_ c: Call) {
        var o = SetOptions()
        o.ex = true
        setGeneric(c, o, value: 3, expireArg: 2, command: "setex")
    }

    static func psetex(_ c: Call) {
        var o = SetOptions()
        o.px = true
        setGeneric(c, o, value: 3, expireArg: 2, command: "psetex")
    }

    /// GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]
    static func getex(_ c: Call) {
        guard let o = SetOptions.parse(c, from: 2, forSet: false) else { return }
        let key = c.argv[1]
        guard let v = c.lookup(key) else { c.null(); return }
        guard v.isString else { c.wrongType(); return }
        var at: Int64? = nil
        if let e = o.expireArg {
            guard let ms = expireAt(c, arg: e, unitSeconds: o.unitSeconds, relative: o.relative, command: "getex") else { return }
            at = ms
        }
        // Reply before the key may be deleted below.
        c.bulk(value: v)
        if let at {
            if (o.exat || o.pxat) && at <= c.now {
                c.db.remove(key)
                c.modified(key, event: "del")
                c.propagate([c.engine.lazyFreeExpire ? "UNLINK" : "DEL", .argv(1)])
            } else {
                c.db.setExpire(key, at: at)
                c.modified(key, event: "expire")
                c.propagate(["PEXPIREAT", .argv(1), .int(at)])
            }
        } else if o.persist {
            if c.db.persist(key) {
                c.modified(key, event: "persist")
                c.propagate(["PERSIST", .argv(1)])
            }
        }
    }
}
