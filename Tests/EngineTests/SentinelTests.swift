// The sentinel core driven by a fake clock: parsing, SDOWN/ODOWN timing, the vote, replica
// selection, and a whole failover across three sentinels over an in-memory network (SentinelSim).
import XCTest
@testable import Engine

let sentinelT0: Int64 = 10_000_000
let masterAddr = SentinelAddress("127.0.0.1", 6379)

func sid(_ c: Character) -> String { String(repeating: c, count: 40) }

func eventNames(_ actions: [SentinelAction]) -> [String] {
    actions.compactMap { if case let .event(t, _) = $0 { return t } else { return nil } }
}

func eventLines(_ actions: [SentinelAction]) -> [String] {
    actions.compactMap { if case let .event(t, x) = $0 { return "\(t) \(x)" } else { return nil } }
}

final class SentinelParsingTests: XCTestCase {
    func testInfoOfMasterAndReplica() {
        let master = SentinelInfoReport.parse("# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
            + "slave0:ip=127.0.0.1,port=7331,state=online,offset=4817,lag=1\r\n"
            + "slave1:ip=127.0.0.1,port=7332,state=online,offset=4817,lag=0\r\nmaster_failover_state:no-failover\r\n"
            + "run_id:\(sid("b"))\r\n")
        XCTAssertEqual(master.role, .master)
        XCTAssertEqual(master.runID, sid("b"))
        XCTAssertEqual(master.replicas, [SentinelAddress("127.0.0.1", 7331), SentinelAddress("127.0.0.1", 7332)])

        let replica = SentinelInfoReport.parse("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:7330\r\n"
            + "master_link_status:down\r\nmaster_link_down_since_seconds:7\r\nslave_repl_offset:99\r\n"
            + "slave_priority:0\r\nreplica_announced:1\r\nslave0:10.0.0.1,6380,online\r\n")
        XCTAssertEqual(replica.role, .replica)
        XCTAssertEqual(replica.masterHost, "127.0.0.1")
        XCTAssertEqual(replica.masterPort, 7330)
        XCTAssertFalse(replica.masterLinkUp)
        XCTAssertEqual(replica.masterLinkDownSinceSeconds, 7)
        XCTAssertEqual(replica.slaveReplOffset, 99)
        XCTAssertEqual(replica.slavePriority, 0)
        XCTAssertEqual(replica.replicas, [SentinelAddress("10.0.0.1", 6380)], "old slaveN format")
    }

    func testHelloPayloadRoundTrip() {
        let text = "127.0.0.1,7341,\(sid("a")),3,mymaster,127.0.0.1,7330,2"
        let h = SentinelHello.parse(text)
        XCTAssertEqual(h?.addr, SentinelAddress("127.0.0.1", 7341))
        XCTAssertEqual(h?.currentEpoch, 3)
        XCTAssertEqual(h?.masterName, "mymaster")
        XCTAssertEqual(h?.masterConfigEpoch, 2)
        XCTAssertEqual(h?.payload, text)
        XCTAssertNil(SentinelHello.parse("127.0.0.1,7341,x,3,mymaster,127.0.0.1,7330"))
    }

    func testHelloLearnsSentinelsEpochAndNewerConfig() {
        let s = Sentinel(myID: sid("a"), announce: SentinelAddress("127.0.0.1", 26379))
        s.monitor(name: "mymaster", addr: masterAddr, quorum: 2, now: sentinelT0)
        let peer = SentinelAddress("127.0.0.1", 26380)
        var a = s.hello("127.0.0.1,26380,\(sid("b")),0,mymaster,127.0.0.1,6379,0", now: sentinelT0)
        XCTAssertEqual(eventLines(a), ["+sentinel sentinel \(sid("b")) 127.0.0.1 26380 @ mymaster 127.0.0.1 6379"])
        XCTAssertEqual(s.hello("127.0.0.1,26379,\(sid("a")),9,mymaster,1.1.1.1,1,9", now: sentinelT0), [], "own hello ignored")
        a = s.hello("\(peer.ip),\(peer.port),\(sid("b")),4,mymaster,127.0.0.1,6380,4", now: sentinelT0)
        XCTAssertEqual(eventNames(a), ["+new-epoch", "+config-update-from", "+switch-master", "+slave"])
        XCTAssertEqual(s.currentEpoch, 4)
        XCTAssertEqual(s.masterAddress("mymaster"), SentinelAddress("127.0.0.1", 6380))
        XCTAssertEqual(s.replicaAddresses("mymaster"), [masterAddr], "the old master is now a replica")
        XCTAssertEqual(s.sentinelIDs("mymaster"), [sid("b")])
    }
}

final class SentinelDetectorTests: XCTestCase {
    let mid = SentinelInstanceID(master: "mymaster", role: .master, addr: masterAddr)

    func make(quorum: Int) -> Sentinel {
        let s = Sentinel(myID: sid("a"), announce: SentinelAddress("127.0.0.1", 26379))
        s.monitor(name: "mymaster", addr: masterAddr, quorum: quorum, now: sentinelT0, downAfter: 3000)
        return s
    }

