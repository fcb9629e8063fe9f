// Bloom filter family, compatible with RedisBloom's BF.* commands (its src/rebloom.c): the specs,
// and BF.RESERVE BF.ADD BF.MADD BF.EXISTS BF.MEXISTS BF.CARD BF.INFO. BF.INSERT and the insert
// path shared with BF.ADD / BF.MADD are in BloomCommands+Insert.swift; the structure is in
// BloomFilter.swift.
//
// Module-command conventions kept on purpose, since clients see them:
// - arity is -1 in the table and each handler checks its own, replying RedisModule_WrongArity's
//   text, which names the command as the client spelled it (argv[0], not the table name);
// - error texts are RedisBloom's, byte for byte, including those without an "ERR " code
//   ("Bad error rate", "Invalid information value", "Nonscaling filters cannot expand"), which
//   RedisModule_ReplyWithError sends as-is;
// - RESP3 replies booleans (BF.ADD, BF.EXISTS, BF.MADD/MEXISTS/INSERT elements) and maps (BF.INFO)
//   where RESP2 replies 1/0 and flat arrays;
// - BF.EXISTS / BF.MEXISTS treat a key of another type as missing (0), while BF.ADD, BF.INFO and
//   BF.CARD reply WRONGTYPE.
// RedisBloom emits no keyspace notifications for these commands; the events given to `modified`
// ("bf.reserve", "bf.add") exist for WATCH, dirty and propagation.

import RESP
#if canImport(Glibc)
import Glibc
#endif

enum BloomCommands {
    static func specs() -> [CommandSpec] {
        let w: CommandFlags = [.write, .denyOOM]
        let r: CommandFlags = [.readonly, .fast]
        let k = (1, 1, 1)
        let g = "module"
        return [
            CommandSpec("bf.reserve", arity: -1, flags: w, keys: k, group: g,
                        summary: "Creates a new Bloom Filter", since: "1.0.0", handler: reserve),
            CommandSpec("bf.add", arity: -1, flags: w, keys: k, group: g,
                        summary: "Adds an item to a Bloom Filter",
                        complexity: "O(k), where k is the number of hash functions used by the last sub-filter",
                        since: "1.0.0", handler: add),
            CommandSpec("bf.madd", arity: -1, flags: w, keys: k, group: g,
                        summary: "Adds one or more items to a Bloom Filter. A filter will be created if it does not exist",
                        complexity: "O(k * n), where k is the number of hash functions and n is the number of items",
                        since: "1.0.0", handler: madd),
            CommandSpec("bf.insert", arity: -1, flags: w, keys: k, group: g,
                        summary: "Adds one or more items to a Bloom Filter. A filter will be created if it does not exist",
                        complexity: "O(k * n), where k is the number of hash functions and n is the number of items",
                        since: "1.0.0", handler: insert),
            CommandSpec("bf.exists", arity: -1, flags: r, keys: k, group: g,
                        summary: "Checks whether an item exists in a Bloom Filter",
                        complexity: "O(k), where k is the number of hash functions used by the last sub-filter",
                        since: "1.0.0", handler: exists),
            CommandSpec("bf.mexists", arity: -1, flags: r, keys: k, group: g,
                        summary: "Checks whether one or more items exist in a Bloom Filter",
                        complexity: "O(k * n), where k is the number of hash functions and n is the number of items",
                        since: "1.0.0", handler: mexists),
            CommandSpec("bf.info", arity: -1, flags: r, keys: k, group: g,
                        summary: "Returns information about a Bloom Filter", since: "1.0.0", handler: info),
            CommandSpec("bf.card", arity: -1, flags: r, keys: k, group: g,
                        summary: "Returns the cardinality of a Bloom filter", since: "2.4.4", handler: card),
        ]
    }

    // MARK: helpers

    /// RedisModule_WrongArity: the command name as the client sent it.
    static func wrongArity(_ c: Call) {
        c.error(WireError.wrongArity(cString(c.argv.string(0))))
    }

    /// What a key holds, as RedisBloom's getValue classifies it.
    enum Lookup { case missing, filter(BloomFilter), wrongType }

    @inline(__always) static func classify(_ v: Value?) -> Lookup {
        guard let v else { return .missing }
        if case .object(let o) = v, let bf = o as? BloomFilter { return .filter(bf) }
        return .wrongType
    }

    /// RMUtil_ArgIndex: the first argument equal to `name` ignoring case, or -1. Like RedisBloom,
    /// it also looks at the key (BF.RESERVE nonscaling 0.01 100 is a NONSCALING filter).
    static func argIndex(_ c: Call, _ name: StaticString) -> Int {
        for i in 1..<c.argv.count where c.argv.isEqual(i, name) { return i }
        return -1
    }

    /// RedisModule_StringToDouble (Redis's getDoubleFromObject): strtod over the whole argument,
    /// no leading space, no NaN, no overflow (or underflow to zero).
    static func parseDouble(_ raw: UnsafeRawBufferPointer) -> Double? {
        raw.count > 4096 ? nil : parseZsetScore(raw)   // the same string2d rules
    }

    // MARK: BF.RESERVE key error_rate capacity [EXPANSION expansion] [NONSCALING]

