// Whole failovers: three sentinel cores and fake Redis nodes on an in-memory network where
// every command is answered at once (or never, by a dead node), driven by a fake clock.
import XCTest
@testable import Engine

final class SentinelSim {
    struct Node {
        var runID: String
        var alive = true
        var masterOf: SentinelAddress?
        var priority = 100
        var offset: Int64 = 1000
    }

    var sentinels: [Sentinel] = []
    var nodes: [SentinelAddress: Node] = [:]
    var events: [[(Int64, String)]] = []
    var sent: [[(SentinelInstanceID, [[String]])]] = []
    var now = sentinelT0
    /// Links cut between sentinels (index pairs, both directions).
    var cut: Set<[Int]> = []
    /// Command links found dead (connection refused), reopened once the node is back.
    var downLinks: [Set<SentinelInstanceID>] = []
    /// Share of sentinel-to-sentinel messages (votes, their replies, hellos) lost on the way.
    var lossRate = 0.0
    var rng = SplitMix(1)
    /// (sentinel, its current epoch) at each +elected-leader.
    var elections: [(Int, UInt64)] = []

    func lost() -> Bool { lossRate > 0 && Double(rng.next() % 10_000) < lossRate * 10_000 }

    init(sentinels count: Int, quorum: Int, nodes: [SentinelAddress: Node], master: SentinelAddress,
         failoverTimeout: Int64 = SentinelTiming.defaultFailoverTimeout) {
        self.nodes = nodes
        for i in 0..<count {
            let s = Sentinel(myID: sid(Character(String(i + 1))), announce: SentinelAddress("127.0.0.1", 26379 + i),
                             seed: UInt64(i + 1) * 7919)
            s.monitor(name: "mymaster", addr: master, quorum: quorum, now: now, downAfter: 3000,
                      failoverTimeout: failoverTimeout)
            sentinels.append(s)
        }
        events = Array(repeating: [], count: count)
        sent = Array(repeating: [], count: count)
        downLinks = Array(repeating: [], count: count)
    }

    func info(_ addr: SentinelAddress) -> String {
        let n = nodes[addr]!
        var text = "run_id:\(n.runID)\r\n"
        if let m = n.masterOf {
            let up = nodes[m]?.alive == true ? "up" : "down"
            text += "role:slave\r\nmaster_host:\(m.ip)\r\nmaster_port:\(m.port)\r\nmaster_link_status:\(up)\r\n"
                + "slave_priority:\(n.priority)\r\nslave_repl_offset:\(n.offset)\r\n"
        } else {
            text += "role:master\r\n"
            let replicas = nodes.filter { $0.value.alive && $0.value.masterOf == addr }.keys.sorted { $0.port < $1.port }
            for (k, r) in replicas.enumerated() { text += "slave\(k):ip=\(r.ip),port=\(r.port),state=online,offset=1,lag=0\r\n" }
        }
        return text
    }

    func run(for ms: Int64) {
        let end = now + ms
        while now < end {
            now += 100
            for i in sentinels.indices {
                for id in downLinks[i] where nodes[id.addr]?.alive == true {
                    downLinks[i].remove(id)
                    sentinels[i].linkChanged(id, up: true, now: now)
                }
            }
            for i in sentinels.indices { deliver(i, sentinels[i].tick(now: now)) }
        }
    }

    func deliver(_ i: Int, _ actions: [SentinelAction]) {
        for a in actions {
            switch a {
            case let .event(t, x):
                events[i].append((now, "\(t) \(x)"))
                if t == "+elected-leader" { elections.append((i, sentinels[i].currentEpoch)) }
            case .reconnect: break
            case let .send(id, cmds):
                sent[i].append((id, cmds))
                deliver(i, handle(i, id, cmds))
            }
        }
    }

