import XCTest
import Admin
@testable import Console

/// Snapshot in, text grid out: the views as an operator sees them, no terminal involved.
final class GoldenTests: XCTestCase {
    let snap = Fixtures.snapshot()

    func render(_ s: UIState, _ w: Int = 80, _ h: Int = 24, glyphs: Glyphs = .ascii) -> String {
        Screen.render(snap, s, width: w, height: h, glyphs: glyphs).text
    }

    func lines(_ s: UIState, _ range: Range<Int>, _ w: Int = 80, glyphs: Glyphs = .ascii) -> String {
        render(s, w, glyphs: glyphs).split(separator: "\n", omittingEmptySubsequences: false)[range].joined(separator: "\n")
    }

    func check(_ got: String, _ want: String, file: StaticString = #filePath, line: UInt = #line) {
        if got != want { print("----- got -----\n\(got)\n---------------") }
        XCTAssertEqual(got, want, file: file, line: line)
    }

    @discardableResult
    func keys(_ s: inout UIState, _ ks: [Key]) -> [Effect] {
        ks.flatMap { Reducer.reduce(&s, $0, snap) }
    }

    func typed(_ text: String) -> [Key] { text.map { Key.char($0) } }

    func testOverviewAt80x24() {
        check(render(UIState()), """
             keyward > Overview  seed 127.0.0.1:7000                ! DEGRADED  1s 00:55:23
              1 Overview   2 Replication   3 Sentinel   4 Locks   5 Events   6 Slots

             NODE                      ROLE     HEALTH    CONN  MEMORY  OPS/S   KEYS SOURCE
             127.0.0.1:7000            master   ! LAG       12    3.3M   1234  15.0k admin
             |- 127.0.0.1:7001         replica  * OK         2    3.2M      3  15.0k info
             `- 127.0.0.1:7002         replica  ! LAG        2    3.2M      3  15.0k info
             127.0.0.1:7003            unknown  X DOWN       -       -      -      - -
            """ + String(repeating: "\n", count: 14) + """

             127.0.0.1:7003 unreachable: timed out (+1 more)
             ?Help 1-6Views jkMove EnterDetail /Filter sSort pPause +-Rate :Cmd bBGSAVE
            """)
        let grid = Screen.render(snap, UIState(), width: 80, height: 24, glyphs: .ascii)
        XCTAssertEqual(grid[1, 4].style, .selected, "first row selected")
        XCTAssertEqual(grid[1, 0].style, .header)
    }

    func testReplicationShowsLagAndFullResyncPredictorInUnicode() {
        var s = UIState()
        keys(&s, [.char("2")])
        // 7002's lag grew since the last poll (↑, failure colour) and it is already out of the backlog.
        check(lines(s, 0..<7, glyphs: .unicode), """
             keyward ▸ Replication  seed 127.0.0.1:7000             ▲ DEGRADED  1s 00:55:23
              1 Overview   2 Replication   3 Sentinel   4 Locks   5 Events   6 Slots

             127.0.0.1:7000 offset 5000000, backlog 1.0M/1.0M
             REPLICA         MASTER          STATE  LINK   OFFSET    LAG LAG T HEADROOM
             127.0.0.1:7001  127.0.0.1:7000  online up    5000000     0B    0s █████ 1.0M
             127.0.0.1:7002  127.0.0.1:7000  online up    3000000  1.9M↑   25s FULL RESYNC
            """)
    }

    func testEnterOpensNodeDetailWithBreadcrumbAndEscGoesBack() {
        var s = UIState()
        keys(&s, [.down, .down, .enter])
        XCTAssertEqual(s.view, .node)
        XCTAssertEqual(s.nodeAddress, "127.0.0.1:7002")
        check(lines(s, 0..<1) + "\n" + lines(s, 3..<9), """
             keyward > Overview > 127.0.0.1:7002                    ! DEGRADED  1s 00:55:23
             node          127.0.0.1:7002  ! LAG
             role          replica
             clients       2 connected, 0 blocked, max 10000
             memory        used 3.2M, rss 7.6M, peak 3.2M, no maxmemory
             ops           3/s, 0 commands, hits 0 / misses 0
             keyspace      db0 15000 keys (10 volatile)
            """)
        keys(&s, [.escape])
        XCTAssertEqual(s.view, .overview)
        keys(&s, typed(":node 127.0.0.1:7003") + [.enter])
        check(lines(s, 3..<5), """
             node          127.0.0.1:7003  X DOWN
             error         timed out
            """)
    }

