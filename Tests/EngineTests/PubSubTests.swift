import XCTest
@testable import Engine
import RESP

/// Several in-process clients on one engine: pub/sub needs more than the harness's one.
final class PubSubBench {
    let engine = Engine()
    init() { engine.now = 1_000_000_000 }

    func client(_ id: Int64, _ proto: RESPVersion = .v2) -> ClientState {
        let c = ClientState(id: id)
        c.proto = proto
        engine.clients[id] = c
        return c
    }

    /// Runs one command and returns everything `c` received since its last read.
    @discardableResult
    func run(_ c: ClientState, _ args: String...) -> String {
        Argv.with(args.map { Array($0.utf8) }) { engine.execute(c, $0) }
        return drain(c)
    }

    func drain(_ c: ClientState) -> String {
        let s = String(decoding: c.out.readableBytes, as: UTF8.self)
        c.out.clear()
        return s
    }
}

final class PubSubTests: XCTestCase {
    func testSubscribeRepliesCountChannelsAndPatterns() {
        let b = PubSubBench()
        let a = b.client(1)
        XCTAssertEqual(b.run(a, "SUBSCRIBE", "c1", "c2", "c1"),
                       "*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nc2\r\n:2\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:2\r\n")
        XCTAssertEqual(b.run(a, "PSUBSCRIBE", "p*"), "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n")
        // Shard channels are counted on their own.
        XCTAssertEqual(b.run(a, "SSUBSCRIBE", "s1"), "*3\r\n$10\r\nssubscribe\r\n$2\r\ns1\r\n:1\r\n")
        XCTAssertEqual(b.run(a, "UNSUBSCRIBE", "zz"), "*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:3\r\n")
        XCTAssertEqual(b.run(a, "SUNSUBSCRIBE"), "*3\r\n$12\r\nsunsubscribe\r\n$2\r\ns1\r\n:0\r\n")
        XCTAssertEqual(b.run(a, "UNSUBSCRIBE"),
                       "*3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:2\r\n*3\r\n$11\r\nunsubscribe\r\n$2\r\nc2\r\n:1\r\n")
        XCTAssertNotNil(a.pubsub)
        XCTAssertEqual(b.run(a, "PUNSUBSCRIBE"), "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n")
        XCTAssertNil(a.pubsub, "no subscription left: out of pub/sub mode")
        XCTAssertEqual(b.engine.pubsub.channelCount + b.engine.pubsub.patternCount + b.engine.pubsub.shardChannelCount, 0)
    }

