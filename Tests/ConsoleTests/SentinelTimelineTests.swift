import XCTest
import Admin
@testable import Console

/// The failover timeline: votes and sentinel events from three sentinels merged into epochs.
final class SentinelTimelineTests: XCTestCase {
    static let t0: Int64 = 1_796_000_000_000   // 00:53:20 UTC
    static let (a, b, c) = ("aaaa1111aaaa1111", "bbbb2222bbbb2222", "cccc3333cccc3333")

    func ev(_ dt: Int64, _ node: String, _ msg: String) -> AdminEvent {
        AdminEvent(time: Self.t0 + dt, kind: "sentinel", node: node, message: msg)
    }

    func vote(_ e: Int64, _ voter: String, _ cand: String, _ dt: Int64) -> SentinelVote {
        SentinelVote(epoch: e, voter: voter, candidate: cand, time: Self.t0 + dt)
    }

    func sentinel(_ port: Int, _ runId: String, votes: [SentinelVote]?, failover: SentinelFailover? = nil,
                  events: [AdminEvent]) -> NodeStatus {
        var n = NodeStatus(address: "127.0.0.1:\(port)")
        n.role = "sentinel"
        n.server = NodeIdentity(runId: runId, redisVersion: "7.0.15", keywardVersion: "0.1.0", mode: "sentinel",
                                processId: port, tcpPort: port, uptimeSeconds: 60)
        var m = SentinelMaster(name: "mymaster", address: "127.0.0.1:7001", flags: ["master"], quorum: 2, configEpoch: 2,
                               numReplicas: 1, numOtherSentinels: 2, failoverState: failover.map(\.state))
        let peers = [(26379, Self.a), (26380, Self.b), (26381, Self.c)].filter { $0.0 != port }
        m.sentinels = peers.map { SentinelPeer(address: "127.0.0.1:\($0.0)", flags: ["sentinel"], runId: $0.1) }
        m.votes = votes
        m.failover = failover
        m.currentEpoch = votes == nil ? nil : 2
        n.sentinel = SentinelView(masters: [m])
        n.events = events
        if votes == nil { n.unavailable = ["votes"] }
        return n
    }

    /// Epoch 1: a split vote (no leader, aborted); epoch 2: s2 elected 3/3, failover under way.
    func topology() -> TopologyStatus {
        let (a, b, c) = (Self.a, Self.b, Self.c)
        let s1 = sentinel(26379, a, votes: [vote(1, a, a, 62), vote(1, b, b, 70), vote(2, a, b, 8010)], events: [
            ev(0, "127.0.0.1:26379", "+sdown master mymaster 127.0.0.1 7000"),
            ev(50, "127.0.0.1:26379", "+odown master mymaster 127.0.0.1 7000 #quorum 2/2"),
            ev(60, "127.0.0.1:26379", "+new-epoch 1"),
            ev(61, "127.0.0.1:26379", "+try-failover master mymaster 127.0.0.1 7000"),
            ev(62, "127.0.0.1:26379", "+vote-for-leader \(a) 1"),
            ev(5000, "127.0.0.1:26379", "-failover-abort-not-elected master mymaster 127.0.0.1 7000"),
            ev(5001, "127.0.0.1:26379", "+sdown master other 127.0.0.1 9000"),   // another master: not in this timeline
        ])
        let s2 = sentinel(26380, b, votes: [vote(2, b, b, 8002), vote(2, a, b, 8010), vote(2, c, b, 8011)],
                          failover: SentinelFailover(state: "reconf_slaves", epoch: 2, startTime: Self.t0 + 8001,
                                                     stateChangeTime: Self.t0 + 9000, promoted: "127.0.0.1:7001"),
                          events: [
            ev(7900, "127.0.0.1:26380", "+odown master mymaster 127.0.0.1 7000 #quorum 2/2"),
            ev(8000, "127.0.0.1:26380", "+new-epoch 2"),
            ev(8100, "127.0.0.1:26380", "+elected-leader master mymaster 127.0.0.1 7000"),
            ev(8101, "127.0.0.1:26380", "+failover-state-select-slave master mymaster 127.0.0.1 7000"),
        ])
        var t = TopologyStatus(generatedAt: Self.t0 + 9500, seed: "127.0.0.1:26379", nodes: [],
                               sentinels: [s1, s2, sentinel(26381, c, votes: [], events: [])])
        t.mergeSentinelTimelines()
        t.assess()
        return t
    }