    func testEveryViewRendersAt80x24AndAfterResizeTo120x40() {
        for v in ViewID.allCases {
            var s = UIState()
            s.view = v
            s.nodeAddress = "127.0.0.1:7000"
            for (w, h) in [(80, 24), (120, 40), (30, 8)] {
                let g = Screen.render(snap, s, width: w, height: h, glyphs: .unicode)
                XCTAssertEqual(g.text.split(separator: "\n", omittingEmptySubsequences: false).count, h)
                XCTAssertTrue(g.text.split(separator: "\n").allSatisfy { displayWidth(String($0)) <= w }, "\(v) \(w)x\(h)")
            }
        }
        XCTAssertEqual(Screen.render(snap, UIState(), width: 10, height: 3, glyphs: .ascii).text, "keyward: t\n\n")
    }

    func testHelpOverlayListsTheViewsKeysAndAnyKeyClosesIt() {
        var s = UIState()
        keys(&s, [.char("?")])
        let text = render(s)
        XCTAssertTrue(text.contains("| Keys: Overview"), text)
        XCTAssertTrue(text.contains("b / w / F         BGSAVE / BGREWRITEAOF / FAILOVER"), text)
        XCTAssertTrue(text.contains("+-----"), text)
        keys(&s, [.char("x")])
        XCTAssertFalse(s.showHelp)
        XCTAssertEqual(s.view, .overview)
    }

    func testFilterAndSort() {
        var s = UIState()
        keys(&s, [.char("/")] + typed("700") + [.backspace] + typed("02") + [.enter])
        XCTAssertEqual(s.filter, "7002")
        XCTAssertEqual(lines(s, 4..<6), " `- 127.0.0.1:7002         replica  ! LAG        2    3.2M      3  15.0k info\n")
        XCTAssertEqual(lines(s, 22..<23), " filter /7002  (Esc clears)")
        keys(&s, [.escape])
        XCTAssertEqual(s.filter, "")
        // s cycles the sort column (NODE, ROLE, HEALTH, CONN ...); S reverses.
        keys(&s, [.char("s"), .char("s"), .char("s"), .char("S")])
        XCTAssertEqual(s.sortColumn, 2)
        check(lines(s, 3..<8), """
             NODE                      ROLE     HEALTHv   CONN  MEMORY  OPS/S   KEYS SOURCE
             127.0.0.1:7003            unknown  X DOWN       -       -      -      - -
             127.0.0.1:7000            master   ! LAG       12    3.3M   1234  15.0k admin
             `- 127.0.0.1:7002         replica  ! LAG        2    3.2M      3  15.0k info
             |- 127.0.0.1:7001         replica  * OK         2    3.2M      3  15.0k info
            """)
    }

    func testConfirmedBGSAVEBecomesAnEffectAndCancelDoesNot() {
        var s = UIState()
        keys(&s, [.char("j"), .char("b")])
        XCTAssertEqual(lines(s, 22..<23), " BGSAVE on 127.0.0.1:7001? [y/N]")
        XCTAssertEqual(keys(&s, [.char("y")]), [.run(node: "127.0.0.1:7001", args: ["BGSAVE"], label: "BGSAVE")])
        keys(&s, [.char("b")])
        XCTAssertEqual(keys(&s, [.char("n")]), [])
        XCTAssertEqual(s.message, "BGSAVE cancelled")
        // FAILOVER on a replica is FAILOVER TO it, sent to its master.
        keys(&s, [.char("F")])
        XCTAssertEqual(keys(&s, [.char("y")]), [.run(node: "127.0.0.1:7000", args: ["FAILOVER", "TO", "127.0.0.1", "7001"], label: "FAILOVER TO 127.0.0.1:7001")])
    }

    func testReadOnlyRefusesAdminActions() {
        var s = UIState(readOnly: true)
        for k in ["b", "w", "F"] { XCTAssertEqual(keys(&s, [.char(Character(k))]), []) }
        XCTAssertNil(s.confirm)
        XCTAssertEqual(s.message, "read-only mode: FAILOVER refused")
        XCTAssertTrue(lines(s, 0..<1).contains("[read-only]"))
    }

