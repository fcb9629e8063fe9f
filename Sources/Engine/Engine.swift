// The engine: all databases and the command dispatcher. Owned by one thread (the event-loop
// thread); nothing here locks and nothing here touches a socket. The server hands it parsed
// commands and drains each client's `out` buffer.

import Admin
import RESP

public struct ServerStats {
    public var totalCommands: Int64 = 0
    public var totalConnections: Int64 = 0
    public var rejectedConnections: Int64 = 0
    public var expiredKeys: Int64 = 0
    public var expiredStalePerc: Double = 0
    public var expiredTimeCapReached: Int64 = 0
    public var evictedKeys: Int64 = 0
    public var keyspaceHits: Int64 = 0
    public var keyspaceMisses: Int64 = 0
    public var netInputBytes: Int64 = 0
    public var netOutputBytes: Int64 = 0
    public var totalErrorReplies: Int64 = 0
    public var unexpectedErrorReplies: Int64 = 0
    public var errorCodes: [String: Int64] = [:]
    public init() {}
}

/// Requested by SHUTDOWN; the server acts on it after the current event.
public struct ShutdownRequest {
    public var save: Bool?      // nil = as configured
    public var now = false
    public var force = false
    public init(save: Bool?) { self.save = save }
}

public final class Engine {
    public var dbs: [Database]
    public let table: CommandTable
    public var stats = ServerStats()
    /// Cached wall clock (ms) for the command being run; refreshed by the server per event.
    public var now: Int64 = unixMillis() {
        didSet { accessClock.seconds = UInt32(truncatingIfNeeded: now / 1000) }
    }
    /// `now` in seconds, shared with the databases for new keys' access clock.
    public let accessClock: AccessClock
    /// Changes since the last save (Redis's server.dirty).
    public var dirty: Int64 = 0
    public var lastSave: Int64 = unixMillis() / 1000
    public let startTime: Int64 = unixMillis()
    public var clients: [Int64: ClientState] = [:]
    public var monitors: [ClientState] = []
    public var shutdownRequest: ShutdownRequest? = nil
    public var requirePass: String? = nil
    /// Per-process seed for key hashing (hash flooding defence).
    public let hashSeed: UInt64
    /// maxmemory-policy as CONFIG spells it; OBJECT FREQ/IDLETIME depend on it (set by config).
    public var maxmemoryPolicy = "noeviction"
    /// Active expiry's state across cycles and its knobs (ActiveExpire.swift).
    public let activeExpire = ActiveExpireState()
    /// Whole-db changes per-key observers don't see, reported just before they happen (the
    /// keys are still in place): FLUSHDB/FLUSHALL each emptied db, SWAPDB the swapped pair
    /// (WATCH invalidation, client tracking hang off this).
    public var dbChangeObservers: [(DatabaseChange) -> Void] = []
    /// Watched keys and their clients (Engine+Watch.swift).
    public let watches = WatchRegistry()
    /// Lock-shaped keys for ADMIN LOCKS (LockIndex.swift).
    public let lockIndex = LockIndex()
    public let config = ConfigStore()
    /// Facts only the server knows (port, config file, executable, run id), for INFO.
    public var serverInfo = ServerInfo()
    /// Recent admin events (ADMIN STATUS / EVENTS; AdminCommands+Status.swift).
    public var adminEvents = AdminEventLog()
    /// Slowlog, latency monitor, client pause, ops/sec samples and INFO hooks.
    public let serverState = ServerState()
    /// Clients waiting in blocking commands (Engine+Blocking.swift).
    public let blocking = BlockingState()
    /// Hands a detached keyspace to a background thread to free (set by the server; nil frees
    /// inline). FLUSHALL/FLUSHDB ASYNC use it.
    public var lazyFree: ((DetachedKeyspace) -> Void)? = nil
    /// lazyfree-lazy-user-flush: plain FLUSHALL/FLUSHDB behave as ASYNC.
    public var lazyFreeUserFlush = false
    /// Compact-encoding thresholds from the config (EncodingLimits.swift).
    public var limits = EncodingLimits()
    /// Pub/sub registry and cached keyspace-notification flags (PubSub.swift, Notifications.swift).
    public let pubsub = PubSub()
    /// The append-only file's state for INFO and BGREWRITEAOF (AofStatus.swift).
    public let aof = AofStatus()
    /// The effects stream for the AOF and replicas (Propagation.swift).
    public let propagation = Propagation()
    /// 1 while a client's command runs, more inside EXEC and scripts.
    public internal(set) var executionDepth = 0
    /// lazyfree-lazy-expire: expired keys are freed in the background and propagate as UNLINK.
    public var lazyFreeExpire = false
    /// lazyfree-lazy-server-del: implicit deletions (SPOP of a whole set) propagate as UNLINK.
    public var lazyFreeServerDel = false
    /// lazyfree-lazy-eviction: evicted keys propagate as UNLINK.
    public var lazyFreeEviction = false
    /// maxmemory, eviction policy and the used-memory figure (EvictionState.swift).
    public let eviction = EvictionState()
    /// Builds the list value SORT ... STORE writes (SortCommand.swift); wired by the list type.
    public var storeList: (([Bytes]) -> Value)? = nil
    /// EVAL/FUNCTION state (Scripting.swift); created on first use.
    public private(set) lazy var scripting = Scripting(engine: self)
    /// True while a script runs past busy-reply-threshold: other clients get BUSY.
    var scriptBusy = false
    /// Set by the server: serves other clients once while a script is busy (no cron).
    public var whileBusy: (() -> Void)? = nil
    /// Set while the dataset loads (Loading.swift); commands without `loading` get -LOADING.
    public internal(set) var loading: LoadingState? = nil
    /// Called from a load's progress reports: the server handles ready events once.
    public var whileLoading: (() -> Void)? = nil
    /// RDB save/load bookkeeping (Persistence.swift).
    public let persistence = PersistenceState()
    /// Sentinel mode (SentinelMode.swift); nil for a normal server.
    public internal(set) var sentinel: SentinelMode? = nil
    /// Master/replica state (Replication.swift).
    public let replication = ReplicationState()
    /// True on a replica: expired keys are not deleted locally (the master's DELs do it); reads
    /// from normal clients treat them as missing, the master client sees them.
    public internal(set) var replicaKeepsExpired = false
    /// The running command comes from the master link (replica role only).
    var applyingMaster = false
    /// min-replicas-to-write when min-replicas-max-lag is set too (0 = off).
    var minReplicasToWrite = 0

