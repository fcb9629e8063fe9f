// Sentinel mode's commands in-process (no sockets): the restricted table, SENTINEL reply
// shapes, the vote over IS-MASTER-DOWN-BY-ADDR, hellos PUBLISHed to us, DEBUG-VOTES, and the
// config lines from sentinel.conf directives back to a rewritten file.
import XCTest
@testable import Engine
import RESP

final class SentinelCommandsTests: XCTestCase {
    var performed: [SentinelAction] = []

    func makeHarness(_ extra: [String] = []) -> EngineHarness {
        let e = Engine()
        e.now = sentinelT0
        let dirs = (["sentinel myid \(sid("a"))", "sentinel monitor mymaster 127.0.0.1 6379 2",
                     "sentinel down-after-milliseconds mymaster 1000"] + extra).enumerated().map { i, l in
            let w = l.split(separator: " ").map(String.init)
            return ConfigDirective(name: w[0], args: Array(w.dropFirst()), line: i + 1, text: l)
        }
        guard case .success(let mode) = SentinelMode.load(dirs, port: 26379, now: sentinelT0) else {
            XCTFail("config refused"); return EngineHarness(engine: e)
        }
        mode.perform = { [unowned self] in self.performed += $0 }
        mode.flushConfig = { nil }
        e.enableSentinel(mode)
        return EngineHarness(engine: e)
    }