    func testCommandLinePauseAndRefreshRate() {
        var s = UIState()
        XCTAssertEqual(keys(&s, typed(":refresh 2") + [.enter]), [.refreshChanged(2)])
        XCTAssertEqual(keys(&s, [.char("+")]), [.refreshChanged(1)])
        XCTAssertEqual(keys(&s, [.char("-"), .char("-")]), [.refreshChanged(2), .refreshChanged(5)])
        keys(&s, [.char("p")])
        XCTAssertTrue(s.paused)
        XCTAssertTrue(lines(s, 0..<1).hasSuffix("! DEGRADED  PAUSED 5s 00:55:23"), lines(s, 0..<1))
        keys(&s, typed(":view repl") + [.enter])
        XCTAssertEqual(s.view, .replication)
        keys(&s, typed(":slot 1234") + [.enter])
        XCTAssertEqual(s.view, .slots)
        XCTAssertEqual(s.message, "slot 1234: no cluster data (not a cluster, or the slot is uncovered)")
        keys(&s, typed(":bogus") + [.enter])
        XCTAssertEqual(s.message, "unknown command :bogus (try ? for help)")
        XCTAssertEqual(keys(&s, typed(":q") + [.enter]), [.quit])
        XCTAssertEqual(keys(&s, [.interrupt]), [.quit])
    }

    func testTabsCycleAndNumberKeysJump() {
        var s = UIState()
        keys(&s, [.tab, .tab])
        XCTAssertEqual(s.view, .sentinel)
        keys(&s, [.backTab, .char("5")])
        XCTAssertEqual(s.view, .events)
        check(lines(s, 3..<6), """
             TIME     NODE                  KIND        MESSAGE
             00:55:00 127.0.0.1:7003        unreachable no reply: timed out
             00:53:20 127.0.0.1:7000        role        role replica -> master
            """)
        keys(&s, [.char("G")])
        XCTAssertEqual(s.selection, 1)
        keys(&s, [.char("g")])
        XCTAssertEqual(s.selection, 0)
    }
}

final class SentinelGoldenTests: XCTestCase {
    func testSentinelViewShowsDownFlagsAndVotesPerEpoch() {
        var s1 = NodeStatus(address: "127.0.0.1:26379")
        s1.role = "sentinel"
        var m = SentinelMaster(fields: ["name": "mymaster", "ip": "127.0.0.1", "port": "7000", "flags": "o_down,master",
                                        "quorum": "2", "config-epoch": "3", "num-slaves": "2", "num-other-sentinels": "2",
                                        "failover-state": "wait_start"])!
        m.sentinels = [SentinelPeer(fields: ["ip": "127.0.0.1", "port": "26380", "flags": "sentinel", "runid": "r2",
                                             "leader": "abcdef0123456789", "leader-epoch": "4"])!,
                       SentinelPeer(fields: ["ip": "127.0.0.1", "port": "26381", "flags": "s_down,sentinel",
                                             "leader": "?", "leader-epoch": "0"])!]
        s1.sentinel = SentinelView(masters: [m])
        var t = TopologyStatus(generatedAt: 0, seed: "127.0.0.1:26379", nodes: [], sentinels: [s1])
        t.assess()
        var s = UIState()
        s.view = .sentinel
        let text = Screen.render(ConsoleSnapshot(topology: t), s, width: 80, height: 24, glyphs: .ascii).text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[3..<7].joined(separator: "\n"), """
             MASTER     ADDRESS         FLAGS           QUORUM EPOCH VOTE/PEERS  FAILOVER
             mymaster   127.0.0.1:7000  o_down,master   q=2        3 2r 3s       wait_start
               sentinel 127.0.0.1:26380 sentinel                   4 abcdef01@4
               sentinel 127.0.0.1:26381 s_down,sentinel            0 -
            """)
        XCTAssertEqual(String(lines[22]), " sentinel: master mymaster at 127.0.0.1:7000 is o_down,master")
    }
}

