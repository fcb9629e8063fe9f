// Server-wide runtime state the server families keep outside the keyspace: the slowlog
// (slowlog.c), the latency monitor (latency.c), CLIENT PAUSE, the instantaneous metrics sampled
// by `serverCron` (server.c trackInstantaneousMetric) and the extension points other subsystems
// use to add to INFO and CLIENT LIST. Engine-thread only, like the rest of the engine.

#if canImport(Glibc)
import Glibc
#endif

/// Facts only the server process knows; the server fills them in at start-up (INFO server).
public struct ServerInfo {
    public var tcpPort = 0
    /// Absolute path of the config file ("" = none; ConfigStore.configFile is used when empty).
    public var configFile = ""
    public var executable = ""
    /// 40 hex characters, new on every start (INFO run_id, sentinel hellos).
    public var runId = randomHex(40)
    public var processId = Int(getpid())
    public var supervised = "no"
    public var multiplexingApi = "epoll"
    public init() {}
}

/// 40 random lowercase hex characters (run ids, replication ids).
public func randomHex(_ n: Int) -> String {
    let digits = Array("0123456789abcdef")
    return String((0..<n).map { _ in digits[Int.random(in: 0..<16)] })
}

public struct SlowlogEntry {
    public let id: Int64
    /// Unix time (seconds) when the command finished.
    public let time: Int64
    public let durationMicros: Int64
    /// At most 32 arguments, each at most 128 bytes plus a "... (N more bytes)" note.
    public let args: [[UInt8]]
    public let peer: String
    public let clientName: String
}

/// One latency event's history: up to 160 per-second samples (latency.c LATENCY_TS_LEN).
public struct LatencyEventHistory {
    public var samples: [(time: Int64, latency: Int64)] = []
    public var max: Int64 = 0
}

/// CLIENT PAUSE state: until `deadline` (engine ms), writes (or all commands) wait.
public struct ClientPause: Equatable {
    public enum Kind: Int, Comparable { case write = 1, all = 2
        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }
    public var deadline: Int64
    public var kind: Kind
}

/// Ordered INFO fields of one section, for hooks that add or replace values.
public struct InfoFields {
    public var items: [(String, String)] = []
    public subscript(name: String) -> String? {
        get { items.first { $0.0 == name }?.1 }
        set {
            if let i = items.firstIndex(where: { $0.0 == name }) {
                if let v = newValue { items[i].1 = v } else { items.remove(at: i) }
            } else if let v = newValue { items.append((name, v)) }
        }
    }
    public mutating func add(_ name: String, _ value: String) { items.append((name, value)) }
    /// Inserts after the field `after` (or at the end when it is missing).
    public mutating func insert(_ name: String, _ value: String, after: String) {
        if let i = items.firstIndex(where: { $0.0 == after }) { items.insert((name, value), at: i + 1) } else { add(name, value) }
    }
}

public final class ServerState {
    public internal(set) var slowlog: [SlowlogEntry] = []   // newest last
    var slowlogNextId: Int64 = 0
    var slowlogThreshold: Int64 = 10000
    var slowlogMaxLen = 128
    var latencyThreshold: Int64 = 0
    public var latency: [String: LatencyEventHistory] = [:]

    public var pause: ClientPause? = nil
    /// DEBUG SET-ACTIVE-EXPIRE: the active expire cycle runs only while this is true.
    public var activeExpireEnabled = true
    /// Replication id shown by INFO replication until the replication code takes over.
    public var replicationId = randomHex(40)
    public var usedMemoryPeak: Int64 = 0

    // Instantaneous metrics: 16 samples taken every 100 ms.
    var samples: [[Double]] = [[Double]](repeating: [Double](repeating: 0, count: 16), count: 3)
    var sampleIndex = 0
    var lastSample: (ms: Int64, ops: Int64, inBytes: Int64, outBytes: Int64) = (0, 0, 0, 0)