    func handle(_ i: Int, _ id: SentinelInstanceID, _ cmds: [[String]]) -> [SentinelAction] {
        let s = sentinels[i]
        if id.role == .sentinel {
            guard let j = sentinels.firstIndex(where: { $0.announce == id.addr }), !cut.contains([i, j]),
                  !cut.contains([j, i]), !lost() else { return [] }
            let c = cmds[0]
            switch c[0] {
            case "PING": s.pingReply(id, valid: true, now: now)
            case "PUBLISH": deliver(j, sentinels[j].hello(c[2], now: now))
            case "SENTINEL":
                let r = sentinels[j].isMasterDownByAddr(ip: c[2], port: Int(c[3])!, epoch: UInt64(c[4])!, runID: c[5], now: now)
                deliver(j, r.actions)
                if lost() { return [] }   // the reply is lost, the vote stays cast
                s.masterDownReply(id, down: r.down, leader: r.leader, leaderEpoch: r.leaderEpoch, now: now)
            default: break
            }
            return []
        }
        guard nodes[id.addr]?.alive == true else {
            if downLinks[i].insert(id).inserted { s.linkChanged(id, up: false, now: now) }
            return []
        }
        var out: [SentinelAction] = []
        for c in cmds {
            switch c[0] {
            case "PING": s.pingReply(id, valid: true, now: now)
            case "INFO": out += s.infoReply(id, text: info(id.addr), now: now)
            case "PUBLISH":
                for j in sentinels.indices where !cut.contains([i, j]) && !cut.contains([j, i]) && !lost() {
                    deliver(j, sentinels[j].hello(c[2], now: now))
                }
            case "SLAVEOF": nodes[id.addr]!.masterOf = c[1] == "NO" ? nil : SentinelAddress(c[1], Int(c[2])!)
            default: break
            }
        }
        return out
    }

    func names(_ i: Int) -> [String] { events[i].map { String($0.1.split(separator: " ")[0]) } }
    func firstTime(_ i: Int, _ name: String) -> Int64? { events[i].first { $0.1.hasPrefix(name + " ") }?.0 }
}

final class SentinelFailoverTests: XCTestCase {
    let m = SentinelAddress("127.0.0.1", 6379), r1 = SentinelAddress("127.0.0.1", 6380), r2 = SentinelAddress("127.0.0.1", 6381)

    func makeSim(sentinels: Int = 3, quorum: Int = 2, failoverTimeout: Int64 = SentinelTiming.defaultFailoverTimeout) -> SentinelSim {
        let sim = SentinelSim(sentinels: sentinels, quorum: quorum, nodes: [
            m: .init(runID: sid("m")),
            r1: .init(runID: sid("c"), masterOf: m, offset: 1000),
            r2: .init(runID: sid("d"), masterOf: m, offset: 2000),
        ], master: m, failoverTimeout: failoverTimeout)
        sim.run(for: 5000)
        return sim
    }

    func testDiscovery() {
        let sim = makeSim()
        for s in sim.sentinels {
            XCTAssertEqual(s.replicaAddresses("mymaster"), [r1, r2])
            XCTAssertEqual(s.sentinelIDs("mymaster").count, 2)
        }
        XCTAssertFalse(sim.events.joined().contains { $0.1.hasPrefix("+sdown") }, "\(sim.events)")
    }

