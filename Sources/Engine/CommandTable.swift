// The one command table: every family's specs, indexed by lowercase name. Lookups pack the
// name into fixed words (no String per call).

public final class CommandTable {
    public private(set) var commands: [CommandSpec] = []
    var index: [NameKey: Int] = [:]
    var subIndex: [String: [NameKey: Int]] = [:]

    /// All families, in COMMAND DOCS group order. A new family adds itself here.
    static func families() -> [[CommandSpec]] {
        [
            ConnectionCommands.specs(),
            StringCommands.specs(),
            BitCommands.specs(),
            KeyCommands.specs(),
            ExpireCommands.specs(),
            ServerCommands.specs(),
            ConfigCommands.specs(),
            ClientCommands.specs(),
            IntrospectionCommands.specs(),
        ]
    }

    public init() {
        for family in CommandTable.families() {
            for var spec in family {
                spec.fullName = spec.name
                var subs: [CommandSpec] = []
                for var s in spec.subcommands {
                    s.fullName = spec.name + "|" + s.name
                    subs.append(s)
                }
                if !subs.isEmpty {
                    spec = spec.withSubcommands(subs)
                    var si: [NameKey: Int] = [:]
                    for (i, s) in subs.enumerated() { si[NameKey(s.name)] = i }
                    subIndex[spec.name] = si
                }
                precondition(index[NameKey(spec.name)] == nil, "duplicate command \(spec.name)")
                index[NameKey(spec.name)] = commands.count
                commands.append(spec)
            }
        }
    }

    @inline(__always) public func lookup(_ name: UnsafeRawBufferPointer) -> CommandSpec? {
        guard let k = NameKey(lowercasing: name), let i = index[k] else { return nil }
        return commands[i]
    }

    public func lookup(_ name: String) -> CommandSpec? {
        var n = name
        return n.withUTF8 { lookup(UnsafeRawBufferPointer($0)) }
    }

    public func lookupSubcommand(_ parent: CommandSpec, _ name: UnsafeRawBufferPointer) -> CommandSpec? {
        guard let k = NameKey(lowercasing: name), let i = subIndex[parent.name]?[k] else { return nil }
        return parent.subcommands[i]
    }
}

extension CommandSpec {
    func withSubcommands(_ subs: [CommandSpec]) -> CommandSpec {
        var s = CommandSpec(name, arity: arity, flags: flags, keys: (firstKey, lastKey, step),
                            categories: categories, group: group, summary: summary, complexity: complexity,
                            since: since, subcommands: subs, getKeys: getKeys, handler: handler)
        s.fullName = fullName
        return s
    }
}

/// Up to 32 lowercase ASCII bytes packed into words: a cheap, allocation-free table key.
struct NameKey: Hashable {
    var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    var n: UInt8 = 0

    init?(lowercasing raw: UnsafeRawBufferPointer) {
        if raw.count > 32 || raw.count == 0 { return nil }
        n = UInt8(raw.count)
        withUnsafeMutableBytes(of: &w) { dst in
            for i in 0..<raw.count {
                var c = raw[i]
                if c >= 65 && c <= 90 { c |= 0x20 }
                dst[i] = c
            }
        }
    }
    init(_ s: String) {
        var s = s
        self = s.withUTF8 { NameKey(lowercasing: UnsafeRawBufferPointer($0))! }
    }
    static func == (a: NameKey, b: NameKey) -> Bool {
        a.n == b.n && a.w.0 == b.w.0 && a.w.1 == b.w.1 && a.w.2 == b.w.2 && a.w.3 == b.w.3
    }
    func hash(into h: inout Hasher) {
        h.combine(w.0 &* 0x9E37_79B9_7F4A_7C15 ^ w.1 ^ (w.2 &* 31) ^ w.3 ^ UInt64(n))
    }
}
