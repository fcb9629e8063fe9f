// OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP (object.c objectCommand). Lookups count
// keyspace hits/misses but don't touch the access time, so asking doesn't change the answer.

extension KeyCommands {
    static func objectSpecs() -> [CommandSpec] {
        let sub: (String, String, String, @escaping CommandHandler) -> CommandSpec = { name, summary, since, h in
            CommandSpec(name, arity: 3, flags: [.readonly], keys: (2, 2, 1), categories: ["keyspace"], group: "generic",
                        summary: summary, since: since, handler: h)
        }
        return [
            CommandSpec("object", arity: -2, group: "generic", summary: "A container for object introspection commands",
                        complexity: "Depends on subcommand.", since: "2.2.3",
                        subcommands: [
                            sub("encoding", "Inspect the internal encoding of a Redis object", "2.2.3", objectEncoding),
                            sub("freq", "Get the logarithmic access frequency counter of a Redis object", "4.0.0", objectFreq),
                            CommandSpec("help", arity: 2, flags: [.loading, .stale], categories: ["keyspace"], group: "generic",
                                        summary: "Show helpful text about the different subcommands", since: "6.2.0",
                                        handler: objectHelp),
                            sub("idletime", "Get the time since a Redis object was last accessed", "2.2.3", objectIdletime),
                            sub("refcount", "Get the number of references to the value of the key", "2.2.3", objectRefcount),
                        ],
                        handler: { $0.error(WireError.wrongArity("object")) }),
        ]
    }

    static let objectHelpLines = [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ]

    static func objectHelp(_ c: Call) {
        c.array(objectHelpLines.count)
        for l in objectHelpLines { c.simple(l) }
    }

    /// The value at argv[2] without touching it; replies null and returns nil when absent.
    static func objectLookup(_ c: Call) -> Value? {
        guard let v = c.engine.lookup(db: c.client.db, c.argv[2], touch: false) else { c.null(); return nil }
        return v
    }

    static func objectEncoding(_ c: Call) {
        guard let v = objectLookup(c) else { return }
        c.bulk(v.encodingName)
    }

    /// Redis shares the integer objects 0...9999 (OBJ_SHARED_INTEGERS), whose refcount is
    /// INT_MAX (OBJ_SHARED_REFCOUNT); every other value is referenced once by its key.
    static func objectRefcount(_ c: Call) {
        guard let v = objectLookup(c) else { return }
        // With maxmemory set and an LRU/LFU policy Redis stops sharing them (each object needs
        // its own access clock): MAXMEMORY_FLAG_NO_SHARED_INTEGERS.
        let e = c.engine
        let policy = e.maxmemoryPolicy
        let noShared = e.config.memory("maxmemory") != 0 && (policy.hasSuffix("-lru") || policy.hasSuffix("-lfu"))
        if case .int(let i) = v, i >= 0 && i < 10000, !noShared { c.int(Int64(Int32.max)) } else { c.int(1) }
    }

    static func objectIdletime(_ c: Call) {
        guard objectLookup(c) != nil else { return }
        let e = c.engine
        if e.usesLFU {
            c.error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
            return
        }
        // A clock of 0 means the store never recorded an access (not a real time), and a clock
        // ahead of ours means time went backwards: both read as idle 0.
        let at = c.db.accessClock(c.argv[2]) ?? 0
        let clock = e.lruClock
        c.int(at == 0 || at >= clock ? 0 : Int64(clock - at))
    }

    static func objectFreq(_ c: Call) {
        guard objectLookup(c) != nil else { return }
        let e = c.engine
        if !e.usesLFU {
            c.error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
            return
        }
        c.int(e.lfuFrequency(c.db, c.argv[2]))
    }
}

extension Engine {
    /// allkeys-lfu / volatile-lfu (Redis's MAXMEMORY_FLAG_LFU).
    var usesLFU: Bool { maxmemoryPolicy.hasSuffix("-lfu") }
}