    func testFullFailoverOneLeaderAndOldMasterRejoins() {
        let sim = makeSim()
        sim.nodes[m]!.alive = false
        let killedAt = sim.now
        sim.run(for: 15_000)

        if ProcessInfo.processInfo.environment["SIM_DEBUG"] != nil { for e in sim.events { print(e.map { "\($0.0 - killedAt) \($0.1)" }.joined(separator: "\n"), "\n----") } }
        let leaders = sim.sentinels.indices.filter { sim.names($0).contains("+elected-leader") }
        XCTAssertEqual(leaders.count, 1, "\(sim.events)")
        guard let l = leaders.first else { return }
        let expected = ["+sdown", "+odown", "+new-epoch", "+try-failover", "+vote-for-leader", "+elected-leader",
                        "+failover-state-select-slave", "+selected-slave", "+failover-state-send-slaveof-noone",
                        "+failover-state-wait-promotion", "+promoted-slave", "+failover-state-reconf-slaves",
                        "+slave-reconf-sent", "+slave-reconf-inprog", "+slave-reconf-done", "+failover-end",
                        "+switch-master", "+slave", "+slave"]
        let got = sim.names(l).filter(expected.contains)
        var it = got.makeIterator()
        for e in expected {   // `expected` must be a subsequence of what the leader published
            var found = false
            while let g = it.next() { if g == e { found = true; break } }
            XCTAssertTrue(found, "missing \(e) in order: \(sim.names(l))")
        }
        XCTAssertTrue(sim.events[l].contains { $0.1 == "+selected-slave slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379" })
        XCTAssertTrue(sim.events[l].contains { $0.1 == "+switch-master mymaster 127.0.0.1 6379 127.0.0.1 6381" })
        let leaderID = sim.sentinels[l].myID
        XCTAssertEqual(sim.sentinels[l].recentVotes.filter { $0.epoch == 1 && $0.candidate == leaderID }.count, 3,
                       "its own vote and both peers' are in the log")

        // The promotion and the reconfiguration went out as Redis's MULTI blocks.
        let r2id = SentinelInstanceID(master: "mymaster", role: .replica, addr: r2)
        let r1id = SentinelInstanceID(master: "mymaster", role: .replica, addr: r1)
        let s = sim.sentinels[l]
        XCTAssertTrue(sim.sent[l].contains { $0.0 == r2id && $0.1 == s.slaveofBlock(nil) })
        XCTAssertTrue(sim.sent[l].contains { $0.0 == r1id && $0.1 == s.slaveofBlock(r2) })
        XCTAssertEqual(sim.nodes[r1]!.masterOf, r2)
        XCTAssertNil(sim.nodes[r2]!.masterOf)

        // Everyone follows the new master (the others learn it from the leader's hellos).
        for s in sim.sentinels {
            XCTAssertEqual(s.masterAddress("mymaster"), r2)
            XCTAssertEqual(s.configEpoch("mymaster"), 1)
            XCTAssertEqual(Set(s.replicaAddresses("mymaster")), [r1, m])
            XCTAssertEqual(s.failoverState("mymaster"), SentinelFailoverState.none)
        }
        let switched = sim.firstTime(l, "+switch-master") ?? .max
        XCTAssertLessThanOrEqual(switched - killedAt, 3000 + 1100 + 3000, "the whole failover took \(switched - killedAt) ms")

        // The old master comes back as a master and is converted into a replica of the new one.
        sim.nodes[m]!.alive = true
        sim.run(for: 25_000)
        if ProcessInfo.processInfo.environment["SIM_DEBUG"] != nil { for e in sim.events { print(e.filter { $0.0 > switched }.map { "\($0.0 - killedAt) \($0.1)" }.joined(separator: "\n"), "\n----") } }
        XCTAssertEqual(sim.nodes[m]!.masterOf, r2)
        XCTAssertTrue(sim.names(l).contains("+convert-to-slave") || sim.events.joined().contains { $0.1.hasPrefix("+convert-to-slave") })
        XCTAssertEqual(sim.sentinels.indices.filter { sim.names($0).contains("+elected-leader") }.count, 1, "no second failover")
    }