    /// INFO extension points, keyed by lowercase section name: each may edit the section's fields.
    public var infoHooks: [String: [(Engine, inout InfoFields) -> Void]] = [:]
    /// CLIENT LIST / CLIENT INFO extension points (pub/sub counts, MULTI state, flags ...).
    public var clientHooks: [(ClientState, inout ClientDetails) -> Void] = []
    /// CLIENT UNBLOCK, set by the blocking-commands code: (client, as error) -> was it blocked.
    public var unblockClient: ((ClientState, Bool) -> Bool)? = nil

    public init() {}

    func addSlowlog(_ e: SlowlogEntry) {
        slowlog.append(e)
        if slowlog.count > slowlogMaxLen { slowlog.removeFirst(slowlog.count - slowlogMaxLen) }
    }
    public func resetSlowlog() { slowlog.removeAll() }

    /// Averages of the sampled metrics: ops/sec, input kbps, output kbps.
    func instantaneous(_ k: Int) -> Double { samples[k].reduce(0, +) / 16 }
}

extension Engine {
    /// Installs the config watchers this family needs (Engine.call runs `recordCall` after
    /// each command). Called once by `Engine.init`.
    func installServerHooks() {
        config.values[config.slot("databases")!] = .number(Int64(dbs.count))
        let st = serverState
        config.onChange("slowlog-log-slower-than") { st.slowlogThreshold = $0.numberValue }
        config.onChange("slowlog-max-len") { v in
            st.slowlogMaxLen = Int(v.numberValue)
            if st.slowlog.count > st.slowlogMaxLen { st.slowlog.removeFirst(st.slowlog.count - st.slowlogMaxLen) }
        }
        config.onChange("latency-monitor-threshold") { st.latencyThreshold = $0.numberValue }
        config.onChange("requirepass") { [unowned self] v in
            let p = v.textValue
            self.requirePass = p.isEmpty ? nil : p
        }
        config.onChange("maxmemory-policy") { [unowned self] v in self.maxmemoryPolicy = v.textValue }
        config.onChange("databases") { [unowned self] v in
            let n = Int(v.numberValue)
            if n != self.dbs.count {
                self.dbs = (0..<n).map { Database(index: $0, seed: self.hashSeed, clock: self.accessClock) }
                self.installNewKeyHooks()
            }
        }
    }

    /// Slowlog and latency-monitor bookkeeping for one executed command.
    func recordCall(_ client: ClientState, _ cmd: CommandSpec, _ argv: Argv, _ durMicros: Int64) {
        let st = serverState
        if st.latencyThreshold > 0 && durMicros / 1000 >= st.latencyThreshold {
            latencyAddSample(cmd.flags.contains(.fast) ? "fast-command" : "command", ms: durMicros / 1000)
        }
        guard st.slowlogThreshold >= 0, st.slowlogMaxLen > 0, durMicros >= st.slowlogThreshold,
              !cmd.flags.contains(.skipSlowlog) else { return }
        let argc = min(argv.count, 32)
        var args: [[UInt8]] = []
        let redacted = redactedArguments(cmd, argv)
        for j in 0..<argc {
            if argc != argv.count && j == argc - 1 {
                args.append(Array("... (\(argv.count - argc + 1) more arguments)".utf8))
            } else if redacted.contains(j) {
                args.append(Array("(redacted)".utf8))
            } else if argv[j].count > 128 {
                args.append(Array(argv[j][0..<128]) + Array("... (\(argv[j].count - 128) more bytes)".utf8))
            } else {
                args.append(Array(argv[j]))
            }
        }
        st.addSlowlog(SlowlogEntry(id: st.slowlogNextId, time: now / 1000, durationMicros: durMicros, args: args,
                                   peer: client.addr, clientName: client.name?.string ?? ""))
        st.slowlogNextId += 1
    }

    /// Arguments Redis hides from the slowlog (passwords, sensitive CONFIG SET values).
    func redactedArguments(_ cmd: CommandSpec, _ argv: Argv) -> Set<Int> {
        switch cmd.fullName {
        case "auth": return Set(1..<argv.count)
        case "hello":
            var out = Set<Int>()
            for j in 2..<max(argv.count, 2) where argv.isEqual(j, "auth") && j + 2 < argv.count { out.insert(j + 1); out.insert(j + 2) }
            return out
        case "config|set":
            var out = Set<Int>()
            var j = 2
            while j + 1 < argv.count {
                if config.entry(argv.string(j))?.flags.contains(.sensitive) == true { out.insert(j + 1) }
                j += 2
            }
            return out
        default: return []
        }
    }

