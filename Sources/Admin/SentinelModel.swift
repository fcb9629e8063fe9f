// What sentinels say about the masters they monitor, from plain SENTINEL MASTERS / REPLICAS /
// SENTINELS replies (flat field/value lists), so real Redis sentinels and Keyward's fill the
// same view.

public struct SentinelView: Codable, Sendable, Equatable {
    public var masters: [SentinelMaster] = []
    public init(masters: [SentinelMaster] = []) { self.masters = masters }
}

public struct SentinelMaster: Codable, Sendable, Equatable {
    public var name: String
    public var address: String
    /// e.g. ["master"], ["s_down", "master"], ["o_down", "master"].
    public var flags: [String]
    public var quorum: Int
    public var configEpoch: Int64
    public var numReplicas: Int
    public var numOtherSentinels: Int
    public var failoverState: String?
    public var replicas: [SentinelPeer] = []
    public var sentinels: [SentinelPeer] = []
    /// From `SENTINEL DEBUG-VOTES <name>` (Keyward sentinels only; nil on Redis sentinels,
    /// whose NodeStatus lists "votes" as unavailable).
    public var currentEpoch: Int64?
    public var failover: SentinelFailover?
    /// The votes this sentinel saw, oldest first.
    public var votes: [SentinelVote]?
    /// Per-epoch failover timeline merged from every reachable sentinel's votes and events
    /// (SentinelTimeline.swift); filled by discovery, newest epoch last.
    public var timeline: [SentinelEpoch]?

    public init(name: String, address: String, flags: [String], quorum: Int, configEpoch: Int64,
                numReplicas: Int, numOtherSentinels: Int, failoverState: String? = nil) {
        self.name = name; self.address = address; self.flags = flags; self.quorum = quorum
        self.configEpoch = configEpoch; self.numReplicas = numReplicas; self.numOtherSentinels = numOtherSentinels
        self.failoverState = failoverState
    }

    /// From one entry of SENTINEL MASTERS (field → value).
    public init?(fields f: [String: String]) {
        guard let name = f["name"], let ip = f["ip"], let port = f["port"] else { return nil }
        self.init(name: name, address: "\(ip):\(port)",
                  flags: (f["flags"] ?? "").split(separator: ",").map(String.init),
                  quorum: Int(f["quorum"] ?? "") ?? 0, configEpoch: Int64(f["config-epoch"] ?? "") ?? 0,
                  numReplicas: Int(f["num-slaves"] ?? "") ?? 0,
                  numOtherSentinels: Int(f["num-other-sentinels"] ?? "") ?? 0,
                  failoverState: f["failover-state"])
    }

    public var isDown: Bool { flags.contains("s_down") || flags.contains("o_down") }
}

public struct SentinelPeer: Codable, Sendable, Equatable {
    public var address: String
    public var flags: [String]
    public var runId: String?
    /// The epoch this sentinel last voted in and for whom (SENTINEL SENTINELS leader fields).
    public var leaderEpoch: Int64?
    public var leader: String?

    public init(address: String, flags: [String], runId: String? = nil, leaderEpoch: Int64? = nil, leader: String? = nil) {
        self.address = address; self.flags = flags; self.runId = runId; self.leaderEpoch = leaderEpoch; self.leader = leader
    }

    public init?(fields f: [String: String]) {
        guard let ip = f["ip"], let port = f["port"] else { return nil }
        self.init(address: "\(ip):\(port)", flags: (f["flags"] ?? "").split(separator: ",").map(String.init),
                  runId: f["runid"], leaderEpoch: f["leader-epoch"].flatMap { Int64($0) },
                  leader: f["leader"].flatMap { $0 == "?" || $0.isEmpty ? nil : $0 })
    }

    public var isDown: Bool { flags.contains("s_down") || flags.contains("o_down") || flags.contains("disconnected") }
}

/// An entry of the admin event channel (`__keyward__:events`) and of the node's recent-events ring.
public struct AdminEvent: Codable, Sendable, Equatable {
    /// Unix time in milliseconds.
    public var time: Int64
    /// "role", "bgsave", "aofrewrite", "failover", "vote", "lock-failure", "slot-move" ...
    public var kind: String
    /// The node that emitted it (host:port), when known.
    public var node: String?
    public var message: String
    public init(time: Int64, kind: String, node: String? = nil, message: String) {
        self.time = time; self.kind = kind; self.node = node; self.message = message
    }
}

/// The newest admin events a node keeps for ADMIN STATUS / ADMIN EVENTS, so a console that
/// connects late still sees what happened (the pub/sub channel only reaches current listeners).
public struct AdminEventLog: Sendable {
    public private(set) var events: [AdminEvent] = []
    public var capacity: Int
    /// The last role announced, to emit "role" events on changes only.
    public var lastRole: String?
    public init(capacity: Int = 64) { self.capacity = capacity }

    public mutating func append(_ e: AdminEvent) {
        events.append(e)
        if events.count > capacity { events.removeFirst(events.count - capacity) }
    }
}
