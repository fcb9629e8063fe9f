// The one command table: every family's specs, indexed by lowercase name. Lookups pack the
// name into fixed words (no String per call).

public final class CommandTable {
    public internal(set) var commands: [CommandSpec] = []
    var index = NameIndex()
    var subIndex: [String: NameIndex] = [:]

    /// All families, in COMMAND DOCS group order. A new family adds itself here.
    static func families() -> [[CommandSpec]] {
        [
            ConnectionCommands.specs(),
            StringCommands.specs(),
            BitCommands.specs(),
            ListCommands.specs(),
            KeyCommands.specs(),
            ExpireCommands.specs(),
            ServerCommands.specs(),
            MemoryCommands.specs(),
            ConfigCommands.specs(),
            ClientCommands.specs(),
            IntrospectionCommands.specs(),
            PubSubCommands.specs(),
            SetCommands.specs(),
            BloomCommands.specs(),
            HashCommands.specs(),
            ScriptCommands.specs(),
            FunctionCommands.specs(),
            ZsetCommands.specs(),
            AofCommands.specs(),
            TransactionCommands.specs(),
            PersistenceCommands.specs(),
            ReplicationCommands.specs(),
            AdminCommands.specs(),
        ]
    }

    public init() {
        for family in CommandTable.families() {
            for spec in family { register(spec) }
        }
    }

    /// Adds one command (and indexes its subcommands); sentinel mode rebuilds the table with it.
    func register(_ spec: CommandSpec) {
        spec.fullName = spec.name
        if !spec.subcommands.isEmpty {
            var si = NameIndex()
            for (i, s) in spec.subcommands.enumerated() {
                s.fullName = spec.name + "|" + s.name
                si[NameKey(s.name)] = i
            }
            subIndex[spec.name] = si
        }
        precondition(index[NameKey(spec.name)] == nil, "duplicate command \(spec.name)")
        index[NameKey(spec.name)] = commands.count
        commands.append(spec)
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

/// Up to 32 lowercase ASCII bytes packed into words: a cheap, allocation-free table key.
struct NameKey: Equatable {
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
}

/// Open-addressing map NameKey -> command index. Swift's Dictionary hashes with SipHash, which
/// showed up at ~6% of a GET; names are few and trusted, so a multiply-shift hash is enough.
struct NameIndex {
    var keys: [NameKey?] = Array(repeating: nil, count: 64)
    var values: [Int] = Array(repeating: 0, count: 64)
    var count = 0

    @inline(__always) static func hash(_ k: NameKey) -> Int {
        let h = (k.w.0 &* 0x9E37_79B9_7F4A_7C15) ^ (k.w.1 &* 0xC2B2_AE3D_27D4_EB4F) ^ (k.w.2 &* 0x1656_67B1_9E37_79F9) ^ k.w.3
        return Int(truncatingIfNeeded: (h ^ (h >> 29)) &+ UInt64(k.n))
    }

    subscript(k: NameKey) -> Int? {
        get {
            let mask = keys.count - 1
            var i = NameIndex.hash(k) & mask
            while let e = keys[i] {
                if e == k { return values[i] }
                i = (i + 1) & mask
            }
            return nil
        }
        set {
            precondition(newValue != nil, "NameIndex does not remove")
            if (count + 1) * 2 > keys.count { grow() }
            let mask = keys.count - 1
            var i = NameIndex.hash(k) & mask
            while let e = keys[i] {
                if e == k { values[i] = newValue!; return }
                i = (i + 1) & mask
            }
            keys[i] = k
            values[i] = newValue!
            count += 1
        }
    }

    mutating func grow() {
        let old = zip(keys, values).compactMap { k, v in k.map { ($0, v) } }
        keys = Array(repeating: nil, count: keys.count * 2)
        values = Array(repeating: 0, count: keys.count)
        count = 0
        for (k, v) in old { self[k] = v }
    }
}