    static func reserve(_ c: Call) {
        let argc = c.argv.count
        guard argc >= 4 && argc <= 7 else { wrongArity(c); return }
        guard let error = parseDouble(c.argv[2]) else { c.error("ERR bad error rate"); return }
        guard error > 0 && error < 1 else { c.error("ERR (0 < error rate range < 1) "); return }
        guard let capacity = c.argv.int(3) else { c.error("ERR bad capacity"); return }
        guard capacity > 0 else { c.error("ERR (capacity should be larger than 0)"); return }
        let nonScaling = argIndex(c, "nonscaling") != -1
        var expansion = Int64(BloomFilter.defaultExpansion)
        let at = argIndex(c, "expansion")
        if at + 1 == argc { c.error("ERR no expansion"); return }
        if at != -1 {
            if nonScaling { c.error("Nonscaling filters cannot expand"); return }
            guard let e = c.argv.int(at + 1) else { c.error("ERR bad expansion"); return }
            guard e >= 1 else { c.error("ERR expansion should be greater or equal to 1"); return }
            expansion = e
        }
        let key = c.argv[1]
        switch classify(c.lookupWrite(key)) {
        case .filter: c.error("ERR item exists"); return
        case .wrongType: c.wrongType(); return
        case .missing: break
        }
        // RedisBloom keeps the expansion in an unsigned int.
        guard let bf = BloomFilter.make(capacity: UInt64(capacity), error: error,
                                        expansion: UInt32(truncatingIfNeeded: expansion), scaling: !nonScaling) else {
            c.error(creationError(error: error, scaling: !nonScaling)); return
        }
        c.db.add(key, .object(bf))
        c.modified(key, event: "bf.reserve")
        c.ok()
    }

    /// Why BloomFilter.make failed: RedisBloom replies SB_OOM (a failed allocation: here, over
    /// the size limit) apart from SB_INVALID, reachable only when the tightened error rate of a
    /// subnormal request underflows to 0.
    static func creationError(error: Double, scaling: Bool) -> String {
        error * (scaling ? BloomFilter.tightening : 1) > 0 ? "ERR Insufficient memory to create filter"
            : "ERR could not create filter"
    }

    // MARK: BF.ADD / BF.MADD

    static func add(_ c: Call) {
        guard c.argv.count == 3 else { wrongArity(c); return }
        insertCommon(c, items: 2, options: InsertOptions(), multi: false)
    }

    static func madd(_ c: Call) {
        guard c.argv.count >= 3 else { wrongArity(c); return }
        insertCommon(c, items: 2, options: InsertOptions(), multi: true)
    }

    // MARK: BF.EXISTS / BF.MEXISTS

    static func exists(_ c: Call) {
        guard c.argv.count == 3 else { wrongArity(c); return }
        check(c, multi: false)
    }

    static func mexists(_ c: Call) {
        guard c.argv.count >= 3 else { wrongArity(c); return }
        check(c, multi: true)
    }

    /// BFCheck_RedisCommand: a missing key or one of another type answers "not present".
    static func check(_ c: Call, multi: Bool) {
        var bf: BloomFilter? = nil
        if case .filter(let f) = classify(c.lookup(c.argv[1])) { bf = f }
        if multi { c.array(c.argv.count - 2) }
        for i in 2..<c.argv.count {
            c.bool(bf?.contains(c.argv[i]) ?? false)
        }
    }

    // MARK: BF.CARD key

    static func card(_ c: Call) {
        guard c.argv.count == 2 else { wrongArity(c); return }
        switch classify(c.lookup(c.argv[1])) {
        case .missing: c.int(0)
        case .wrongType: c.wrongType()
        case .filter(let bf): c.int(Int64(bitPattern: bf.size))
        }
    }

    // MARK: BF.INFO key [CAPACITY | SIZE | FILTERS | ITEMS | EXPANSION]

    static func info(_ c: Call) {
        let argc = c.argv.count
        guard argc == 2 || argc == 3 else { wrongArity(c); return }
        let bf: BloomFilter
        switch classify(c.lookup(c.argv[1])) {
        case .missing: c.error("ERR not found"); return
        case .wrongType: c.wrongType(); return
        case .filter(let f): bf = f
        }
        let fields: [(name: StaticString, label: StaticString)] = [
            ("capacity", "Capacity"), ("size", "Size"), ("filters", "Number of filters"),
            ("items", "Number of items inserted"), ("expansion", "Expansion rate"),
        ]
        if argc == 3 {
            guard let f = fields.firstIndex(where: { c.argv.isEqual(2, $0.name) }) else {
                c.error("Invalid information value"); return
            }
            // RedisModule_ReplyWithMapOrArray(ctx, 1, false): a one-element array in RESP2, a
            // one-pair map in RESP3.
            if c.proto == .v3 { c.map(1); c.simple(fields[f].label) } else { c.array(1) }
            infoValue(c, bf, f)
            return
        }
        c.map(fields.count)
        for f in fields.indices {
            c.simple(fields[f].label)
            infoValue(c, bf, f)
        }
    }

    /// Field `f` of BF.INFO (in the order Capacity, Size, Number of filters, items, Expansion).
    static func infoValue(_ c: Call, _ bf: BloomFilter, _ f: Int) {
        switch f {
        case 0: c.int(Int64(bitPattern: bf.capacity))
        case 1: c.int(Int64(bitPattern: bf.memoryUsage))
        case 2: c.int(bf.filterCount)
        case 3: c.int(Int64(bitPattern: bf.size))
        default: if bf.scaling { c.int(Int64(bf.growth)) } else { c.null() }
        }
    }
}