    /// latency.c latencyAddSample: one sample per second per event (the max wins).
    public func latencyAddSample(_ event: String, ms: Int64) {
        let t = now / 1000
        var h = serverState.latency[event] ?? LatencyEventHistory()
        h.max = max(h.max, ms)
        if let last = h.samples.last, last.time == t {
            h.samples[h.samples.count - 1].latency = max(last.latency, ms)
        } else {
            h.samples.append((t, ms))
            if h.samples.count > 160 { h.samples.removeFirst() }
        }
        serverState.latency[event] = h
    }

    /// Adds a latency sample when monitoring is on and `ms` reaches the threshold.
    public func latencyAddSampleIfNeeded(_ event: String, ms: Int64) {
        if serverState.latencyThreshold > 0 && ms >= serverState.latencyThreshold { latencyAddSample(event, ms: ms) }
    }

    /// Periodic work (the server calls it `hz` times a second): instantaneous metrics every
    /// 100 ms, the memory peak, and the end of an expired CLIENT PAUSE.
    public func serverCron() {
        let st = serverState
        if st.lastSample.ms == 0 { st.lastSample = (now, stats.totalCommands, stats.netInputBytes, stats.netOutputBytes) }
        let dt = now - st.lastSample.ms
        if dt >= 100 {
            let rate = { (d: Int64) in Double(d) * 1000 / Double(dt) }
            st.samples[0][st.sampleIndex] = rate(stats.totalCommands - st.lastSample.ops)
            st.samples[1][st.sampleIndex] = rate(stats.netInputBytes - st.lastSample.inBytes) / 1024
            st.samples[2][st.sampleIndex] = rate(stats.netOutputBytes - st.lastSample.outBytes) / 1024
            st.sampleIndex = (st.sampleIndex + 1) % 16
            st.lastSample = (now, stats.totalCommands, stats.netInputBytes, stats.netOutputBytes)
        }
        evictionCron()   // also keeps the used-memory peak
        if let p = st.pause, p.deadline <= now { st.pause = nil }
    }

    /// True when CLIENT PAUSE holds `cmd` back now (the server queues the client until then).
    /// Replicas and the master link are never paused.
    public func isPaused(_ client: ClientState, _ cmd: CommandSpec) -> Bool {
        if client.isMaster || client.isReplica { return false }
        let kind: ClientPause.Kind
        if let p = serverState.pause, p.deadline > now {
            kind = replication.failover != nil ? max(p.kind, .write) : p.kind
        } else if replication.failover != nil {
            kind = .write   // FAILOVER holds writes until it ends
        } else {
            return false
        }
        if kind == .all { return true }
        if cmd.flags.contains(.write) || cmd.flags.contains(.mayReplicate) { return true }
        // An EXEC is held when its queue writes (processCommand's is_may_replicate_command).
        guard cmd.fullName == "exec", let m = client.multi else { return false }
        return m.flags.contains(.write) || m.flags.contains(.mayReplicate)
    }
}

enum ProcessMemory {
    /// Resident set size from /proc/self/statm (bytes).
    static func rss() -> Int64 {
        guard let f = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(f) }
        var size = 0, resident = 0
        guard fscanfTwo(f, &size, &resident) else { return 0 }
        return Int64(resident) * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func fscanfTwo(_ f: UnsafeMutablePointer<FILE>, _ a: inout Int, _ b: inout Int) -> Bool {
        var buf = [CChar](repeating: 0, count: 256)
        guard fgets(&buf, 256, f) != nil else { return false }
        let parts = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.split(separator: " ")
        guard parts.count >= 2, let x = Int(parts[0]), let y = Int(parts[1]) else { return false }
        a = x; b = y
        return true
    }

    static func totalSystem() -> Int64 { Int64(sysconf(Int32(_SC_PHYS_PAGES))) * Int64(sysconf(Int32(_SC_PAGESIZE))) }
}
