import XCTest
import Admin

final class NodeStatusTests: XCTestCase {
    // INFO of a Redis 7 master with one replica, trimmed to the fields the mapping reads.
    let masterInfo = """
    # Server\r
    redis_version:7.0.15\r
    redis_mode:standalone\r
    process_id:42\r
    run_id:abc\r
    tcp_port:6379\r
    uptime_in_seconds:100\r
    # Clients\r
    connected_clients:3\r
    blocked_clients:1\r
    maxclients:10000\r
    # Memory\r
    used_memory:1000\r
    used_memory_rss:4000\r
    used_memory_peak:2000\r
    used_memory_dataset:500\r
    maxmemory:0\r
    maxmemory_policy:noeviction\r
    # Persistence\r
    rdb_bgsave_in_progress:1\r
    rdb_last_bgsave_status:err\r
    aof_enabled:0\r
    # Stats\r
    instantaneous_ops_per_sec:12\r
    # Replication\r
    role:master\r
    connected_slaves:2\r
    slave0:ip=127.0.0.1,port=7001,state=online,offset=900,lag=0\r
    slave1:ip=127.0.0.1,port=7002,state=wait_bgsave,offset=0,lag=30\r
    master_replid:r1\r
    master_repl_offset:1000\r
    repl_backlog_active:1\r
    repl_backlog_size:1000\r
    repl_backlog_first_byte_offset:101\r
    repl_backlog_histlen:900\r
    # Commandstats\r
    cmdstat_get:calls=10,usec=1\r
    cmdstat_set:calls=5,usec=1\r
    # Latencystats\r
    latency_percentiles_usec_get:p50=1.003,p99=2.007,p99.9=3.001\r
    latency_percentiles_usec_set:p50=9.000,p99=9.000,p99.9=9.000\r
    # Keyspace\r
    db1:keys=5,expires=1,avg_ttl=0\r
    db0:keys=10,expires=0,avg_ttl=0\r

    """

    func testMasterFromInfo() {
        let s = NodeStatus(address: "h:1", info: InfoText(parsing: masterInfo), source: "info")
        XCTAssertEqual(s.role, "master")
        XCTAssertEqual(s.server?.runId, "abc")
        XCTAssertNil(s.server?.keywardVersion)
        XCTAssertEqual(s.clients, ClientFigures(connected: 3, blocked: 1, maxClients: 10000))
        XCTAssertEqual(s.memory?.datasetBytes, 500)
        XCTAssertEqual(s.stats?.opsPerSec, 12)
        XCTAssertEqual(s.persistence?.rdbBgsaveInProgress, true)
        XCTAssertEqual(s.keyspace, [KeyspaceDB(db: 0, keys: 10, expires: 0), KeyspaceDB(db: 1, keys: 5, expires: 1)])
        XCTAssertEqual(s.latency, LatencyFigures(command: "get", p50Usec: 1.003, p99Usec: 2.007, p999Usec: 3.001))
        let r = s.replication!
        XCTAssertEqual(r.replicas.count, 2)
        // Backlog holds offsets 101...1000: a replica at 900 needs 901.., 800 bytes in, 100 free.
        XCTAssertEqual(r.replicas[0], ReplicationLink(address: "127.0.0.1:7001", state: "online", offset: 900,
                                                      lagSeconds: 0, lagBytes: 100, resyncHeadroomBytes: 900))
        XCTAssertNil(r.replicas[1].resyncHeadroomBytes, "offset 0 is out of the backlog: full resync")
    }

    func testReplicaAndSentinelFromInfo() {
        let rep = NodeStatus(address: "h:2", info: InfoText(parsing: "role:slave\nmaster_host:h\nmaster_port:1\nmaster_link_status:down\nslave_repl_offset:7\nmaster_link_down_since_seconds:3\n"), source: "info")
        XCTAssertEqual(rep.role, "replica")
        XCTAssertEqual(rep.replication?.master, MasterLink(host: "h", port: 1, linkStatus: "down", lastIOSecondsAgo: 0,
                                                           syncInProgress: false, offset: 7, linkDownSinceSeconds: 3))
        XCTAssertEqual(rep.unavailable, ["latency"])
        let sen = NodeStatus(address: "h:3", info: InfoText(parsing: "redis_mode:sentinel\n"), source: "info")
        XCTAssertEqual(sen.role, "sentinel")
        XCTAssertNil(sen.memory)
    }

    func testHealthVerdicts() {
        var master = NodeStatus(address: "m:1", info: InfoText(parsing: masterInfo), source: "info")
        master.persistence?.rdbLastBgsaveStatus = "ok"
        var t = TopologyStatus(generatedAt: 0, seed: "m:1", nodes: [master])
        t.assess()
        XCTAssertEqual(t.health, "degraded")
        XCTAssertEqual(t.problems, ["m:1 replica 127.0.0.1:7002 is wait_bgsave"])
        XCTAssertEqual(t.exitCode, 1)
        master.replication?.replicas.removeLast()
        t = TopologyStatus(generatedAt: 0, seed: "m:1", nodes: [master])
        t.assess()
        XCTAssertEqual(t.health, "healthy")
        XCTAssertEqual(t.exitCode, 0)
        t = TopologyStatus(generatedAt: 0, seed: "m:1", nodes: [.unreachable("m:1", error: "timed out")])
        t.assess()
        XCTAssertEqual(t.health, "unreachable")
        XCTAssertEqual(t.exitCode, 2)
        var sentinel = NodeStatus(address: "s:1")
        sentinel.role = "sentinel"
        sentinel.sentinel = SentinelView(masters: [SentinelMaster(fields: ["name": "mymaster", "ip": "m", "port": "1",
                                                                           "flags": "s_down,master", "quorum": "2"])!])
        t = TopologyStatus(generatedAt: 0, seed: "s:1", nodes: [master], sentinels: [sentinel])
        t.assess()
        XCTAssertEqual(t.problems, ["sentinel: master mymaster at m:1 is s_down,master"])
        // A master the sentinels no longer follow (back after a failover) is a problem too.
        sentinel.sentinel!.masters[0].flags = ["master"]
        sentinel.sentinel!.masters[0].address = "m:2"
        t = TopologyStatus(generatedAt: 0, seed: "s:1", nodes: [master], sentinels: [sentinel])
        t.assess()
        XCTAssertEqual(t.problems, ["m:1 says it is a master but the sentinels follow m:2"])
    }

    func testEncodesWithStableFieldOrder() throws {
        var s = NodeStatus.unreachable("h:1", error: "refused")
        s.unavailable = ["locks"]
        XCTAssertEqual(try AdminJSON.encode(s),
                       #"{"schema":1,"address":"h:1","source":"none","reachable":false,"error":"refused","role":"unknown","keyspace":[],"unavailable":["locks"]}"#)
    }
}