final class TimeTravelTests: XCTestCase {
    func testPausedLeftRightStepThroughHistoryAndExportIsACommand() {
        let snap = Fixtures.snapshot()
        var s = UIState()
        s.historyCount = 3
        _ = Reducer.reduce(&s, .left, snap)
        XCTAssertEqual(s.view, .slots, "not paused: left switches views")
        s.view = .overview
        _ = Reducer.reduce(&s, .char("p"), snap)
        for _ in 0..<5 { _ = Reducer.reduce(&s, .left, snap) }
        XCTAssertEqual(s.historyBack, 2, "clamped to the oldest snapshot")
        XCTAssertEqual(s.message, "snapshot -2 of 3")
        let header = Screen.render(snap, s, width: 80, height: 24, glyphs: .ascii).text.split(separator: "\n")[0]
        XCTAssertEqual(String(header), (
            " keyward > Overview  seed 127.0.0.1:7000      ! DEGRADED  PAUSED -2 1s 00:55:23"))
        _ = Reducer.reduce(&s, .right, snap)
        XCTAssertEqual(s.historyBack, 1)
        XCTAssertEqual(s.view, .overview)
        _ = Reducer.reduce(&s, .char("p"), snap)
        XCTAssertEqual(s.historyBack, 0)
        XCTAssertEqual(Reducer.command(&s, "export /tmp/x.jsonl", snap), [.export("/tmp/x.jsonl")])
    }
}

final class SlotsGoldenTests: XCTestCase {
    static let nodesText = """
        aaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191 [100->-bbb]
        bbb 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-12287 [100-<-aaa]
        ccc 127.0.0.1:7002@17002 master,fail? - 0 0 3 disconnected 12288-16000
        ddd 127.0.0.1:7003@17003 slave aaa 0 0 1 connected

        """

    func testParsesClusterNodes() {
        let c = ClusterView(nodesText: Self.nodesText, info: InfoText(parsing: "cluster_state:fail\ncluster_current_epoch:3\ncluster_slots_assigned:16001\n"))
        XCTAssertEqual(c.nodes.map(\.address), ["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003"])
        XCTAssertEqual(c.nodes[0].flags, ["master"])
        XCTAssertEqual(c.nodes[3].masterId, "aaa")
        XCTAssertEqual(c.nodes[2].slots, 3713)
        XCTAssertEqual(c.ranges.first, SlotRange(start: 0, end: 8191, owner: "127.0.0.1:7000"))
        XCTAssertEqual(c.migrating, [SlotMove(slot: 100, from: "127.0.0.1:7000", peerId: "bbb")])
        XCTAssertEqual(c.importing, [SlotMove(slot: 100, from: "127.0.0.1:7001", peerId: "aaa")])
        XCTAssertEqual(c.uncovered, 383)
        var n = NodeStatus(address: "127.0.0.1:7000")
        n.cluster = c
        var t = TopologyStatus(generatedAt: 0, seed: n.address, nodes: [n])
        t.assess()
        XCTAssertEqual(t.problems, ["cluster state is fail", "383 slot(s) not covered by any node",
                                    "cluster node 127.0.0.1:7002 flagged master,fail?"])
    }

    func testHeatmapShowsOwnersMovesAndUncoveredSlots() {
        var n = NodeStatus(address: "127.0.0.1:7000")
        n.cluster = ClusterView(nodesText: Self.nodesText, info: InfoText(parsing: "cluster_state:fail\ncluster_current_epoch:3\ncluster_slots_assigned:16001\n"))
        var t = TopologyStatus(generatedAt: 0, seed: n.address, nodes: [n])
        t.assess()
        var s = UIState()
        s.view = .slots
        let lines = Screen.render(ConsoleSnapshot(topology: t), s, width: 80, height: 24, glyphs: .ascii).text
            .split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[3..<16].joined(separator: "\n"), """
             cluster fail  epoch 3  16001/16384 assigned  3 masters  one cell = 32 slots
                  0 AAA~AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
               2048 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
               4096 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
               6144 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
               8192 BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
              10240 BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
              12288 CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC
              14336 CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC!!!!!!!!!!!!
             A 127.0.0.1:7000  8192 slots  0-8191  epoch 1
             B 127.0.0.1:7001  4096 slots  8192-12287  epoch 2
             C 127.0.0.1:7002  3713 slots  12288-16000  epoch 3  [fail?]
             ! uncovered 383   ~ migrating/importing 2
            """)
        var st = UIState()
        _ = Reducer.command(&st, "slot 9000", ConsoleSnapshot(topology: t))
        XCTAssertEqual(st.message, "slot 9000 is served by 127.0.0.1:7001")
    }
}