    func testPeriodicCommands() {
        let s = make(quorum: 1)
        let a = s.tick(now: sentinelT0 + 1001)
        XCTAssertEqual(a, [.send(mid, [["INFO"]]), .send(mid, [["PING"]]),
                           .send(mid, [["PUBLISH", "__sentinel__:hello", "127.0.0.1,26379,\(sid("a")),0,mymaster,127.0.0.1,6379,0"]])])
        XCTAssertEqual(s.tick(now: sentinelT0 + 1100), [], "nothing is resent while fresh")
    }

    func testSdownExactlyAfterDownAfterAndClearedByAReply() {
        let s = make(quorum: 1)
        // PINGs go out every 1100 ms (1000 ms without a reply, ticks of 100 ms); those up to
        // t0+5000 are answered, the one at t0+5500 never is.
        var t = sentinelT0
        var sdownAt: Int64?
        while t <= sentinelT0 + 10_000, sdownAt == nil {
            for case let .send(id, cmds) in s.tick(now: t) where cmds == [["PING"]] && t <= sentinelT0 + 5000 {
                s.pingReply(id, valid: true, now: t)
            }
            if s.isSdown(mid) { sdownAt = t }
            t += 100
        }
        XCTAssertEqual(sdownAt, sentinelT0 + 5500 + 3100, "first tick with more than 3000 ms since the unanswered PING")

        let s2 = make(quorum: 1)
        XCTAssertFalse(eventNames(s2.tick(now: sentinelT0 + 3000)).contains("+sdown"), "not at exactly down-after")
        XCTAssertEqual(eventLines(s2.tick(now: sentinelT0 + 3001)).filter { $0.hasPrefix("+sdown") },
                       ["+sdown master mymaster 127.0.0.1 6379"])
        s2.pingReply(mid, valid: false, now: sentinelT0 + 3100)   // e.g. -BUSY: still down
        XCTAssertFalse(eventNames(s2.tick(now: sentinelT0 + 3200)).contains("-sdown"))
        s2.pingReply(mid, valid: true, now: sentinelT0 + 3300)
        XCTAssertTrue(eventNames(s2.tick(now: sentinelT0 + 3400)).contains("-sdown"))
    }

    func testOdownNeedsTheQuorum() {
        let s = make(quorum: 2)
        _ = s.hello("127.0.0.1,26380,\(sid("b")),0,mymaster,127.0.0.1,6379,0", now: sentinelT0)
        let peer = SentinelInstanceID(master: "mymaster", role: .sentinel, addr: SentinelAddress("127.0.0.1", 26380))
        var a = s.tick(now: sentinelT0 + 3001)
        XCTAssertTrue(eventLines(a).contains("+sdown master mymaster 127.0.0.1 6379"))
        XCTAssertTrue(a.contains(.send(peer, [["SENTINEL", "is-master-down-by-addr", "127.0.0.1", "6379", "0", "*"]])))
        s.masterDownReply(peer, down: false, leader: "*", leaderEpoch: 0, now: sentinelT0 + 3002)
        a = s.tick(now: sentinelT0 + 3100)
        XCTAssertFalse(s.isOdown("mymaster"))
        s.masterDownReply(peer, down: true, leader: "*", leaderEpoch: 0, now: sentinelT0 + 3150)
        a = s.tick(now: sentinelT0 + 3200)
        XCTAssertEqual(eventLines(a).first, "+odown master mymaster 127.0.0.1 6379 #quorum 2/2")
        XCTAssertTrue(eventNames(a).contains("+try-failover"))
        // The peer's answer is forgotten after 5 s without a new one (ticks every 100 ms: a
        // longer gap would be TILT).
        var t = sentinelT0 + 3200
        while t < sentinelT0 + 3150 + 5001 { t += 100; _ = s.tick(now: t) }
        XCTAssertTrue(s.isOdown("mymaster"))
        _ = s.tick(now: t + 100)
        XCTAssertFalse(s.isOdown("mymaster"))
        XCTAssertFalse(s.inTilt)
    }