    func testEpochsVotesLeaderAndSteps() {
        let t = topology()
        let tl = t.sentinelView!.masters[0].timeline!
        XCTAssertEqual(tl.map(\.epoch), [1, 2])
        XCTAssertNil(tl[0].leader, "a split vote elects nobody")
        XCTAssertEqual(tl[0].votes.map(\.voter), [Self.a, Self.b])
        XCTAssertEqual(tl[1].leader, Self.b)
        XCTAssertEqual(tl[1].votes.count, 3, "s1's copy of its own epoch-2 vote is counted once")
        // Detection steps lead into the epoch that follows them; the other master's are left out.
        XCTAssertEqual(tl[0].steps.map(\.event), ["+sdown", "+odown", "+new-epoch", "+try-failover", "+vote-for-leader",
                                                  "-failover-abort-not-elected"])
        XCTAssertEqual(tl[1].steps.map(\.event), ["+odown", "+new-epoch", "+elected-leader", "+failover-state-select-slave", "state"])
        XCTAssertEqual(tl[1].start, Self.t0 + 7900)
    }

    func testSentinelViewRendersTheTimelineNewestEpochFirst() {
        var s = UIState()
        s.view = .sentinel
        let text = Screen.render(ConsoleSnapshot(topology: topology()), s, width: 80, height: 40, glyphs: .ascii).text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[3..<26].joined(separator: "\n"), """
             MASTER     ADDRESS         FLAGS           QUORUM EPOCH VOTE/PEERS  FAILOVER
             mymaster   127.0.0.1:7001  master          q=2        2 1r 3s       -
               sentinel 127.0.0.1:26380 sentinel                   - -
               sentinel 127.0.0.1:26381 sentinel                   - -

             mymaster epoch 2  00:53:27  leader 127.0.0.1:26380 (3/3 votes)
               00:53:27.900 :26380 +odown #quorum 2/2
               00:53:28.000 :26380 +new-epoch 2
               00:53:28.002 vote  :26380 -> :26380
               00:53:28.010 vote  :26379 -> :26380
               00:53:28.011 vote  :26381 -> :26380
               00:53:28.100 :26380 +elected-leader
               00:53:28.101 :26380 +failover-state-select-slave
               00:53:29.000 state reconf_slaves promoting 127.0.0.1:7001
             mymaster epoch 1  00:53:20  no leader (best 1 of 2 vote(s), need 2)
               00:53:20.000 :26379 +sdown
               00:53:20.050 :26379 +odown #quorum 2/2
               00:53:20.060 :26379 +new-epoch 1
               00:53:20.061 :26379 +try-failover
               00:53:20.062 vote  :26379 -> :26379
               00:53:20.070 vote  :26380 -> :26380
               00:53:25.000 :26379 -failover-abort-not-elected
            """ + "\n")
    }

    func testRedisSentinelsSayVotesAreNotAvailable() {
        var s1 = sentinel(26379, Self.a, votes: nil, events: [])
        s1.source = "info"
        var t = TopologyStatus(generatedAt: Self.t0, seed: s1.address, nodes: [], sentinels: [s1])
        t.mergeSentinelTimelines()
        XCTAssertNil(t.sentinelView!.masters[0].timeline)
        var s = UIState()
        s.view = .sentinel
        let lines = Screen.render(ConsoleSnapshot(topology: t), s, width: 80, height: 24, glyphs: .ascii).text
            .split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(String(lines[8]), " mymaster: votes: not available on Redis sentinels")
    }
}
