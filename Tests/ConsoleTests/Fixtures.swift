import Admin
import Console

/// A master with two replicas (one lagging, one out of the backlog) and one unreachable node.
enum Fixtures {
    /// An ADMIN LOCKS document: "orders" held by c1:7 (alive, token 42, 3 waiters) and "report"
    /// held by c2:1 whose connection is gone, with the given failure records (JSON array text).
    static func locks(failures: String = "[]") -> JSONValue {
        JSONValue(parsing: """
            {"schema":1,"pattern":"*","locks":[
              {"name":"orders","db":0,"owners":[{"field":"c1:7","clientId":"c1","threadId":"7","reentrancy":2,"connection":"alive"}],
               "remainingLeaseMs":15000,"fencingToken":42,"waiters":3},
              {"name":"report","db":0,"owners":[{"field":"c2:1","clientId":"c2","threadId":"1","reentrancy":1,"connection":"gone"}],
               "remainingLeaseMs":2500,"waiters":0}],
             "failures":\(failures),"failureKey":"keyward:lock-failures","alertChannel":"keyward:lock-alerts"}
            """)!
    }

    static func master() -> NodeStatus {
        var m = NodeStatus(address: "127.0.0.1:7000")
        m.role = "master"
        m.server = NodeIdentity(runId: "aaaabbbbccccdddd", redisVersion: "7.0.15", keywardVersion: "0.1.0", mode: "standalone",
                                processId: 100, tcpPort: 7000, uptimeSeconds: 3700)
        m.clients = ClientFigures(connected: 12, blocked: 1, maxClients: 10000)
        m.memory = MemoryFigures(usedBytes: 3_500_000, rssBytes: 9_000_000, peakBytes: 4_000_000, datasetBytes: 2_000_000,
                                 maxBytes: 0, policy: "noeviction")
        m.stats = OpsFigures(opsPerSec: 1234, totalCommands: 99999)
        m.keyspace = [KeyspaceDB(db: 0, keys: 15000, expires: 10)]
        m.persistence = PersistenceFigures()
        var r = ReplicationFigures()
        r.replid = "0123456789abcdef"
        r.offset = 5_000_000
        r.backlog = BacklogState()
        r.backlog.active = true
        r.backlog.size = 1_048_576
        r.backlog.firstByteOffset = 5_000_000 - 1_048_576 + 1
        r.backlog.histlen = 1_048_576
        r.replicas = [
            ReplicationLink(address: "127.0.0.1:7001", state: "online", offset: 5_000_000, lagSeconds: 0, lagBytes: 0,
                            resyncHeadroomBytes: 1_048_576),
            ReplicationLink(address: "127.0.0.1:7002", state: "online", offset: 3_000_000, lagSeconds: 25,
                            lagBytes: 2_000_000, resyncHeadroomBytes: nil),
        ]
        m.replication = r
        m.events = [AdminEvent(time: 1_796_000_000_000, kind: "role", node: "127.0.0.1:7000", message: "role replica -> master")]
        return m
    }

    static func replica(_ port: Int, offset: Int64) -> NodeStatus {
        var n = NodeStatus(address: "127.0.0.1:\(port)")
        n.role = "replica"
        n.source = "info"
        n.clients = ClientFigures(connected: 2, blocked: 0, maxClients: 10000)
        n.memory = MemoryFigures(usedBytes: 3_400_000, rssBytes: 8_000_000, peakBytes: 3_400_000, datasetBytes: nil,
                                 maxBytes: 0, policy: "noeviction")
        n.stats = OpsFigures(opsPerSec: 3)
        n.keyspace = [KeyspaceDB(db: 0, keys: 15000, expires: 10)]
        n.persistence = PersistenceFigures()
        var r = ReplicationFigures()
        r.offset = offset
        r.master = MasterLink(host: "127.0.0.1", port: 7000, linkStatus: "up", lastIOSecondsAgo: 0, syncInProgress: false, offset: offset)
        n.replication = r
        n.unavailable = ["latency", "locks", "events"]
        return n
    }

    static func snapshot() -> ConsoleSnapshot {
        var t = TopologyStatus(generatedAt: 1_796_000_123_000, seed: "127.0.0.1:7000",
                               nodes: [master(), replica(7001, offset: 5_000_000), replica(7002, offset: 3_000_000),
                                       .unreachable("127.0.0.1:7003", error: "timed out")])
        t.assess()
        var snap = ConsoleSnapshot(topology: t, events: master().events! + [
            AdminEvent(time: 1_796_000_100_000, kind: "unreachable", node: "127.0.0.1:7003", message: "no reply: timed out")])
        snap.lagTrend = ["127.0.0.1:7001": 0, "127.0.0.1:7002": 4096]
        return snap
    }
}
