// One node's status document (ADMIN STATUS, and each entry of `keyward status --json`'s
// "nodes"). The same type is built from Keyward's engine and, for plain Redis, from INFO text
// (NodeStatus+Info.swift), so the console draws both alike and marks what a node could not
// tell in `unavailable`. Field meanings: docs/admin-protocol.md; schema: docs/admin-status.schema.json.

public struct NodeStatus: Codable, Sendable, Equatable {
    public var schema: Int = AdminSchema.version
    /// host:port the node was reached at (the server itself reports its bind address/port).
    public var address: String
    /// "admin" (ADMIN STATUS) or "info" (built from INFO on a node without the admin protocol).
    public var source: String = "admin"
    public var reachable: Bool = true
    /// Why the node could not be polled (timeout, refused, auth ...); only when unreachable.
    public var error: String?
    /// "master", "replica", "sentinel" or "unknown".
    public var role: String = "unknown"
    public var server: NodeIdentity?
    public var clients: ClientFigures?
    public var memory: MemoryFigures?
    public var stats: OpsFigures?
    public var latency: LatencyFigures?
    public var keyspace: [KeyspaceDB] = []
    public var persistence: PersistenceFigures?
    public var replication: ReplicationFigures?
    public var sentinel: SentinelView?
    /// CLUSTER INFO / NODES as this node sees them (cluster mode only).
    public var cluster: ClusterView?
    /// The ADMIN LOCKS document when the node serves it.
    public var locks: JSONValue?
    /// The newest admin events the node remembers (oldest first).
    public var events: [AdminEvent]?
    /// Unix ms when the console received this document (set by the poller, not the node), so
    /// figures that run down — a lock's lease — can be drawn as of now between polls.
    public var polledAt: Int64?
    /// Panels this node cannot fill ("latency", "locks", "events", "sentinel" ...).
    public var unavailable: [String] = []

    public init(address: String) { self.address = address }

    /// A node that did not answer.
    public static func unreachable(_ address: String, error: String) -> NodeStatus {
        var s = NodeStatus(address: address)
        s.reachable = false
        s.error = error
        s.source = "none"
        return s
    }
}

public struct NodeIdentity: Codable, Sendable, Equatable {
    public var runId: String
    public var redisVersion: String
    /// Set on Keyward nodes only.
    public var keywardVersion: String?
    /// "standalone", "sentinel" or "cluster".
    public var mode: String
    public var processId: Int
    public var tcpPort: Int
    public var uptimeSeconds: Int64
    public init(runId: String, redisVersion: String, keywardVersion: String?, mode: String,
                processId: Int, tcpPort: Int, uptimeSeconds: Int64) {
        self.runId = runId; self.redisVersion = redisVersion; self.keywardVersion = keywardVersion
        self.mode = mode; self.processId = processId; self.tcpPort = tcpPort; self.uptimeSeconds = uptimeSeconds
    }
}

public struct ClientFigures: Codable, Sendable, Equatable {
    public var connected: Int
    public var blocked: Int
    public var maxClients: Int
    public init(connected: Int, blocked: Int, maxClients: Int) {
        self.connected = connected; self.blocked = blocked; self.maxClients = maxClients
    }
}

public struct MemoryFigures: Codable, Sendable, Equatable {
    public var usedBytes: Int64
    public var rssBytes: Int64
    public var peakBytes: Int64
    /// used_memory_dataset when the node reports it.
    public var datasetBytes: Int64?
    /// 0 = no limit.
    public var maxBytes: Int64
    public var policy: String
    public init(usedBytes: Int64, rssBytes: Int64, peakBytes: Int64, datasetBytes: Int64?, maxBytes: Int64, policy: String) {
        self.usedBytes = usedBytes; self.rssBytes = rssBytes; self.peakBytes = peakBytes
        self.datasetBytes = datasetBytes; self.maxBytes = maxBytes; self.policy = policy
    }
}

public struct OpsFigures: Codable, Sendable, Equatable {
    public var opsPerSec: Int64
    public var totalCommands: Int64
    public var totalConnections: Int64
    public var keyspaceHits: Int64
    public var keyspaceMisses: Int64
    public var expiredKeys: Int64
    public var evictedKeys: Int64
    public var inputKbps: Double
    public var outputKbps: Double
    public init(opsPerSec: Int64 = 0, totalCommands: Int64 = 0, totalConnections: Int64 = 0, keyspaceHits: Int64 = 0,
                keyspaceMisses: Int64 = 0, expiredKeys: Int64 = 0, evictedKeys: Int64 = 0,
                inputKbps: Double = 0, outputKbps: Double = 0) {
        self.opsPerSec = opsPerSec; self.totalCommands = totalCommands; self.totalConnections = totalConnections
        self.keyspaceHits = keyspaceHits; self.keyspaceMisses = keyspaceMisses; self.expiredKeys = expiredKeys
        self.evictedKeys = evictedKeys; self.inputKbps = inputKbps; self.outputKbps = outputKbps
    }
}

/// Command latency percentiles in microseconds (INFO latencystats, busiest command).
public struct LatencyFigures: Codable, Sendable, Equatable {
    public var command: String
    public var p50Usec: Double
    public var p99Usec: Double
    public var p999Usec: Double
    public init(command: String, p50Usec: Double, p99Usec: Double, p999Usec: Double) {
        self.command = command; self.p50Usec = p50Usec; self.p99Usec = p99Usec; self.p999Usec = p999Usec
    }
}

public struct KeyspaceDB: Codable, Sendable, Equatable {
    public var db: Int
    public var keys: Int64
    public var expires: Int64
    public init(db: Int, keys: Int64, expires: Int64) { self.db = db; self.keys = keys; self.expires = expires }
}

public struct PersistenceFigures: Codable, Sendable, Equatable {
    public var loading: Bool = false
    public var rdbBgsaveInProgress: Bool = false
    public var rdbLastSaveTime: Int64 = 0
    /// "ok" or "err".
    public var rdbLastBgsaveStatus: String = "ok"
    public var rdbChangesSinceLastSave: Int64 = 0
    public var aofEnabled: Bool = false
    public var aofRewriteInProgress: Bool = false
    public var aofLastRewriteStatus: String = "ok"
    public var aofLastWriteStatus: String = "ok"
    public init() {}
}
