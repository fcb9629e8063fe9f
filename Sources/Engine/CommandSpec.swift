// Commands are data: one spec per command holds everything dispatch, arity checks, COMMAND /
// COMMAND INFO / COMMAND DOCS, cluster key routing and ACL categories need (Redis's
// src/commands/*.json). Families (StringCommands, KeyCommands, ...) each export `specs`.

public struct CommandFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let write          = CommandFlags(rawValue: 1 << 0)
    public static let readonly       = CommandFlags(rawValue: 1 << 1)
    public static let denyOOM        = CommandFlags(rawValue: 1 << 2)
    public static let admin          = CommandFlags(rawValue: 1 << 3)
    public static let pubsub         = CommandFlags(rawValue: 1 << 4)
    public static let noscript       = CommandFlags(rawValue: 1 << 5)
    public static let blocking       = CommandFlags(rawValue: 1 << 6)
    public static let loading        = CommandFlags(rawValue: 1 << 7)
    public static let stale          = CommandFlags(rawValue: 1 << 8)
    public static let skipMonitor    = CommandFlags(rawValue: 1 << 9)
    public static let skipSlowlog    = CommandFlags(rawValue: 1 << 10)
    public static let fast           = CommandFlags(rawValue: 1 << 11)
    public static let noAuth         = CommandFlags(rawValue: 1 << 12)
    public static let mayReplicate   = CommandFlags(rawValue: 1 << 13)
    public static let sentinel       = CommandFlags(rawValue: 1 << 14)
    public static let onlySentinel   = CommandFlags(rawValue: 1 << 15)
    public static let noMandatoryKeys = CommandFlags(rawValue: 1 << 16)
    public static let protected      = CommandFlags(rawValue: 1 << 17)
    public static let noAsyncLoading = CommandFlags(rawValue: 1 << 18)
    public static let noMulti        = CommandFlags(rawValue: 1 << 19)
    public static let movableKeys    = CommandFlags(rawValue: 1 << 20)
    public static let allowBusy      = CommandFlags(rawValue: 1 << 21)

    /// Names in the order Redis 7.0 prints them in COMMAND replies.
    public var names: [String] {
        var out: [String] = []
        let table: [(CommandFlags, String)] = [
            (.write, "write"), (.readonly, "readonly"), (.denyOOM, "denyoom"), (.admin, "admin"),
            (.pubsub, "pubsub"), (.noscript, "noscript"), (.blocking, "blocking"), (.loading, "loading"),
            (.stale, "stale"), (.skipMonitor, "skip_monitor"), (.skipSlowlog, "skip_slowlog"),
            (.fast, "fast"), (.noAuth, "no_auth"), (.mayReplicate, "may_replicate"),
            (.noMandatoryKeys, "no_mandatory_keys"), (.noAsyncLoading, "no_async_loading"),
            (.noMulti, "no_multi"), (.movableKeys, "movablekeys"), (.allowBusy, "allow_busy"),
        ]
        for (f, n) in table where contains(f) { out.append(n) }
        return out
    }
}

/// Per-command counters (INFO commandstats).
public final class CommandStats {
    public var calls: Int64 = 0
    public var usec: Int64 = 0
    public var rejected: Int64 = 0
    public var failed: Int64 = 0
    public init() {}
    public func reset() { calls = 0; usec = 0; rejected = 0; failed = 0 }
}

public typealias CommandHandler = (Call) -> Void

/// A class so that dispatch hands out one reference instead of copying a struct of strings,
/// arrays and closures (that copy was 2% of a GET in a profile).
public final class CommandSpec {
    /// Lowercase name; for subcommands the subcommand alone (e.g. "get" under "config").
    public let name: String
    /// Redis arity: positive = exact argc, negative = at least -arity (name included).
    public let arity: Int
    public let flags: CommandFlags
    /// 1-based key positions as COMMAND reports them (0 = no keys; last -1 = to the end).
    public let firstKey: Int
    public let lastKey: Int
    public let step: Int
    /// ACL categories beyond those implied by flags, e.g. ["string"] (printed as "@string").
    public let categories: [String]
    /// Documentation group (COMMAND DOCS): "string", "generic", "server", "connection", ...
    public let group: String
    public let summary: String
    public let complexity: String
    public let since: String
    public let handler: CommandHandler
    public let subcommands: [CommandSpec]
    /// For commands whose keys aren't at fixed positions (movablekeys): argv -> key indexes.
    public let getKeys: ((Argv) -> [Int])?
    public let stats = CommandStats()
    /// Full name as in COMMAND / commandstats ("config|get"); set by the table.
    public internal(set) var fullName: String

    public init(_ name: String, arity: Int, flags: CommandFlags = [], keys: (Int, Int, Int) = (0, 0, 0),
                categories: [String] = [], group: String, summary: String = "", complexity: String = "O(1)",
                since: String = "1.0.0", subcommands: [CommandSpec] = [], getKeys: ((Argv) -> [Int])? = nil,
                handler: @escaping CommandHandler) {
        self.name = name
        self.arity = arity
        self.flags = flags
        self.firstKey = keys.0
        self.lastKey = keys.1
        self.step = keys.2
        self.categories = categories
        self.group = group
        self.summary = summary
        self.complexity = complexity
        self.since = since
        self.handler = handler
        self.subcommands = subcommands
        self.getKeys = getKeys
        self.fullName = name
    }

    /// True when `argc` satisfies the arity.
    @inline(__always) public func arityOK(_ argc: Int) -> Bool {
        arity >= 0 ? argc == arity : argc >= -arity
    }

    /// Key argument indexes (0-based into argv) for this call.
    public func keyIndexes(_ argv: Argv) -> [Int] {
        if let g = getKeys { return g(argv) }
        if firstKey <= 0 { return [] }
        let last = lastKey < 0 ? argv.count + lastKey : lastKey
        var out: [Int] = []
        var i = firstKey
        while i <= last && i < argv.count { out.append(i); i += max(step, 1) }
        return out
    }
}
