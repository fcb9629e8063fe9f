// The whole deployment as `keyward status --json` prints it and the console draws it: every
// node discovered from the seed plus the sentinels' view, and a health verdict with the reasons.
// Health is decided here (pure) so the exit code and the console's badges agree.

public struct TopologyStatus: Codable, Sendable, Equatable {
    public var schema: Int = AdminSchema.version
    public var kind: String = "keyward-status"
    /// Unix time in milliseconds when the snapshot was taken.
    public var generatedAt: Int64
    public var seed: String
    /// "healthy", "degraded" or "unreachable" (exit codes 0, 1, 2).
    public var health: String = "healthy"
    public var problems: [String] = []
    /// Data nodes (masters and replicas), seed's group first, masters before their replicas.
    public var nodes: [NodeStatus]
    /// Sentinel processes seen (each is a NodeStatus with role "sentinel").
    public var sentinels: [NodeStatus] = []

    public init(generatedAt: Int64, seed: String, nodes: [NodeStatus], sentinels: [NodeStatus] = []) {
        self.generatedAt = generatedAt; self.seed = seed; self.nodes = nodes; self.sentinels = sentinels
    }

    /// A replica this many seconds behind is "lagging".
    public static let lagWarnSeconds: Int64 = 10

    /// Fills `health` and `problems` from the nodes.
    public mutating func assess() {
        problems = []
        let all = nodes + sentinels
        if all.isEmpty || !all.contains(where: \.reachable) {
            health = "unreachable"
            problems = all.isEmpty ? ["no node reachable from \(seed)"]
                : all.map { "\($0.address) unreachable: \($0.error ?? "no reply")" }
            return
        }
        for n in all where !n.reachable { problems.append("\(n.address) unreachable: \(n.error ?? "no reply")") }
        for n in nodes where n.reachable {
            if let m = n.replication?.master {
                if m.linkStatus != "up" { problems.append("\(n.address) link to master \(m.address) is \(m.linkStatus)") }
            }
            for r in n.replication?.replicas ?? [] {
                if r.state != "online" { problems.append("\(n.address) replica \(r.address) is \(r.state)") }
                else if r.lagSeconds > TopologyStatus.lagWarnSeconds {
                    problems.append("\(n.address) replica \(r.address) lags \(r.lagSeconds) s")
                }
            }
            if let p = n.persistence {
                if p.rdbLastBgsaveStatus != "ok" { problems.append("\(n.address) last BGSAVE failed") }
                if p.aofLastWriteStatus != "ok" { problems.append("\(n.address) AOF write failed") }
            }
        }
        // The cluster as the first reachable node in cluster mode sees it.
        if let c = nodes.first(where: { $0.reachable && $0.cluster != nil })?.cluster {
            if c.state != "ok" { problems.append("cluster state is \(c.state)") }
            if c.uncovered > 0 { problems.append("\(c.uncovered) slot(s) not covered by any node") }
            for n in c.nodes where n.failing { problems.append("cluster node \(n.address) flagged \(n.flags.joined(separator: ","))") }
        }
        var seenMasters = Set<String>()
        for s in sentinels where s.reachable {
            for m in s.sentinel?.masters ?? [] where m.isDown && !seenMasters.contains(m.name) {
                seenMasters.insert(m.name)
                problems.append("sentinel: master \(m.name) at \(m.address) is \(m.flags.joined(separator: ","))")
            }
        }
        // After a failover the old master may come back still calling itself master.
        if let view = sentinelView {
            let official = Set(view.masters.map(\.address))
            for n in nodes where n.reachable && n.role == "master" && !official.contains(n.address) {
                problems.append("\(n.address) says it is a master but the sentinels follow \(official.sorted().joined(separator: ", "))")
            }
        }
        health = problems.isEmpty ? "healthy" : "degraded"
    }

    public var exitCode: Int32 {
        switch health {
        case "healthy": return 0
        case "degraded": return 1
        default: return 2
        }
    }

    /// The sentinels' merged view (first reachable sentinel that has one).
    public var sentinelView: SentinelView? { sentinels.first { $0.reachable && $0.sentinel != nil }?.sentinel }
}
