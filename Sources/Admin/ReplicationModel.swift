// Replication as the console shows it: this node's offsets and backlog, its link to a master
// (when a replica) and one ReplicationLink per connected replica (when a master), with the
// figures operators ask for: lag in bytes and seconds and how much backlog is left before a
// reconnect can no longer be a partial resync.

public struct ReplicationFigures: Codable, Sendable, Equatable {
    public var replid: String = ""
    public var offset: Int64 = 0
    public var backlog: BacklogState = BacklogState()
    public var master: MasterLink?
    public var replicas: [ReplicationLink] = []
    /// Redis's master_failover_state ("no-failover", "waiting-for-sync", "failover-in-progress").
    public var failoverState: String = "no-failover"
    public init() {}
}

public struct BacklogState: Codable, Sendable, Equatable {
    public var active: Bool = false
    public var size: Int64 = 0
    public var firstByteOffset: Int64 = 0
    public var histlen: Int64 = 0
    public init() {}

    /// Bytes the master may still write before a replica at `offset` can no longer resume with
    /// PSYNC (the replica needs offset+1 to still be in the backlog); nil when already impossible
    /// or there is no backlog.
    public func resyncHeadroom(replicaOffset offset: Int64) -> Int64? {
        guard active, size > 0 else { return nil }
        let inBacklog = offset + 1 - firstByteOffset
        guard inBacklog >= 0 else { return nil }
        return inBacklog + max(0, size - histlen)
    }
}

public struct MasterLink: Codable, Sendable, Equatable {
    public var host: String
    public var port: Int
    /// "up" or "down".
    public var linkStatus: String
    public var lastIOSecondsAgo: Int64
    public var syncInProgress: Bool
    /// This replica's replication offset.
    public var offset: Int64
    public var linkDownSinceSeconds: Int64?
    public init(host: String, port: Int, linkStatus: String, lastIOSecondsAgo: Int64, syncInProgress: Bool,
                offset: Int64, linkDownSinceSeconds: Int64? = nil) {
        self.host = host; self.port = port; self.linkStatus = linkStatus; self.lastIOSecondsAgo = lastIOSecondsAgo
        self.syncInProgress = syncInProgress; self.offset = offset; self.linkDownSinceSeconds = linkDownSinceSeconds
    }
    public var address: String { "\(host):\(port)" }
}

public struct ReplicationLink: Codable, Sendable, Equatable {
    public var address: String
    /// Redis's slaveN state: "online", "wait_bgsave", "send_bulk" ...
    public var state: String
    public var offset: Int64
    public var lagSeconds: Int64
    /// Master offset minus the replica's acknowledged offset.
    public var lagBytes: Int64
    /// See BacklogState.resyncHeadroom; nil = a reconnect now needs a full resync.
    public var resyncHeadroomBytes: Int64?
    public init(address: String, state: String, offset: Int64, lagSeconds: Int64, lagBytes: Int64, resyncHeadroomBytes: Int64?) {
        self.address = address; self.state = state; self.offset = offset; self.lagSeconds = lagSeconds
        self.lagBytes = lagBytes; self.resyncHeadroomBytes = resyncHeadroomBytes
    }
}
