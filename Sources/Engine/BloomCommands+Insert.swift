// BF.INSERT and the insert path shared with BF.ADD / BF.MADD (RedisBloom's bfInsertCommon).
//
// BF.INSERT key [CAPACITY c] [ERROR e] [EXPANSION n] [NOCREATE] [NONSCALING] ITEMS item...
// Options are recognised the way RedisBloom's parser does it: by their first letter(s) only
// ('i' starts the items, 'e'+'r' is ERROR, any other 'e' is EXPANSION, 'c' is CAPACITY, 'n'
// with 'c' as third letter is NOCREATE, any other 'n' is NONSCALING), so "ITEMZ" or "EXP"
// work as they do there. Options only matter when the key is created.
//
// A multi-item reply stops at the first "non scaling filter is full" error (which is the last
// element), so its length can be shorter than the item list, as RedisBloom's postponed array.

extension BloomCommands {
    struct InsertOptions {
        var capacity: Int64 = Int64(BloomFilter.defaultCapacity)
        var error: Double = BloomFilter.defaultError
        var expansion: Int64 = Int64(BloomFilter.defaultExpansion)
        var autocreate = true
        var nonScaling = false
    }

    static func insert(_ c: Call) {
        let a = c.argv
        let argc = a.count
        guard argc >= 4 else { wrongArity(c); return }
        var o = InsertOptions()
        var pos = 2
        var items = -1
        while pos < argc && items < 0 {
            let arg = a[pos]
            // C reads the NUL terminator past a short argument: treat missing bytes as 0.
            func lower(_ i: Int) -> UInt8 {
                guard i < arg.count else { return 0 }
                let b = arg[i]
                return b >= 65 && b <= 90 ? b | 0x20 : b
            }
            switch lower(0) {
            case UInt8(ascii: "i"):
                pos += 1
                items = pos
            case UInt8(ascii: "e"):
                pos += 1
                if pos == argc { wrongArity(c); return }
                if lower(1) == UInt8(ascii: "r") {
                    guard let e = parseDouble(a[pos]) else { c.error("Bad error rate"); return }
                    o.error = e
                } else {
                    guard let e = a.int(pos) else { c.error("Bad expansion"); return }
                    o.expansion = e
                }
                pos += 1
            case UInt8(ascii: "c"):
                pos += 1
                if pos == argc { wrongArity(c); return }
                guard let n = a.int(pos) else { c.error("Bad capacity"); return }
                o.capacity = n
                pos += 1
            case UInt8(ascii: "n"):
                if lower(2) == UInt8(ascii: "c") { o.autocreate = false } else { o.nonScaling = true }
                pos += 1
            default:
                c.error("Unknown argument received"); return
            }
        }
        if items < 0 || items == argc { wrongArity(c); return }
        if o.error <= 0 || o.error >= 1 || o.capacity < 1 || o.expansion < 1 {
            c.error("Bad argument received"); return
        }
        insertCommon(c, items: items, options: o, multi: true)
    }

    /// Adds argv[items...] to the filter at argv[1], creating it with `options` when missing
    /// (unless NOCREATE). `multi` replies an array, else the single element alone.
    static func insertCommon(_ c: Call, items: Int, options o: InsertOptions, multi: Bool) {
        let key = c.argv[1]
        let bf: BloomFilter
        switch classify(c.lookupWrite(key)) {
        case .filter(let f):
            bf = f
        case .wrongType:
            c.wrongType(); return
        case .missing:
            guard o.autocreate else { c.error("ERR not found"); return }
            guard let f = BloomFilter.make(capacity: UInt64(o.capacity), error: o.error,
                                           expansion: UInt32(truncatingIfNeeded: o.expansion),
                                           scaling: !o.nonScaling) else {
                c.error(creationError(error: o.error, scaling: !o.nonScaling)); return
            }
            c.db.add(key, .object(f))
            bf = f
        }
        let token = multi ? c.client.out.beginDeferred() : 0
        var replied = 0
        var i = items
        while i < c.argv.count {
            replied += 1
            let r = bf.add(c.argv[i])
            i += 1
            switch r {
            case .added: c.bool(true)
            case .exists: c.bool(false)
            case .failed: c.error("ERR problem inserting into filter")
            case .full:
                c.error("ERR non scaling filter is full")
                i = c.argv.count   // RedisBloom stops at the first full error
            }
        }
        if multi { c.client.out.fillDeferredArray(token, replied) }
        // RedisBloom replicates the command verbatim even when nothing changed.
        c.modified(key, event: "bf.add")
    }
}