    func testTiltAfterAClockJumpSuspendsJudgementsFor30s() {
        let s = make(quorum: 1)
        _ = s.tick(now: sentinelT0 + 100)
        var a = s.tick(now: sentinelT0 + 3101)   // a 3 s stall: the master looks silent, but
        XCTAssertEqual(eventLines(a).first, "+tilt #tilt mode entered")
        XCTAssertFalse(eventNames(a).contains("+sdown"), "no judgement in TILT")
        XCTAssertFalse(s.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 0, runID: "*", now: sentinelT0 + 3101).down)
        var t = sentinelT0 + 3101
        var names: [String] = []
        while t + 100 < sentinelT0 + 3101 + 30_000 { t += 100; a = s.tick(now: t); names += eventNames(a) }
        XCTAssertEqual(names.filter { $0 != "+tilt" && $0 != "-tilt" }, [])
        XCTAssertEqual(eventNames(s.tick(now: t + 100)).prefix(2), ["-tilt", "+sdown"], "exactly 30 s later")
    }

    func testOneVotePerEpochFirstComeFirstServed() {
        let s = make(quorum: 2)
        _ = s.tick(now: sentinelT0 + 3001)   // SDOWN here too
        var r = s.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 1, runID: sid("b"), now: sentinelT0 + 3100)
        XCTAssertTrue(r.down)
        XCTAssertEqual(r.leader, sid("b"))
        XCTAssertEqual(r.leaderEpoch, 1)
        XCTAssertEqual(eventLines(r.actions), ["+new-epoch 1", "+vote-for-leader \(sid("b")) 1"])
        r = s.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 1, runID: sid("c"), now: sentinelT0 + 3101)
        XCTAssertEqual(r.leader, sid("b"), "the vote of epoch 1 is taken")
        XCTAssertEqual(r.actions, [])
        r = s.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 2, runID: sid("c"), now: sentinelT0 + 3102)
        XCTAssertEqual(r.leader, sid("c"))
        XCTAssertEqual(r.leaderEpoch, 2)
        r = s.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 0, runID: "*", now: sentinelT0 + 3103)
        XCTAssertEqual(r.leader, "*", "a plain question is not a vote")
        XCTAssertEqual(r.leaderEpoch, 0)
        XCTAssertFalse(s.isMasterDownByAddr(ip: "10.0.0.9", port: 1, epoch: 3, runID: sid("c"), now: sentinelT0).down)
    }

    func testReplicaSelectionOrder() {
        let s = make(quorum: 1)
        let now = sentinelT0 + 100
        let ports = [7001, 7002, 7003, 7004, 7005]
        _ = s.infoReply(mid, text: "role:master\r\n" + ports.enumerated().map {
            "slave\($0.offset):ip=127.0.0.1,port=\($0.element),state=online,offset=1,lag=0\r\n" }.joined(), now: now)
        // (priority, offset, run id): 7001 is priority 0 (never), 7002 loses on priority,
        // 7003/7004 tie on offset and 7004's run id is smaller, 7005 has the smallest offset.
        let spec: [(Int, Int, Int64, Character)] = [(7001, 0, 900, "1"), (7002, 200, 999, "2"), (7003, 100, 500, "9"),
                                                    (7004, 100, 500, "3"), (7005, 100, 400, "0")]
        for (port, prio, off, run) in spec {
            let id = SentinelInstanceID(master: "mymaster", role: .replica, addr: SentinelAddress("127.0.0.1", port))
            _ = s.infoReply(id, text: "run_id:\(sid(run))\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\n"
                + "master_link_status:up\r\nslave_priority:\(prio)\r\nslave_repl_offset:\(off)\r\n", now: now)
            s.pingReply(id, valid: true, now: now)
        }
        let m = s.master(named: "mymaster")!
        var order: [Int] = []
        while let r = s.selectReplica(m, now: now) {
            order.append(r.addr.port)
            m.replicas.removeAll { $0 === r }
        }
        XCTAssertEqual(order, [7004, 7003, 7005, 7002], "7001 (priority 0) is never promoted")
    }

    func testConfigRoundTripKeepsEpochsSoARestartCannotVoteTwice() {
        let s = make(quorum: 2)
        _ = s.applyConfig(["parallel-syncs", "mymaster", "2"], now: sentinelT0)
        _ = s.infoReply(mid, text: "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=online,offset=1,lag=0\r\n", now: sentinelT0)
        _ = s.hello("127.0.0.1,26380,\(sid("b")),2,mymaster,127.0.0.1,6379,1", now: sentinelT0)
        _ = s.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 3, runID: sid("b"), now: sentinelT0)
        let lines = s.configLines()
        XCTAssertEqual(lines, [
            "sentinel myid \(sid("a"))",
            "sentinel monitor mymaster 127.0.0.1 6379 2",
            "sentinel down-after-milliseconds mymaster 3000",
            "sentinel parallel-syncs mymaster 2",
            "sentinel config-epoch mymaster 1",
            "sentinel leader-epoch mymaster 3",
            "sentinel known-replica mymaster 127.0.0.1 6380",
            "sentinel known-sentinel mymaster 127.0.0.1 26380 \(sid("b"))",
            "sentinel current-epoch 3",
        ])
        XCTAssertEqual(s.recentVotes.map(\.candidate), [sid("b")])

        let restarted = Sentinel(myID: sid("a"), announce: SentinelAddress("127.0.0.1", 26379))
        for l in lines {
            XCTAssertNil(restarted.applyConfig(Array(l.split(separator: " ").dropFirst().map(String.init)), now: sentinelT0), l)
        }
        XCTAssertEqual(restarted.configLines(), lines)
        XCTAssertEqual(restarted.currentEpoch, 3)
        let r = restarted.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 3, runID: sid("c"), now: sentinelT0)
        XCTAssertEqual(r.leader, "*", "already voted in epoch 3 before the restart")
        XCTAssertEqual(restarted.applyConfig(["config-epoch", "other", "1"], now: sentinelT0), "No such master with specified name.")
        XCTAssertEqual(restarted.applyConfig(["bogus"], now: sentinelT0), "Unrecognized sentinel configuration statement.")
    }
}