    func testSplitCandidatesOnlyOneLeaderPerEpoch() {
        // Two sentinels ask for votes in the same epoch; a third votes for whoever asked first.
        let sim = makeSim()
        let ids = sim.sentinels.map(\.myID)
        let a = sim.sentinels[0], b = sim.sentinels[1], c = sim.sentinels[2]
        _ = a.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 1, runID: ids[0], now: sim.now)
        _ = b.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 1, runID: ids[1], now: sim.now)
        let first = c.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 1, runID: ids[0], now: sim.now)
        let second = c.isMasterDownByAddr(ip: "127.0.0.1", port: 6379, epoch: 1, runID: ids[1], now: sim.now)
        XCTAssertEqual(first.leader, ids[0])
        XCTAssertEqual(second.leader, ids[0])
        XCTAssertEqual(a.vote("mymaster").0, ids[0])
        XCTAssertEqual(b.vote("mymaster").0, ids[1])
    }

    func testMinorityCannotFailOver() {
        // Sentinel 0 is cut off from both peers: it sees the master down but can't reach ODOWN
        // with quorum 2; the two others fail over.
        let sim = makeSim()
        sim.cut = [[0, 1], [0, 2]]
        sim.nodes[m]!.alive = false
        sim.run(for: 15_000)
        XCTAssertFalse(sim.names(0).contains("+odown"))
        XCTAssertFalse(sim.names(0).contains("+elected-leader"))
        XCTAssertEqual(sim.sentinels.indices.filter { sim.names($0).contains("+elected-leader") }.count, 1, "\(sim.events)")
        XCTAssertEqual(sim.sentinels[0].masterAddress("mymaster"), m, "no hellos reached it")
    }

    func testSplitVoteResolvesInALaterEpoch() {
        // Two sentinels, quorum 1, cut off from each other: both start a failover in epoch 1
        // and vote for themselves; nobody has the majority (2 of 2). After the election
        // timeout both abort; with the link back, the one whose random retry comes first wins
        // epoch 2.
        let sim = makeSim(sentinels: 2, quorum: 1, failoverTimeout: 6000)
        sim.cut = [[0, 1]]
        sim.nodes[m]!.alive = false
        sim.run(for: 5000)
        XCTAssertTrue(sim.names(0).contains("+try-failover") && sim.names(1).contains("+try-failover"), "\(sim.events)")
        XCTAssertEqual(sim.sentinels.map { $0.vote("mymaster").0 }, sim.sentinels.map(\.myID), "each voted for itself")
        XCTAssertEqual(sim.sentinels.map { $0.vote("mymaster").1 }, [1, 1])
        sim.cut = []
        sim.run(for: 30_000)
        XCTAssertTrue(sim.events.joined().contains { $0.1.hasPrefix("-failover-abort-not-elected") })
        let leaders = sim.sentinels.indices.filter { sim.names($0).contains("+elected-leader") }
        XCTAssertEqual(leaders.count, 1, "\(sim.events)")
        for s in sim.sentinels {
            XCTAssertEqual(s.masterAddress("mymaster"), r2)
            XCTAssertEqual(s.configEpoch("mymaster"), 2, "won in the second epoch")
        }
    }

    func testLostMessagesNeverElectTwoLeadersInAnEpochAndTheFailoverCompletes() {
        // Most (60 %) of the votes, vote replies and hellos between sentinels vanish; over many
        // seeds every epoch still has at most one leader, and all sentinels end up agreeing on
        // the promoted replica (hellos repeat every 2 s, so the new config gets through).
        for seed in UInt64(1)...20 {
            let sim = makeSim(sentinels: 3, quorum: 2, failoverTimeout: 6000)
            sim.rng = SplitMix(seed)
            sim.lossRate = 0.6
            sim.nodes[m]!.alive = false
            sim.run(for: 90_000)
            var leaderOf: [UInt64: Int] = [:]
            for (i, epoch) in sim.elections {
                if let other = leaderOf[epoch] { XCTAssertEqual(other, i, "seed \(seed): two leaders in epoch \(epoch)") }
                leaderOf[epoch] = i
            }
            XCTAssertFalse(sim.elections.isEmpty, "seed \(seed): nobody was elected\n\(sim.events)")
            let promoted = sim.sentinels[0].masterAddress("mymaster")
            XCTAssertNotEqual(promoted, m, "seed \(seed)")
            for s in sim.sentinels { XCTAssertEqual(s.masterAddress("mymaster"), promoted, "seed \(seed)") }
            XCTAssertNil(promoted.flatMap { sim.nodes[$0]?.masterOf }, "seed \(seed): the promoted replica is a master")
        }
    }

    func testForcedFailoverNeedsNoAgreement() {
        let sim = makeSim()
        let r = sim.sentinels[0].forceFailover("mymaster", now: sim.now)
        XCTAssertNil(r.error)
        sim.deliver(0, r.actions)
        XCTAssertEqual(sim.sentinels[0].forceFailover("mymaster", now: sim.now).error, "INPROG Failover already in progress")
        sim.run(for: 30_000)
        XCTAssertTrue(sim.names(0).contains("+elected-leader"))
        XCTAssertFalse(sim.names(0).contains("+odown"))
        for s in sim.sentinels { XCTAssertEqual(s.masterAddress("mymaster"), r2) }
        XCTAssertEqual(sim.nodes[m]!.masterOf, r2, "the old (healthy) master was converted")
        XCTAssertEqual(sim.nodes[r1]!.masterOf, r2)
    }
}