    /// The console reads a sentinel through ADMIN like any node: its document says "sentinel",
    /// and the events the server publishes for the core are in ADMIN EVENTS.
    func testAdminAnswersInSentinelModeWithTheSentinelsEvents() {
        let h = makeHarness()
        guard case .bulk(let doc) = h.run("ADMIN", "STATUS") else { return XCTFail("ADMIN STATUS refused") }
        let text = String(decoding: doc, as: UTF8.self)
        XCTAssertTrue(text.contains(#""role":"sentinel""#) && text.contains(#""mode":"sentinel""#), text)
        h.engine.publishSentinelEvent("+odown", "master mymaster 127.0.0.1 6379 #quorum 2/2")
        guard case .bulk(let ev) = h.run("ADMIN", "EVENTS") else { return XCTFail("ADMIN EVENTS refused") }
        XCTAssertTrue(String(decoding: ev, as: UTF8.self)
            .contains(#""kind":"sentinel","node":"127.0.0.1:0","message":"+odown master mymaster 127.0.0.1 6379 #quorum 2/2"}"#),
                      String(decoding: ev, as: UTF8.self))
    }

    func testDataCommandsAreUnknownAndSentinelOnesAnswer() {
        let h = makeHarness()
        XCTAssertEqual(h.raw(["SET", "k", "v"]), "-ERR unknown command 'SET', with args beginning with: 'k' 'v' \r\n")
        XCTAssertEqual(h.raw(["CONFIG", "GET", "port"]), "-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' \r\n")
        XCTAssertEqual(h.raw(["PUBLISH", "x", "y"]), "-ERR Only HELLO messages are accepted by Sentinel instances.\r\n")
        XCTAssertEqual(h.raw(["ROLE"]), "*2\r\n$8\r\nsentinel\r\n*1\r\n$8\r\nmymaster\r\n")
        XCTAssertEqual(h.raw(["PING"]), "+PONG\r\n")
        XCTAssertTrue(h.raw(["HELLO", "3"]).hasPrefix("%6\r\n"), "no role field in sentinel mode")
        h.client.proto = .v2
        XCTAssertEqual(h.raw(["SENTINEL", "MYID"]), "$40\r\n\(sid("a"))\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]), "*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6379\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "x"]), "*-1\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "NOPE"]), "-ERR unknown subcommand 'NOPE'. Try SENTINEL HELP.\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "MONITOR", "mymaster", "127.0.0.1", "1", "1"]), "-ERR Duplicate master name.\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "SET", "mymaster", "quorum", "0"]), "-ERR Invalid argument '0' for SENTINEL SET 'quorum'\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "CKQUORUM", "mymaster"]),
                       "-NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master\r\n")
        XCTAssertTrue(h.raw(["INFO"]).contains("master0:name=mymaster,status=ok,address=127.0.0.1:6379,slaves=0,sentinels=1\r\n"))
        XCTAssertTrue(h.raw(["INFO", "server"]).contains("redis_mode:sentinel\r\n"))
    }

    func testMasterFieldsInRedisOrder() {
        let h = makeHarness()
        guard case .array(let a) = h.run("SENTINEL", "MASTER", "mymaster") else { return XCTFail() }
        let names = stride(from: 0, to: a.count, by: 2).map { i -> String in
            if case .bulk(let b) = a[i] { return String(decoding: b, as: UTF8.self) } else { return "?" }
        }
        XCTAssertEqual(names, ["name", "ip", "port", "runid", "flags", "link-pending-commands", "link-refcount",
                               "last-ping-sent", "last-ok-ping-reply", "last-ping-reply", "down-after-milliseconds",
                               "info-refresh", "role-reported", "role-reported-time", "config-epoch", "num-slaves",
                               "num-other-sentinels", "quorum", "failover-timeout", "parallel-syncs"])
    }

    func testVoteThroughIsMasterDownByAddrAndTheVoteHistory() {
        let h = makeHarness()
        XCTAssertEqual(h.raw(["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "5", sid("b")]),
                       "*3\r\n:0\r\n$40\r\n\(sid("b"))\r\n:5\r\n")
        // First come, first served: another candidate in the same epoch gets b's id back.
        XCTAssertEqual(h.raw(["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "6379", "5", sid("c")]),
                       "*3\r\n:0\r\n$40\r\n\(sid("b"))\r\n:5\r\n")
        XCTAssertEqual(eventNames(performed), ["+new-epoch", "+vote-for-leader"])
        let v = h.raw(["SENTINEL", "DEBUG-VOTES", "mymaster"])
        XCTAssertTrue(v.hasPrefix("*6\r\n$13\r\ncurrent-epoch\r\n:5\r\n"), v)
        XCTAssertTrue(v.contains("$5\r\nvoter\r\n$40\r\n\(sid("a"))\r\n$9\r\ncandidate\r\n$40\r\n\(sid("b"))\r\n"), v)
        XCTAssertEqual(h.raw(["SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "x", "5", "*"]),
                       "-ERR value is not an integer or out of range\r\n")
    }

    func testHelloPublishedToUsAddsThePeer() {
        let h = makeHarness()
        XCTAssertEqual(h.raw(["PUBLISH", "__sentinel__:hello", "127.0.0.1,26380,\(sid("b")),0,mymaster,127.0.0.1,6379,0"]), ":1\r\n")
        XCTAssertEqual(eventNames(performed), ["+sentinel"])
        let s = h.raw(["SENTINEL", "SENTINELS", "mymaster"])
        XCTAssertTrue(s.hasPrefix("*1\r\n*"), s)
        XCTAssertTrue(s.contains("$5\r\nflags\r\n$8\r\nsentinel\r\n"), s)
        XCTAssertTrue(s.contains("$12\r\nvoted-leader\r\n$1\r\n?\r\n"), s)
        XCTAssertTrue(h.raw(["SENTINEL", "CKQUORUM", "mymaster"]).hasPrefix("+OK 2 usable Sentinels."))
    }

    func testConfigDirectivesAndRewriteInPlace() {
        let h = makeHarness(["sentinel auth-pass mymaster s3cret", "sentinel announce-ip 10.0.0.9", "sentinel current-epoch 7"])
        let mode = h.engine.sentinel!
        XCTAssertEqual(mode.core.announce, SentinelAddress("10.0.0.9", 26379))
        XCTAssertEqual(mode.configLines(), [
            "sentinel myid \(sid("a"))", "sentinel announce-ip 10.0.0.9",
            "sentinel monitor mymaster 127.0.0.1 6379 2", "sentinel auth-pass mymaster s3cret",
            "sentinel down-after-milliseconds mymaster 1000",
            "sentinel config-epoch mymaster 0", "sentinel leader-epoch mymaster 0", "sentinel current-epoch 7",
        ])
        let old = "port 26379\n# keep me\nsentinel monitor mymaster 127.0.0.1 6379 2\nsentinel bogus-old 1\n"
        let text = h.engine.config.rewrittenConfig(old: old)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[1], "# keep me")
        XCTAssertEqual(lines[2], "sentinel myid \(sid("a"))", "the first sentinel line's place is reused")
        XCTAssertFalse(text.contains("bogus-old"))
        XCTAssertEqual(lines.filter { $0.hasPrefix("sentinel ") }, mode.configLines())
        // A malformed myid is refused with Redis's message.
        let bad = ConfigDirective(name: "sentinel", args: ["myid", "xyz"], line: 1, text: "sentinel myid xyz")
        guard case .failure(let e) = SentinelMode.load([bad], port: 26379, now: 0) else { return XCTFail() }
        XCTAssertEqual(e.message, "Malformed Sentinel id in myid option.")
    }

    func testMonitorSetResetRemoveChangeTheConfigLines() {
        let h = makeHarness()
        let mode = h.engine.sentinel!
        var flushes = 0
        mode.flushConfig = { flushes += 1; return nil }
        XCTAssertEqual(h.raw(["SENTINEL", "MONITOR", "other", "10.0.0.2", "7000", "1"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "MONITOR", "bad", "10.0.0.2", "7000", "0"]), "-ERR Quorum must be 1 or greater.\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "MONITOR", "bad", "no.such.host", "7000", "1"]), "-ERR Can't resolve instance hostname.\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "SET", "other", "down-after-milliseconds", "1500", "quorum", "2"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "SET", "other", "auth-pass", "pw"]), "+OK\r\n")
        XCTAssertTrue(mode.configLines().contains("sentinel monitor other 10.0.0.2 7000 2"))
        XCTAssertTrue(mode.configLines().contains("sentinel down-after-milliseconds other 1500"))
        XCTAssertTrue(mode.configLines().contains("sentinel auth-pass other pw"))
        XCTAssertEqual(eventNames(performed), ["+monitor", "+set", "+set", "+set"])
        _ = mode.core.infoReply(SentinelInstanceID(master: "other", role: .master, addr: SentinelAddress("10.0.0.2", 7000)),
                                text: "role:master\r\nslave0:ip=10.0.0.3,port=7001,state=online,offset=1,lag=0\r\n", now: sentinelT0)
        XCTAssertTrue(mode.configLines().contains("sentinel known-replica other 10.0.0.3 7001"))
        XCTAssertEqual(h.raw(["SENTINEL", "RESET", "oth*"]), ":1\r\n")
        XCTAssertFalse(mode.configLines().contains { $0.hasPrefix("sentinel known-replica other") })
        XCTAssertEqual(h.raw(["SENTINEL", "REMOVE", "other"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "REMOVE", "other"]), "-ERR No such master with that name\r\n")
        XCTAssertFalse(mode.configLines().contains { $0.contains(" other ") })
        XCTAssertEqual(h.raw(["ROLE"]), "*2\r\n$8\r\nsentinel\r\n*1\r\n$8\r\nmymaster\r\n")
        XCTAssertGreaterThanOrEqual(flushes, 4, "every change is written to the config file")
        XCTAssertEqual(h.raw(["SENTINEL", "FLUSHCONFIG"]), "+OK\r\n")
    }

    func testConfigGetSetOfTheSentinelWideOptions() {
        let h = makeHarness()
        XCTAssertEqual(h.raw(["SENTINEL", "CONFIG", "GET", "resolve*"]), "*2\r\n$17\r\nresolve-hostnames\r\n$2\r\nno\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "CONFIG", "SET", "announce-port", "1234"]), "+OK\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "CONFIG", "GET", "announce-port"]), "*2\r\n$13\r\nannounce-port\r\n$4\r\n1234\r\n")
        XCTAssertEqual(h.engine.sentinel!.core.announce.port, 1234, "hellos announce the new port")
        XCTAssertTrue(h.engine.sentinel!.configLines().contains("sentinel announce-port 1234"))
        XCTAssertEqual(h.raw(["SENTINEL", "CONFIG", "SET", "bogus", "1"]), "-ERR Invalid argument 'bogus' to SENTINEL CONFIG SET\r\n")
        XCTAssertEqual(h.raw(["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "maybe"]),
                       "-ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'\r\n")
    }

    func testUnannouncedReplicasAreCountedButNotListed() {
        let h = makeHarness()
        let core = h.engine.sentinel!.core
        let m = SentinelInstanceID(master: "mymaster", role: .master, addr: masterAddr)
        _ = core.infoReply(m, text: "role:master\r\nslave0:ip=127.0.0.1,port=6380,state=online,offset=1,lag=0\r\n"
                           + "slave1:ip=127.0.0.1,port=6381,state=online,offset=1,lag=0\r\n", now: sentinelT0)
        let hidden = SentinelInstanceID(master: "mymaster", role: .replica, addr: SentinelAddress("127.0.0.1", 6381))
        _ = core.infoReply(hidden, text: "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nreplica_announced:0\r\n", now: sentinelT0)
        let r = h.raw(["SENTINEL", "REPLICAS", "mymaster"])
        XCTAssertTrue(r.hasPrefix("*1\r\n") && r.contains("127.0.0.1:6380") && !r.contains("6381"), r)
        XCTAssertTrue(h.raw(["SENTINEL", "MASTER", "mymaster"]).contains("$10\r\nnum-slaves\r\n$1\r\n2\r\n"))
    }
}