    func testUnsubscribeWithNothingRepliesNullChannel() {
        let b = PubSubBench()
        let a = b.client(1), r3 = b.client(2, .v3)
        XCTAssertEqual(b.run(a, "UNSUBSCRIBE"), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n")
        XCTAssertEqual(b.run(a, "PUNSUBSCRIBE"), "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n")
        XCTAssertEqual(b.run(r3, "SUNSUBSCRIBE"), ">3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n")
        XCTAssertNil(a.pubsub)
    }

    func testPublishDeliversInSubscriptionOrderThenPatterns() {
        let b = PubSubBench()
        let p = b.client(1), a = b.client(2), c = b.client(3, .v3)
        b.run(c, "SUBSCRIBE", "news")
        b.run(a, "SUBSCRIBE", "news")
        b.run(a, "PSUBSCRIBE", "n*", "x")
        b.run(c, "PSUBSCRIBE", "ne[wx]s")
        XCTAssertEqual(b.run(p, "PUBLISH", "news", "hi"), ":4\r\n")
        XCTAssertEqual(b.drain(a), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
                       + "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n")
        XCTAssertEqual(b.drain(c), ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
                       + ">4\r\n$8\r\npmessage\r\n$7\r\nne[wx]s\r\n$4\r\nnews\r\n$2\r\nhi\r\n")
        // Both subscribers are handed to the server once for flushing, in delivery order.
        XCTAssertEqual(b.engine.pubsub.takeWritten().map(\.id), [3, 2])
        XCTAssertEqual(b.engine.pubsub.takeWritten().count, 0)
        XCTAssertEqual(b.run(p, "PUBLISH", "other", "x"), ":0\r\n")
        XCTAssertEqual(b.drain(a), "")
    }

    func testShardChannelsAreASeparateNamespaceWithoutPatterns() {
        let b = PubSubBench()
        let p = b.client(1), a = b.client(2)
        b.run(a, "SSUBSCRIBE", "ch")
        b.run(a, "PSUBSCRIBE", "*")
        XCTAssertEqual(b.run(p, "SPUBLISH", "ch", "m"), ":1\r\n")
        XCTAssertEqual(b.drain(a), "*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$1\r\nm\r\n")
        XCTAssertEqual(b.run(p, "PUBLISH", "ch", "m"), ":1\r\n")
        XCTAssertEqual(b.drain(a), "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$2\r\nch\r\n$1\r\nm\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "SHARDNUMSUB", "ch", "x"), "*4\r\n$2\r\nch\r\n:1\r\n$1\r\nx\r\n:0\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "NUMSUB", "ch"), "*2\r\n$2\r\nch\r\n:0\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "SHARDCHANNELS"), "*1\r\n$2\r\nch\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "CHANNELS"), "*0\r\n")
    }

    func testSubscribedModeRestrictsRESP2Only() {
        let b = PubSubBench()
        let a = b.client(1), r3 = b.client(2, .v3)
        b.run(a, "SUBSCRIBE", "c")
        b.run(r3, "SUBSCRIBE", "c")
        XCTAssertEqual(b.run(a, "GET", "k"),
                       "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n")
        XCTAssertEqual(b.run(a, "CONFIG", "GET", "x"),
                       "-ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n")
        // Unknown commands and arity are checked first, as in processCommand.
        XCTAssertEqual(b.run(a, "GET"), "-ERR wrong number of arguments for 'get' command\r\n")
        XCTAssertEqual(b.run(a, "PING"), "*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        XCTAssertEqual(b.run(a, "PING", "hi"), "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n")
        XCTAssertEqual(b.run(r3, "GET", "k"), "_\r\n")
        XCTAssertEqual(b.run(r3, "PING"), "+PONG\r\n")
        XCTAssertEqual(b.engine.table.lookup("get")!.stats.rejected, 2, "the context error and the arity error")
        b.run(a, "UNSUBSCRIBE")
        XCTAssertEqual(b.run(a, "GET", "k"), "$-1\r\n")
        XCTAssertEqual(b.run(a, "PING"), "+PONG\r\n")
    }

    func testResetAndDisconnectDropEverySubscription() {
        let b = PubSubBench()
        let p = b.client(1), a = b.client(2), g = b.client(3)
        b.run(a, "SUBSCRIBE", "c1", "c2")
        b.run(a, "PSUBSCRIBE", "c*")
        b.run(a, "SSUBSCRIBE", "s")
        b.run(g, "SUBSCRIBE", "c1")
        b.run(g, "PSUBSCRIBE", "c*")
        XCTAssertEqual(b.run(a, "RESET"), "+RESET\r\n")
        XCTAssertNil(a.pubsub)
        b.engine.pubsubClientGone(g)
        XCTAssertNil(g.pubsub)
        XCTAssertEqual(b.run(p, "PUBLISH", "c1", "x"), ":0\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "NUMPAT"), ":0\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "CHANNELS"), "*0\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "SHARDCHANNELS"), "*0\r\n")
        XCTAssertEqual(b.drain(a) + b.drain(g), "")
    }

    func testPubsubIntrospection() {
        let b = PubSubBench()
        let p = b.client(1), a = b.client(2), c = b.client(3)
        b.run(a, "SUBSCRIBE", "news.art", "news.music", "sport")
        b.run(c, "SUBSCRIBE", "news.art")
        b.run(a, "PSUBSCRIBE", "x*", "y*")
        b.run(c, "PSUBSCRIBE", "x*")
        XCTAssertEqual(b.run(p, "PUBSUB", "CHANNELS"), "*3\r\n$8\r\nnews.art\r\n$10\r\nnews.music\r\n$5\r\nsport\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "CHANNELS", "news.*"), "*2\r\n$8\r\nnews.art\r\n$10\r\nnews.music\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "NUMSUB", "news.art", "sport", "none"),
                       "*6\r\n$8\r\nnews.art\r\n:2\r\n$5\r\nsport\r\n:1\r\n$4\r\nnone\r\n:0\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "NUMSUB"), "*0\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "NUMPAT"), ":2\r\n", "unique patterns, as 7.0 counts them")
        XCTAssertEqual(b.run(p, "PUBSUB", "CHANNELS", "a", "b"),
                       "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "NUMPAT", "x"), "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n")
        XCTAssertEqual(b.run(p, "PUBSUB", "FOO"), "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n")
        XCTAssertTrue(b.run(p, "PUBSUB", "HELP").hasPrefix("*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"))

        let info = b.run(p, "INFO", "stats")
        XCTAssertTrue(info.contains("pubsub_channels:3\r\npubsub_patterns:2\r\npubsubshard_channels:0\r\n"), info)
        let list = b.run(p, "CLIENT", "LIST")
        XCTAssertTrue(list.contains("id=2 addr= laddr= fd=-1 name= age=0 idle=0 flags=P db=0 sub=3 psub=2 ssub=0 "), list)
        XCTAssertTrue(list.contains("id=1 addr= laddr= fd=-1 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 "), list)
        XCTAssertEqual(b.run(p, "CLIENT", "KILL", "TYPE", "pubsub"), ":2\r\n")
        XCTAssertTrue(a.closeASAP && c.closeASAP && !p.closeASAP)
    }

    func testSsubscribeRefusedWhenClientMayNotBlock() {
        let b = PubSubBench()
        let a = b.client(1)
        a.denyBlocking = true
        XCTAssertEqual(b.run(a, "SSUBSCRIBE", "s"), "-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n")
        XCTAssertNil(a.pubsub)
    }

    func testHardOutputLimitMarksSubscriberForClosing() {
        let b = PubSubBench()
        let p = b.client(1), a = b.client(2)
        XCTAssertEqual(b.run(p, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 100 0 0"), "+OK\r\n")
        b.run(a, "SUBSCRIBE", "c")
        _ = b.drain(a)
        XCTAssertEqual(b.run(p, "PUBLISH", "c", String(repeating: "x", count: 40)), ":1\r\n")
        XCTAssertFalse(a.closeASAP)
        XCTAssertEqual(b.run(p, "PUBLISH", "c", String(repeating: "x", count: 40)), ":1\r\n")
        XCTAssertTrue(a.closeASAP, "\(a.out.readableCount) bytes pending >= 100")
        // A client scheduled for closing gets nothing more, but still counts as a receiver.
        let pending = a.out.readableCount
        XCTAssertEqual(b.run(p, "PUBLISH", "c", "more"), ":1\r\n")
        XCTAssertEqual(a.out.readableCount, pending)
    }

    func testSoftOutputLimitNeedsToLastLongerThanItsSeconds() {
        let b = PubSubBench()
        let p = b.client(1), a = b.client(2)
        b.run(p, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 100 10")
        b.run(a, "SUBSCRIBE", "c")
        _ = b.drain(a)
        let big = String(repeating: "x", count: 120)
        b.run(p, "PUBLISH", "c", big)
        XCTAssertFalse(a.closeASAP)
        XCTAssertEqual(a.outputSoftLimitSince, b.engine.now / 1000)
        b.engine.now += 10_000
        b.run(p, "PUBLISH", "c", "y")
        XCTAssertFalse(a.closeASAP, "10 s over the soft limit is still within soft_seconds")
        // Draining below the limit resets the timer.
        _ = b.drain(a)
        b.run(p, "PUBLISH", "c", "y")
        XCTAssertEqual(a.outputSoftLimitSince, 0)
        b.run(p, "PUBLISH", "c", big)
        b.engine.now += 11_000
        b.run(p, "PUBLISH", "c", "y")
        XCTAssertTrue(a.closeASAP)
    }

    func testPatternsUseRedisGlobRules() {
        let b = PubSubBench()
        let p = b.client(1), a = b.client(2)
        b.run(a, "PSUBSCRIBE", "h?llo", "h[^e]llo", "a\\*b")
        XCTAssertEqual(b.run(p, "PUBLISH", "hallo", ""), ":2\r\n")
        XCTAssertEqual(b.run(p, "PUBLISH", "hello", ""), ":1\r\n")
        XCTAssertEqual(b.run(p, "PUBLISH", "a*b", ""), ":1\r\n")
        XCTAssertEqual(b.run(p, "PUBLISH", "axb", ""), ":0\r\n")
        XCTAssertEqual(b.run(p, "PUBLISH", "HELLO", ""), ":0\r\n", "case-sensitive")
    }

    func testOrderedTableMatchesAModel() {
        var t = OrderedTable<Int, Int>()
        var model: [(Int, Int)] = []
        var rng = SystemRandomNumberGenerator()
        for step in 0..<5000 {
            let k = Int.random(in: 0..<200, using: &rng)
            if Bool.random(using: &rng) {
                let inserted = t.insert(k, step)
                XCTAssertEqual(inserted, !model.contains { $0.0 == k })
                if inserted { model.append((k, step)) }
            } else {
                let removed = t.remove(k)
                let i = model.firstIndex { $0.0 == k }
                XCTAssertEqual(removed, i.map { model[$0].1 })
                if let i { model.remove(at: i) }
            }
            XCTAssertEqual(t.count, model.count)
        }
        XCTAssertEqual(t.keys, model.map(\.0))
        for (k, v) in model { XCTAssertEqual(t[k], v) }
    }
}