    public init(databases: Int = 16, hashSeed: UInt64 = UInt64.random(in: 1...UInt64.max)) {
        self.hashSeed = hashSeed
        let clock = AccessClock()
        clock.seconds = UInt32(truncatingIfNeeded: unixMillis() / 1000)
        self.accessClock = clock
        self.dbs = (0..<databases).map { Database(index: $0, seed: hashSeed, clock: clock) }
        self.table = CommandTable()
        installServerHooks()
        installEncodingLimitHooks()
        installTypeBridges()
        config.onChange("lazyfree-lazy-user-flush") { [unowned self] v in self.lazyFreeUserFlush = v.boolValue }
        config.onChange("lazyfree-lazy-expire") { [unowned self] v in self.lazyFreeExpire = v.boolValue }
        config.onChange("lazyfree-lazy-server-del") { [unowned self] v in self.lazyFreeServerDel = v.boolValue }
        config.onChange("lazyfree-lazy-eviction") { [unowned self] v in self.lazyFreeEviction = v.boolValue }
        installPubSubHooks()
        installTransactionHooks()
        installPersistenceHooks()
        installEvictionHooks()
        installReplicationHooks()
        installLockIndex()
        serverState.unblockClient = { [unowned self] c, asError in self.unblockClient(c, error: asError) }
        serverState.clientHooks.append { c, d in if c.blocked != nil { d.flags.insert("b") } }
    }

    /// The LRU clock Redis keeps per object (seconds, 24 bits in Redis; 32 here).
    @inline(__always) public var lruClock: UInt32 { UInt32(truncatingIfNeeded: now / 1000) }

    // MARK: dispatch

