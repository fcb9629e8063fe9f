// FAILOVER (ReplicationFailover.swift): argument checks with Redis 7.0's texts, writes held while
// it runs, the switch once the target acked the master offset (or at the timeout with FORCE),
// aborts, and the target's side (PSYNC ... FAILOVER promotes it, then +CONTINUE).
@testable import Engine
import RESP
import XCTest

final class FailoverTests: XCTestCase {
    func attach(_ h: EngineHarness, port: Int) -> EngineHarness {
        let r = EngineHarness(engine: h.engine, id: Int64(100 + port))
        r.client.addr = "127.0.0.1:5\(port)"
        XCTAssertEqual(r.raw(["REPLCONF", "listening-port", String(port)]), "+OK\r\n")
        _ = r.raw(["PSYNC", "?", "-1"])
        finishSync(h.engine)
        r.client.out.clear()
        return r
    }

    func testArguments() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["FAILOVER"]), "-ERR FAILOVER requires connected replicas.\r\n")
        XCTAssertEqual(h.raw(["FAILOVER", "ABORT"]), "-ERR No failover in progress.\r\n")
        XCTAssertEqual(h.raw(["FAILOVER", "TIMEOUT", "0"]), "-ERR FAILOVER timeout must be greater than 0\r\n")
        XCTAssertEqual(h.raw(["FAILOVER", "TIMEOUT", "x"]), "-ERR value is not an integer or out of range\r\n")
        XCTAssertEqual(h.raw(["FAILOVER", "TIMEOUT", "10", "TIMEOUT", "10"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["FAILOVER", "ABORT", "TIMEOUT", "10"]), "-ERR syntax error\r\n")
        XCTAssertEqual(h.raw(["FAILOVER", "TO", "h", "x"]), "-ERR value is not an integer or out of range\r\n")
        _ = attach(h, port: 7001)
        XCTAssertEqual(h.raw(["FAILOVER", "FORCE"]), "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n")
        XCTAssertEqual(h.raw(["FAILOVER", "TO", "127.0.0.1", "9"]), "-ERR FAILOVER target HOST and PORT is not a replica.\r\n")
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("master_failover_state:no-failover"))
    }

    func testSwitchOnceTheTargetCaughtUp() {
        let h = EngineHarness()
        var followed: [(String?, Int)] = []
        h.engine.replication.onReplicaOf = { followed.append(($0, $1)) }
        let a = attach(h, port: 7001)
        h.raw(["SET", "k", "v"])
        XCTAssertEqual(h.raw(["FAILOVER", "TO", "127.0.0.1", "7001", "TIMEOUT", "5000"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["FAILOVER"]), "-ERR FAILOVER already in progress.\r\n")
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("master_failover_state:waiting-for-sync"))
        let set = h.engine.table.lookup("set")!, get = h.engine.table.lookup("get")!
        XCTAssertTrue(h.engine.isPaused(h.client, set), "writes are held")
        XCTAssertFalse(h.engine.isPaused(h.client, get))
        a.client.out.clear()
        h.engine.replicationCron()
        h.engine.replicationBeforeSleep()
        XCTAssertFalse(String(decoding: a.client.out.readableBytes, as: UTF8.self).contains("GETACK"),
                       "no GETACK: it would move the offset to reach")
        a.raw(["REPLCONF", "ACK", "1"])
        XCTAssertNil(h.engine.replication.masterHost, "not caught up yet")
        a.raw(["REPLCONF", "ACK", String(h.engine.replication.offset)])
        XCTAssertEqual(h.engine.replication.masterHost, "127.0.0.1")
        XCTAssertEqual(h.engine.replication.masterPort, 7001)
        XCTAssertEqual(followed.last?.0, "127.0.0.1")
        XCTAssertTrue(a.client.closeASAP, "replicas are dropped to resync with the new master")
        XCTAssertTrue(h.raw(["INFO", "replication"]).contains("master_failover_state:failover-in-progress"))
        h.engine.failoverCompleted()
        XCTAssertFalse(h.engine.isPaused(h.client, set))
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "-READONLY You can't write against a read only replica.\r\n")
    }

    func testTimeoutAbortsOrForces() {
        let h = EngineHarness()
        h.engine.replication.onReplicaOf = { _, _ in }
        let a = attach(h, port: 7001)
        h.raw(["SET", "k", "v"])
        XCTAssertEqual(h.raw(["FAILOVER", "TIMEOUT", "100"]), "+OK\r\n")
        h.engine.now += 200
        h.engine.replicationCron()
        XCTAssertNil(h.engine.replication.failover)
        XCTAssertNil(h.engine.replication.masterHost)
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["FAILOVER", "TO", "127.0.0.1", "7001", "TIMEOUT", "100", "FORCE"]), "+OK\r\n")
        h.engine.now += 200
        h.engine.replicationCron()
        XCTAssertEqual(h.engine.replication.failover?.state, .inProgress)
        XCTAssertEqual(h.engine.replication.masterPort, 7001)
        // The target could not be reached: master again, with the old history as replid2.
        let id = h.engine.replication.replid
        h.engine.abortFailover("unreachable")
        XCTAssertNil(h.engine.replication.masterHost)
        XCTAssertEqual(h.engine.replication.replid2, id)
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "+OK\r\n")
        h.engine.clientGone(a.client)   // dropped by the switch
        XCTAssertEqual(h.raw(["FAILOVER", "TIMEOUT", "100"]), "-ERR FAILOVER requires connected replicas.\r\n")
    }

    func testTargetPromotesOnPsyncFailover() {
        let h = EngineHarness()
        var followed: [(String?, Int)] = []
        h.engine.replication.onReplicaOf = { followed.append(($0, $1)) }
        let r = h.engine.replication
        r.masterHost = "127.0.0.1"
        r.masterPort = 7000
        h.engine.setReplicaMode(true)
        h.engine.replicationDidFullSync(replid: String(repeating: "a", count: 40), offset: 100)
        r.linkState = "connected"
        let old = EngineHarness(engine: h.engine, id: 50)
        XCTAssertEqual(old.raw(["PSYNC", String(repeating: "b", count: 40), "101", "FAILOVER"]),
                       "-ERR PSYNC FAILOVER replid must match my replid.\r\n")
        XCTAssertTrue(r.isReplica)
        XCTAssertEqual(old.raw(["REPLCONF", "capa", "psync2"]), "+OK\r\n")
        let reply = old.raw(["PSYNC", String(repeating: "a", count: 40), "101", "FAILOVER"])
        XCTAssertFalse(r.isReplica, "promoted")
        XCTAssertEqual(followed.last?.0, nil)
        XCTAssertEqual(reply, "+CONTINUE \(r.replid)\r\n")
        XCTAssertEqual(r.replid2, String(repeating: "a", count: 40))
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "+OK\r\n")
    }
}
