// Key specs and command tips for COMMAND INFO / GETKEYSANDFLAGS.
//
// Redis 7.0 describes where keys sit with key specs (src/commands/*.json). Keyward's specs keep
// only the legacy first/last/step, so the key specs are derived from them at run time; where a
// command's first/last/step and movable-keys flag agree with Redis 7.0.15's, the reference data
// below (taken from `COMMAND INFO` of a real 7.0.15) supplies Redis's exact key specs, flags and
// tips instead. A command whose spec disagrees falls back to the derived form, so the answer
// always matches what the engine routes by.

import RESP

enum KeySpecs {
    struct Spec: Sendable {
        var notes = ""
        var flags: [String]
        /// ("index", [i]) / ("keyword", [startfrom]) with `keyword` / ("unknown", []).
        var begin: String
        var beginArgs: [Int]
        var keyword = ""
        /// ("range", [lastkey, keystep, limit]) / ("keynum", [keynumidx, firstkey, keystep]) / ("unknown", []).
        var find: String
        var findArgs: [Int]

        func write(_ c: Call) {
            c.map(notes.isEmpty ? 3 : 4)
            if !notes.isEmpty { c.bulk("notes"); c.bulk(notes) }
            c.bulk("flags")
            c.set(flags.count)
            for f in flags { c.simple(f) }
            c.bulk("begin_search")
            c.map(2)
            c.bulk("type"); c.bulk(begin)
            c.bulk("spec")
            switch begin {
            case "index": c.map(1); c.bulk("index"); c.int(beginArgs[0])
            case "keyword": c.map(2); c.bulk("keyword"); c.bulk(keyword); c.bulk("startfrom"); c.int(beginArgs[0])
            default: c.map(0)
            }
            c.bulk("find_keys")
            c.map(2)
            c.bulk("type"); c.bulk(find)
            c.bulk("spec")
            switch find {
            case "range":
                c.map(3)
                c.bulk("lastkey"); c.int(findArgs[0]); c.bulk("keystep"); c.int(findArgs[1]); c.bulk("limit"); c.int(findArgs[2])
            case "keynum":
                c.map(3)
                c.bulk("keynumidx"); c.int(findArgs[0]); c.bulk("firstkey"); c.int(findArgs[1]); c.bulk("keystep"); c.int(findArgs[2])
            default: c.map(0)
            }
        }

        /// Whether a key at argv index `pos` falls in this spec (index and keyword searches with a range).
        func covers(_ pos: Int, _ argv: Argv) -> Bool {
            var start: Int
            switch begin {
            case "index": start = beginArgs[0]
            case "keyword":
                let from = beginArgs[0]
                let kw = keyword.lowercased()
                let range: [Int] = from >= 0 ? Array(from..<argv.count) : Array((0...max(0, argv.count + from)).reversed())
                guard let at = range.first(where: { $0 < argv.count && lowercased(argv[$0]) == kw }) else { return false }
                start = at + 1
            default: return false
            }
            switch find {
            case "range":
                let last = findArgs[0] >= 0 ? start + findArgs[0] : argv.count + findArgs[0]
                return pos >= start && pos <= last && (pos - start) % max(findArgs[1], 1) == 0
            case "keynum":
                guard start + findArgs[0] < argv.count, let n = argv.int(start + findArgs[0]) else { return false }
                let first = start + findArgs[1]
                return pos >= first && pos < first + Int(n) * max(findArgs[2], 1) && (pos - first) % max(findArgs[2], 1) == 0
            default: return false
            }
        }
    }

    struct Meta: Sendable {
        var keys: (Int, Int, Int)
        var movable: Bool
        var tips: [String]
        var specs: [Spec]
    }

    static let reference: [String: Meta] = parse(referenceData)

    static func parse(_ text: String) -> [String: Meta] {
        var out: [String: Meta] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "!", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5 else { continue }
            let k = f[1].split(separator: ",").compactMap { Int($0) }
            let tips = f[3].isEmpty ? [] : f[3].split(separator: ",").map(String.init)
            var specs: [Spec] = []
            for s in f[4].split(separator: ";") {
                let p = s.split(separator: "^", omittingEmptySubsequences: false).map(String.init)
                guard p.count == 4 else { continue }
                let b = p[2].split(separator: ":").map(String.init)
                let fk = p[3].split(separator: ":").map(String.init)
                var spec = Spec(notes: p[0], flags: p[1].split(separator: ",").map(String.init), begin: b[0], beginArgs: [],
                                find: fk[0], findArgs: fk.dropFirst().compactMap { Int($0) })
                if b[0] == "index" { spec.beginArgs = [Int(b[1]) ?? 0] }
                if b[0] == "keyword" { spec.keyword = b[1]; spec.beginArgs = [Int(b[2]) ?? 0] }
                specs.append(spec)
            }
            out[f[0]] = Meta(keys: (k[0], k[1], k[2]), movable: f[2] == "1", tips: tips, specs: specs)
        }
        return out
    }

    /// Redis's reference data when it agrees with `cmd`, else specs derived from first/last/step.
    static func meta(for cmd: CommandSpec) -> Meta {
        let movable = cmd.flags.contains(.movableKeys)
        let keys = cmd.subcommands.isEmpty ? (cmd.firstKey, cmd.lastKey, cmd.step) : (0, 0, 0)
        if let r = reference[cmd.fullName], r.keys == keys, r.movable == movable { return r }
        let tips = reference[cmd.fullName]?.tips ?? []
        guard keys.0 > 0 else { return Meta(keys: keys, movable: movable, tips: tips, specs: []) }
        let flags = cmd.flags.contains(.write) ? ["RW", "update"] : cmd.flags.contains(.readonly) ? ["RO", "access"] : ["RO"]
        let last = keys.1 < 0 ? keys.1 : keys.1 - keys.0
        let spec = Spec(flags: flags, begin: "index", beginArgs: [keys.0], find: "range", findArgs: [last, max(keys.2, 1), 0])
        return Meta(keys: keys, movable: movable, tips: tips, specs: [spec])
    }

    /// GETKEYSANDFLAGS: the flags of the spec the key at `pos` comes from. SET and BITFIELD
    /// ("variable_flags") depend on their options, as in Redis's setGetKeys / bitfieldGetKeys.
    static func flags(forKeyAt pos: Int, _ specs: [Spec], _ argv: Argv) -> [String] {
        if specs.first?.flags.contains("variable_flags") == true {
            let name = lowercased(argv[0])
            let rest = (1..<argv.count).map { lowercased(argv[$0]) }
            if name == "set" { return rest.dropFirst(2).contains("get") ? ["RW", "access", "update"] : ["OW", "update"] }
            if name == "bitfield" {
                return rest.contains { $0 == "set" || $0 == "incrby" } ? ["RW", "access", "update"] : ["RO", "access"]
            }
        }
        if let s = specs.first(where: { $0.covers(pos, argv) }) { return s.flags }
        if let s = specs.last(where: { $0.begin == "unknown" }) { return s.flags }
        return specs.first?.flags ?? []
    }
}