    /// Runs one command from `client`. The reply (or error) is appended to `client.out`.
    public func execute(_ client: ClientState, _ argv: Argv) {
        guard argv.count > 0 else { return }
        client.commandFailed = false
        guard var cmd = table.lookup(argv[0]) else {
            var rest: [String] = []
            for i in 1..<argv.count { rest.append(argv.string(i)) ; if i >= 64 { break } }
            rejectCall(client, WireError.unknownCommand(argv.string(0), rest))
            return
        }
        // A container called alone runs itself when its arity allows (COMMAND), else fails the
        // arity check (CONFIG), as Redis's lookupCommand does.
        if !cmd.subcommands.isEmpty && argv.count > 1 {
            guard let sub = table.lookupSubcommand(cmd, argv[1]) else {
                rejectCall(client, WireError.unknownSubcommand(argv.string(1), argv.string(0)))
                return
            }
            cmd = sub
        }
        execute(client, cmd, argv)
    }

    /// `execute` for a command already looked up: redis.call resolves the command for its own
    /// checks first and runs it through here, hashing the name once.
    func execute(_ client: ClientState, _ cmd: CommandSpec, _ argv: Argv) {
        client.commandFailed = false
        if !cmd.arityOK(argv.count) {
            rejectCall(client, WireError.wrongArity(cmd.fullName), cmd, argv)
            return
        }
        if !client.authenticated && !cmd.flags.contains(.noAuth) {
            rejectCall(client, WireError.noAuth, cmd, argv)
            return
        }
        if replicaKeepsExpired {
            if executionDepth == 0 { applyingMaster = client.isMaster }
            if !client.isMaster && cmd.flags.contains(.write) && replication.readOnly {
                rejectCall(client, "READONLY You can't write against a read only replica.", cmd, argv)
                return
            }
            if !cmd.flags.contains(.stale) && !replication.serveStaleData && replication.linkState != "connected" {
                rejectCall(client, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", cmd, argv)
                return
            }
        }
        // Redis's writeCommandsDeniedByDiskError: after a failed save (or AOF write) writes and
        // PING are refused until persisting works again; the master's stream still applies.
        if (!persistence.lastSaveOK || !aof.lastWriteOK) && !client.isMaster && client.id >= 0,
           cmd.flags.contains(.write) || cmd.name == "ping", let err = diskErrorText() {
            rejectCall(client, err, cmd, argv)
            return
        }
        if minReplicasToWrite > 0 && cmd.flags.contains(.write) && !hasGoodReplicas {
            rejectCall(client, "NOREPLICAS Not enough good replicas to write.", cmd, argv)
            return
        }
        // Redis's processCommand: evict first, then refuse commands that may grow memory (in
        // MULTI any command being queued). A script's commands don't evict mid-script; a
        // denyoom one is refused while over the limit.
        if eviction.maxmemory != 0 && !scriptBusy && !client.isMaster {
            let queuing = client.multi != nil && !TransactionCommands.runsInMulti(cmd)
            let refuse = executionDepth == 0 ? mustRejectForOOM(cmd, queuing: queuing)
                                             : cmd.flags.contains(.denyOOM) && isOverMaxmemory
            if refuse {
                rejectCall(client, WireError.oom, cmd, argv)
                return
            }
        }
        if client.pubsub != nil && rejectedInSubscribedMode(client, cmd, argv) { return }
        if loading != nil && client.id >= 0 && rejectedWhileLoading(cmd) {
            rejectCall(client, "LOADING Redis is loading the dataset in memory", cmd, argv)
            return
        }
        if scriptBusy && !cmd.flags.contains(.allowBusy) && client !== scripting.luaClient {
            rejectCall(client, scripting.busyError, cmd, argv)
            return
        }
        // Inside MULTI commands are queued, not run (TransactionCommands.swift).
        if client.multi != nil && queueInMulti(client, cmd, argv) { return }
        client.lastCommandName = cmd.fullName
        call(client, cmd, argv)
        // After the whole unit (an EXEC or a script included, never between their commands),
        // as Redis's handleClientsBlockedOnKeys.
        if executionDepth == 0 && !blocking.ready.isEmpty { serveBlockedClients() }
    }

    /// Runs a checked command with the bookkeeping every call gets: commandstats, the
    /// after-call hook (slowlog, latency), MONITOR. EXEC runs its queued commands through here.
    @inline(__always) func call(_ client: ClientState, _ cmd: CommandSpec, _ argv: Argv) {
        let start = monotonicMicros()
        executionDepth += 1
        if propagation.active {
            let offset = replication.offset
            runPropagating(client, argv, cmd) { cmd.handler(Call(engine: self, client: client, argv: argv)) }
            // WAIT waits for the stream up to this client's last write (Redis's c->woff).
            if replication.offset != offset { client.replWriteOffset = replication.offset }
        } else {
            cmd.handler(Call(engine: self, client: client, argv: argv))
        }
        executionDepth -= 1
        let dur = monotonicMicros() - start
        cmd.stats.calls += 1
        cmd.stats.usec += dur
        if client.commandFailed { cmd.stats.failed += 1 }
        stats.totalCommands += 1
        recordCall(client, cmd, argv, dur)
        afterCall?(client, cmd, argv, dur)
        if !monitors.isEmpty && !cmd.flags.contains(.skipMonitor) && !cmd.flags.contains(.admin) {
            feedMonitors(client, argv)
        }
    }

    /// Hook run after each executed command, after the slowlog and latency monitor (called
    /// directly: a closure here cost a context retain/release per command, script ones too).
    public var afterCall: ((ClientState, CommandSpec, Argv, Int64) -> Void)? = nil

    /// Answers a command that failed its checks. Inside MULTI this also dooms the transaction
    /// (EXECABORT); a rejected EXEC aborts it at once and still shows on MONITOR (multi.c).
    func rejectCall(_ client: ClientState, _ text: String, _ cmd: CommandSpec? = nil, _ argv: Argv? = nil) {
        var text = text
        client.multi?.aborted = true
        let isExec = cmd.map { $0.fullName == "exec" } ?? false
        if isExec { text = execAbortText(client, text) }
        client.out.writeError(text)
        countError(text)
        client.commandFailed = true
        cmd?.stats.rejected += 1
        if isExec, !monitors.isEmpty, let argv { feedMonitors(client, argv) }
    }

    /// errorstats: counts by the first word of the error text.
    public func countError(_ text: String) {
        stats.totalErrorReplies += 1
        let code = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? "ERR"
        stats.errorCodes[code, default: 0] += 1
    }

    /// MONITOR line: `+<sec>.<usec> [db addr] "arg" ...`
    func feedMonitors(_ client: ClientState, _ argv: Argv) {
        let us = unixMicros()
        var line = "+\(us / 1_000_000).\(String(us % 1_000_000).leftPadded(6)) [\(client.db) \(client.addr.isEmpty ? "lua" : client.addr)]"
        for i in 0..<argv.count { line += " \"" + reprEscape(argv[i]) + "\"" }
        line += "\r\n"
        monitors.removeAll { $0.closeASAP }
        for m in monitors { m.out.append(line) }
    }

    public var keyChangeObservers: [(Int, UnsafeRawBufferPointer, StaticString) -> Void] = []

    /// Per-client state features keep outside ClientState (watched keys, subscriptions, ...)
    /// is dropped here: `clientGone` when the connection closes, `clientReset` on RESET.
    public var clientGoneHooks: [(ClientState) -> Void] = []
    public var clientResetHooks: [(ClientState) -> Void] = []

    /// The server calls this once when a client's connection is closed.
    public func clientGone(_ c: ClientState) {
        clients[c.id] = nil
        if c.blocked != nil { forgetBlockedClient(c) }
        if c.isMonitor { monitors.removeAll { $0 === c } }
        pubsubClientGone(c)
        for h in clientGoneHooks { h(c) }
    }
}

/// A whole-database change (see `Engine.dbChangeObservers`).
public enum DatabaseChange {
    case flushed(Int)
    case swapped(Int, Int)
}

extension String {
    func leftPadded(_ n: Int, with c: Character = "0") -> String {
        count >= n ? self : String(repeating: c, count: n - count) + self
    }
}

/// Redis's sdscatrepr: printable ASCII as is, escapes for quotes, backslash and control bytes.
public func reprEscape(_ raw: UnsafeRawBufferPointer) -> String {
    var s = ""
    for b in raw {
        switch b {
        case 92: s += "\\\\"
        case 34: s += "\\\""
        case 10: s += "\\n"
        case 13: s += "\\r"
        case 9: s += "\\t"
        case 7: s += "\\a"
        case 8: s += "\\b"
        case 32...126: s.unicodeScalars.append(UnicodeScalar(b))
        default:
            let h = String(b, radix: 16)
            s += "\\x" + (h.count == 1 ? "0" + h : h)
        }
    }
    return s
}