final class LocksGoldenTests: XCTestCase {
    func testLocksShowHolderLeaseTokenWaitersOrphansAndFailures() {
        let doc = Fixtures.locks(failures: """
            [{"lock":"orders","task":{"name":"nightly-billing"},"holders":[],"attempts":5,"time":1796000000000,
              "clientId":"c9","message":"gave up"}]
            """)
        var master = Fixtures.master()
        master.locks = doc
        var replica = Fixtures.replica(7001, offset: 0)
        replica.locks = doc   // replicas index the same keys: not listed twice
        let t = TopologyStatus(generatedAt: 0, seed: master.address, nodes: [master, replica])
        var s = UIState()
        s.view = .locks
        let lines = Screen.render(ConsoleSnapshot(topology: t), s, width: 80, height: 24, glyphs: .ascii).text
            .split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[3..<8].joined(separator: "\n"), """
             2 held; 1 failure(s), newest first:
             X 00:53:20 lock orders: task nightly-billing gave up after 5 tries
             LOCK                OWNER               RE LEASE LEFT    TOKEN WAIT OWNER CONN
             orders              c1:7                 2 ###.. 15.0s      42    3 alive
             report              c2:1                 1 ..... 2.5s        -    0 X ORPHAN
            """)
        let grid = Screen.render(ConsoleSnapshot(topology: t), s, width: 80, height: 24, glyphs: .ascii)
        XCTAssertEqual(grid[1, 4].style, .fail, "a failure is an alert")
        // The same locks in the Events view, as lock-failure events.
        XCTAssertEqual(Views.lockAlerts(t), [AdminEvent(time: 1_796_000_000_000, kind: "lock-failure", node: "127.0.0.1:7000",
                                                        message: "lock orders: task nightly-billing gave up after 5 tries")])
        var f = UIState()
        _ = Reducer.command(&f, "lock report", ConsoleSnapshot(topology: t))
        XCTAssertEqual(f.view, .locks)
        XCTAssertEqual(f.filter, "report")
    }
}

final class LeaseCountdownTests: XCTestCase {
    /// The lease column is a pure function of (snapshot, now): the polled lease minus the time
    /// since the node was polled, floored at zero; without a clock it shows the polled figure.
    func testLeaseBarCountsDownBetweenPolls() {
        let doc = JSONValue(parsing: """
            {"schema":1,"pattern":"*","locks":[
              {"name":"orders","db":0,"owners":[{"field":"c1:7","clientId":"c1","threadId":"7","reentrancy":1,"connection":"alive"}],
               "remainingLeaseMs":15000,"waiters":0},
              {"name":"report","db":0,"owners":[{"field":"c2:1","clientId":"c2","threadId":"1","reentrancy":1,"connection":"alive"}],
               "remainingLeaseMs":2500,"waiters":0}],
             "failures":[],"failureKey":"keyward:lock-failures","alertChannel":"keyward:lock-alerts"}
            """)!
        var master = Fixtures.master()
        master.locks = doc
        master.polledAt = 1_796_000_000_000
        let snap = ConsoleSnapshot(topology: TopologyStatus(generatedAt: 1_796_000_000_900, seed: master.address, nodes: [master]))
        var s = UIState()
        s.view = .locks
        func rows(_ now: Int64?) -> String {
            Screen.render(snap, s, width: 80, height: 24, glyphs: .ascii, now: now).text
                .split(separator: "\n", omittingEmptySubsequences: false)[5..<7].joined(separator: "\n")
        }
        XCTAssertEqual(rows(nil), """
             orders              c1:7                 1 ###.. 15.0s       -    0 alive
             report              c2:1                 1 ..... 2.5s        -    0 alive
            """)
        XCTAssertEqual(rows(1_796_000_006_000), """
             orders              c1:7                 1 ##... 9.0s        -    0 alive
             report              c2:1                 1 ..... 0.0s        -    0 alive
            """)
        // A clock behind the poll (another host's time) never adds lease.
        XCTAssertEqual(rows(1_795_999_999_000), rows(nil))
    }
}
