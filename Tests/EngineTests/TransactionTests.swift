// MULTI/EXEC/DISCARD/WATCH/UNWATCH in-process, replies as Redis 7.0.15 gives them (checked
// against a real server). WATCH races use two harnesses (two clients) on one engine; time is
// `engine.now`, never a sleep.
import XCTest
@testable import Engine
import RESP

final class TransactionTests: XCTestCase {
    let t0: Int64 = 1_700_000_000_000

    /// Client `a` and a second connection `b` on the same engine.
    func pair(proto: RESPVersion = .v2) -> (EngineHarness, EngineHarness) {
        let a = EngineHarness(proto: proto)
        a.engine.now = t0
        a.engine.activeExpire.clock = { 0 }
        return (a, EngineHarness(engine: a.engine, id: 2))
    }

    func expect(_ h: EngineHarness, _ args: [String], _ reply: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(h.raw(args), reply, "\(args)", file: file, line: line)
    }

    /// WATCH key, let `between` act, then MULTI PING EXEC: true when EXEC ran.
    func execRuns(_ a: EngineHarness, watch key: String = "x", _ between: () -> Void) -> Bool {
        expect(a, ["watch", key], "+OK\r\n")
        between()
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["ping"], "+QUEUED\r\n")
        let r = a.raw(["exec"])
        XCTAssertTrue(r == "*1\r\n+PONG\r\n" || r == "*-1\r\n", r)
        return r == "*1\r\n+PONG\r\n"
    }

    func testQueueAndExec() {
        let (a, _) = pair()
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["set", "x", "1"], "+QUEUED\r\n")
        expect(a, ["incr", "x"], "+QUEUED\r\n")
        expect(a, ["lpush", "x", "a"], "+QUEUED\r\n")
        expect(a, ["get", "x"], "+QUEUED\r\n")
        XCTAssertEqual(a.engine.dbs[0].count, 0, "nothing runs before EXEC")
        // A runtime error is that command's reply; the others still ran (no rollback).
        expect(a, ["exec"], "*4\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\n2\r\n")
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["exec"], "*0\r\n")
        XCTAssertNil(a.client.multi)
    }

    func testStateErrors() {
        let (a, _) = pair()
        expect(a, ["exec"], "-ERR EXEC without MULTI\r\n")
        expect(a, ["discard"], "-ERR DISCARD without MULTI\r\n")
        expect(a, ["multi"], "+OK\r\n")
        // These errors don't doom the transaction.
        expect(a, ["multi"], "-ERR MULTI calls can not be nested\r\n")
        expect(a, ["watch", "x"], "-ERR WATCH inside MULTI is not allowed\r\n")
        expect(a, ["set", "x", "1"], "+QUEUED\r\n")
        expect(a, ["exec"], "*1\r\n+OK\r\n")
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["set", "x", "2"], "+QUEUED\r\n")
        expect(a, ["discard"], "+OK\r\n")
        expect(a, ["get", "x"], "$1\r\n1\r\n")
    }

    func testQueueingErrorsAbortExec() {
        let (a, _) = pair()
        for bad in [["nosuch", "y"], ["get"], ["client", "nosuch"], ["shutdown"]] {
            expect(a, ["multi"], "+OK\r\n")
            expect(a, ["set", "x", "1"], "+QUEUED\r\n")
            XCTAssertTrue(a.raw(bad).hasPrefix("-ERR "), "\(bad)")
            expect(a, ["set", "y", "1"], "+QUEUED\r\n")
            XCTAssertEqual(a.client.multi?.count, 1, "nothing is queued once the transaction is doomed")
            expect(a, ["exec"], "-EXECABORT Transaction discarded because of previous errors.\r\n")
            expect(a, ["exists", "x", "y"], ":0\r\n")
        }
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["shutdown"], "-ERR Command not allowed inside a transaction\r\n")
        expect(a, ["discard"], "+OK\r\n")
        // A rejected EXEC ends the transaction at once and says why.
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["exec", "x"], "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n")
        expect(a, ["exec"], "-ERR EXEC without MULTI\r\n")
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["discard", "x"], "-ERR wrong number of arguments for 'discard' command\r\n")
        expect(a, ["exec"], "-EXECABORT Transaction discarded because of previous errors.\r\n")
        XCTAssertEqual(a.engine.stats.errorCodes["EXECABORT"], 6)
    }

    func testSelectAndUnwatchInside() {
        let (a, _) = pair()
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["select", "1"], "+QUEUED\r\n")
        expect(a, ["set", "y", "2"], "+QUEUED\r\n")
        expect(a, ["unwatch"], "+QUEUED\r\n")
        expect(a, ["exec"], "*3\r\n+OK\r\n+OK\r\n+OK\r\n")
        XCTAssertEqual(a.client.db, 1)
        expect(a, ["get", "y"], "$1\r\n2\r\n")
    }

    func testResp3Replies() {
        let (a, b) = pair(proto: .v3)
        expect(a, ["multi"], "+OK\r\n")
        expect(a, ["hset", "h", "a", "1"], "+QUEUED\r\n")
        expect(a, ["hgetall", "h"], "+QUEUED\r\n")
        expect(a, ["exec"], "*2\r\n:1\r\n%1\r\n$1\r\na\r\n$1\r\n1\r\n")
        expect(a, ["watch", "x"], "+OK\r\n")
        b.raw(["set", "x", "1"])
        a.raw(["multi"])
        expect(a, ["exec"], "_\r\n")
        a.raw(["multi"]); a.raw(["blpop", "l", "0"]); a.raw(["blmove", "l", "m", "left", "left", "0"])
        expect(a, ["exec"], "*2\r\n_\r\n_\r\n")
    }

    func testWatchWrites() {
        let (a, b) = pair()
        XCTAssertTrue(execRuns(a) {})
        XCTAssertFalse(execRuns(a) { b.raw(["set", "x", "1"]) })
        XCTAssertFalse(execRuns(a) { b.raw(["append", "x", "1"]) })
        XCTAssertTrue(execRuns(a) { b.raw(["set", "other", "1"]) })
        XCTAssertFalse(execRuns(a) { a.raw(["incr", "x"]) }, "the watcher's own writes count too")
        XCTAssertTrue(execRuns(a, watch: "nokey") { b.raw(["del", "nokey"]) }, "deleting a missing key changes nothing")
        // The same key name in another db is another key.
        XCTAssertTrue(execRuns(a) { b.raw(["select", "1"]); b.raw(["set", "x", "1"]); b.raw(["select", "0"]) })
        // EXEC and UNWATCH forget the keys.
        b.raw(["set", "x", "2"])
        XCTAssertTrue(execRuns(a) { a.raw(["unwatch"]); b.raw(["set", "x", "3"]) })
        XCTAssertTrue(a.engine.watches.clients.isEmpty)
        // DISCARD unwatches too.
        a.raw(["watch", "x"]); a.raw(["multi"]); a.raw(["discard"])
        b.raw(["set", "x", "4"])
        a.raw(["multi"])
        expect(a, ["exec"], "*0\r\n")
    }

    func testWatchFlushAndSwap() {
        let (a, b) = pair()
        XCTAssertTrue(execRuns(a) { b.raw(["flushall"]) }, "flushing a missing watched key is no change")
        b.raw(["set", "x", "1"])
        XCTAssertFalse(execRuns(a) { b.raw(["flushall"]) })
        b.raw(["set", "x", "1"])
        XCTAssertFalse(execRuns(a) { b.raw(["flushdb"]) })
        b.raw(["set", "x", "1"])
        XCTAssertTrue(execRuns(a) { b.raw(["select", "1"]); b.raw(["flushdb"]); b.raw(["select", "0"]) })
        b.raw(["flushall"])
        XCTAssertTrue(execRuns(a) { b.raw(["swapdb", "0", "1"]) }, "missing on both sides")
        b.raw(["select", "1"]); b.raw(["set", "x", "1"]); b.raw(["select", "0"])
        XCTAssertFalse(execRuns(a) { b.raw(["swapdb", "0", "1"]) }, "swapped in from the other db")
        XCTAssertFalse(execRuns(a) { b.raw(["swapdb", "0", "1"]) }, "swapped out to the other db")
        b.raw(["swapdb", "0", "1"])
        XCTAssertTrue(execRuns(a) { b.raw(["swapdb", "0", "0"]) })
    }

    func testWatchExpiry() {
        let (a, b) = pair()
        // A live key whose TTL passes before EXEC fails it, deleted or not.
        b.raw(["set", "x", "1", "px", "50"])
        XCTAssertFalse(execRuns(a) { a.engine.now += 100 })
        b.raw(["set", "x", "1", "px", "50"])
        XCTAssertFalse(execRuns(a) { a.engine.now += 100; b.raw(["get", "x"]) })
        b.raw(["set", "x", "1", "px", "50"])
        XCTAssertFalse(execRuns(a) {
            a.engine.now += 100
            for _ in 0..<20 { a.engine.activeExpireCycle(fast: false) }
            XCTAssertEqual(a.engine.dbs[0].count, 0)
        })
        // Already expired when watched: its deletion is no change, a write is.
        let expired = { b.raw(["set", "x", "1", "px", "50"]); a.engine.now += 100 }
        expired(); XCTAssertTrue(execRuns(a) {})
        b.raw(["del", "x"])
        expired(); XCTAssertTrue(execRuns(a) { b.raw(["get", "x"]) })
        expired(); XCTAssertTrue(execRuns(a) { for _ in 0..<20 { a.engine.activeExpireCycle(fast: false) } })
        expired(); XCTAssertTrue(execRuns(a) { b.raw(["flushall"]) })
        expired(); XCTAssertTrue(execRuns(a) { b.raw(["del", "x"]); b.raw(["expire", "x", "100"]) })
        expired(); XCTAssertFalse(execRuns(a) { b.raw(["get", "x"]); b.raw(["set", "x", "2"]) })
        expired(); XCTAssertFalse(execRuns(a) { b.raw(["set", "x", "2"]) })
        b.raw(["flushall"])
        // Swaps with keys that are expired on the other side.
        expired()
        b.raw(["select", "1"]); b.raw(["set", "x", "5"]); b.raw(["select", "0"])
        XCTAssertFalse(execRuns(a) { b.raw(["swapdb", "0", "1"]) }, "expired key replaced by a live one")
        b.raw(["flushall"])
        b.raw(["set", "x", "1", "px", "50"]); b.raw(["select", "1"]); b.raw(["set", "x", "5", "px", "50"]); b.raw(["select", "0"])
        a.engine.now += 100
        XCTAssertTrue(execRuns(a) { b.raw(["swapdb", "0", "1"]) }, "expired replaced by expired")
        b.raw(["flushall"])
        b.raw(["select", "1"]); b.raw(["set", "x", "5", "px", "50"]); b.raw(["select", "0"])
        a.engine.now += 100
        XCTAssertTrue(execRuns(a) { b.raw(["swapdb", "0", "1"]); b.raw(["get", "x"]) }, "missing replaced by expired")
    }

    func testBlockingCommandsNeverBlockInExec() {
        let (a, b) = pair()
        let c = EngineHarness(engine: a.engine, id: 3)
        c.raw(["blpop", "l", "0"])
        XCTAssertNotNil(c.client.blocked)
        expect(a, ["multi"], "+OK\r\n")
        for cmd in [["blpop", "l", "0"], ["blmove", "l", "m", "left", "left", "0"], ["bzpopmin", "z", "0"], ["lpush", "l", "v"]] {
            expect(a, cmd, "+QUEUED\r\n")
        }
        expect(a, ["exec"], "*4\r\n*-1\r\n$-1\r\n*-1\r\n:1\r\n")
        XCTAssertNil(a.client.blocked)
        XCTAssertFalse(a.client.denyBlocking)
        // The push inside the transaction served the other client once EXEC was done.
        XCTAssertNil(c.client.blocked)
        XCTAssertEqual(String(decoding: c.client.out.readableBytes, as: UTF8.self), "*2\r\n$1\r\nl\r\n$1\r\nv\r\n")
        // Inside the transaction, data present is served as usual.
        b.raw(["rpush", "l", "1", "2"])
        a.raw(["multi"]); a.raw(["blpop", "l", "0"]); a.raw(["brpop", "l", "0"])
        expect(a, ["exec"], "*2\r\n*2\r\n$1\r\nl\r\n$1\r\n1\r\n*2\r\n$1\r\nl\r\n$1\r\n2\r\n")
    }

    func testClientListAndCleanup() {
        let (a, b) = pair()
        func fields(_ h: EngineHarness) -> [String: String] {
            let line = h.run("client", "info").string ?? ""
            var d: [String: String] = [:]
            for f in line.split(separator: " ") {
                let kv = f.split(separator: "=", maxSplits: 1)
                d[String(kv[0])] = kv.count > 1 ? String(kv[1].filter { $0 != "\n" }) : ""
            }
            return d
        }
        XCTAssertEqual(fields(a)["multi"], "-1")
        a.raw(["watch", "a", "b"])
        XCTAssertEqual(fields(a)["flags"], "N")
        b.raw(["set", "a", "1"])
        XCTAssertEqual(fields(a)["flags"], "d")
        a.raw(["multi"]); a.raw(["set", "k", "v"]); a.raw(["ping"])
        let line = b.run("client", "list").string ?? ""
        XCTAssertTrue(line.contains("flags=xd db=0 sub=0 psub=0 ssub=0 multi=2 "), line)
        XCTAssertTrue(line.contains(" multi-mem=41 "), line)
        XCTAssertTrue(line.contains(" cmd=ping "), line)
        // Inside EXEC the client is still in MULTI.
        a.raw(["discard"])
        a.raw(["multi"]); a.raw(["client", "info"])
        let inside = a.run("exec").array?.first?.string ?? ""
        XCTAssertTrue(inside.contains("flags=x "), inside)
        XCTAssertTrue(inside.contains(" multi=1 "), inside)
        XCTAssertTrue(inside.contains(" cmd=exec "), inside)
        // RESET and disconnect leave nothing behind.
        a.raw(["watch", "a"]); a.raw(["multi"])
        expect(a, ["reset"], "+RESET\r\n")
        XCTAssertNil(a.client.multi)
        XCTAssertTrue(a.engine.watches.clients.isEmpty)
        b.raw(["watch", "a", "b"]); b.raw(["multi"])
        a.engine.clientGone(b.client)
        XCTAssertNil(b.client.multi)
        XCTAssertTrue(a.engine.watches.clients.isEmpty)
        a.raw(["set", "a", "2"])
    }

    func testMonitorAndStats() {
        let (a, b) = pair()
        let m = EngineHarness(engine: a.engine, id: 3)
        expect(m, ["monitor"], "+OK\r\n")
        a.raw(["config", "resetstat"])
        m.client.out.clear()
        a.raw(["multi"]); a.raw(["set", "k", "v"]); a.raw(["get", "k"]); a.raw(["get"]); a.raw(["discard"])
        a.raw(["multi"]); a.raw(["set", "k", "v"]); a.raw(["get", "k"]); a.raw(["lpush", "k", "x"]); a.raw(["exec"])
        a.raw(["multi"]); a.raw(["exec", "x"])
        let lines = String(decoding: m.client.out.readableBytes, as: UTF8.self).split(separator: "\r\n")
            .map { $0.split(separator: "]", maxSplits: 1).last.map { String($0.dropFirst()) } ?? "" }
        XCTAssertEqual(lines, ["\"multi\"", "\"discard\"", "\"multi\"", "\"set\" \"k\" \"v\"", "\"get\" \"k\"",
                               "\"lpush\" \"k\" \"x\"", "\"exec\"", "\"multi\"", "\"exec\" \"x\""])
        // Queued commands count when they run; a discarded queue never ran.
        let stats = (b.run("info", "commandstats").string ?? "").split(separator: "\r\n")
        func stat(_ name: String) -> (calls: String, rest: String) {
            let line = stats.first { $0.hasPrefix("cmdstat_\(name):") } ?? ""
            let f = line.split(separator: ",")
            return (f.first.map(String.init) ?? "", f.suffix(2).joined(separator: ","))
        }
        XCTAssertEqual(stat("get").calls, "cmdstat_get:calls=1")
        XCTAssertEqual(stat("get").rest, "rejected_calls=1,failed_calls=0")
        XCTAssertEqual(stat("set").calls, "cmdstat_set:calls=1")
        XCTAssertEqual(stat("lpush").rest, "rejected_calls=0,failed_calls=1")
        XCTAssertEqual(stat("multi").calls, "cmdstat_multi:calls=3")
        XCTAssertEqual(stat("exec").calls, "cmdstat_exec:calls=1")
        XCTAssertEqual(stat("exec").rest, "rejected_calls=1,failed_calls=0")
        // MONITOR inside EXEC is refused (one reply per command).
        a.raw(["multi"]); a.raw(["monitor"])
        expect(a, ["exec"], "*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n")
        XCTAssertFalse(a.client.isMonitor)
    }

    func testPauseWriteHoldsExecWithWrites() {
        let (a, b) = pair()
        let exec = a.engine.table.lookup("exec")!
        a.raw(["multi"]); a.raw(["get", "k"])
        expect(b, ["client", "pause", "100000", "write"], "+OK\r\n")
        XCTAssertFalse(a.engine.isPaused(a.client, exec), "a read-only queue runs")
        a.raw(["discard"])
        a.raw(["multi"]); a.raw(["get", "k"]); a.raw(["set", "k", "v"])
        XCTAssertTrue(a.engine.isPaused(a.client, exec))
        XCTAssertTrue(a.engine.isPaused(a.client, a.engine.table.lookup("set")!), "queueing a write waits too")
    }
}
