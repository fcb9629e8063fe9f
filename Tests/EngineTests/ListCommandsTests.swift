// Lists family in-process: what the differential script (Tests/python/differential/lists.txt)
// cannot show — keyspace events and the dirty counter, blocking commands with several clients
// under a controlled clock (arrival order, timeouts, chains, type changes, CLIENT UNBLOCK,
// MULTI-like contexts), and chunking with a lowered list-max-listpack-size. Expected replies
// come from redis-server 7.0.15 except where a test says it follows 7.2.
import XCTest
@testable import Engine
import RESP

extension EngineHarness {
    /// Another client on the same engine.
    func newClient(_ id: Int64) -> ClientState {
        let c = ClientState(id: id)
        c.proto = client.proto
        engine.clients[id] = c
        return c
    }
    /// Runs a command as `c`; returns what it wrote (nothing when it blocked).
    @discardableResult
    func raw(_ c: ClientState, _ args: [String]) -> String {
        c.out.clear()
        Argv.with(args.map { Array($0.utf8) }) { engine.execute(c, $0) }
        return take(c)
    }
    /// Whatever `c` has been sent since last looked at.
    func take(_ c: ClientState) -> String {
        let s = String(decoding: c.out.readableBytes, as: UTF8.self)
        c.out.clear()
        return s
    }
    func list(_ key: String) -> ListValue? {
        guard let v = stored(key) else { return nil }
        return ListCommands.asList(v)
    }
}

final class ListCommandsTests: XCTestCase {
    func testPushPopRangeAndDeletionWhenEmpty() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["RPUSH", "l", "a", "b", "c"]), ":3\r\n")
        XCTAssertEqual(h.raw(["LPUSH", "l", "z"]), ":4\r\n")
        XCTAssertEqual(h.raw(["LRANGE", "l", "0", "-1"]), "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n")
        XCTAssertEqual(h.raw(["RPOP", "l", "2"]), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n")
        XCTAssertEqual(h.raw(["LPOP", "l", "5"]), "*2\r\n$1\r\nz\r\n$1\r\na\r\n")
        XCTAssertEqual(h.raw(["EXISTS", "l"]), ":0\r\n")
        XCTAssertEqual(h.raw(["LPOP", "l"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["LPOP", "l", "1"]), "*-1\r\n")
        XCTAssertEqual(h.raw(["TYPE", "x"]), "+none\r\n")
        XCTAssertEqual(h.raw(["RPUSH", "x", "1"]), ":1\r\n")
        XCTAssertEqual(h.raw(["TYPE", "x"]), "+list\r\n")
        XCTAssertEqual(h.raw(["OBJECT", "ENCODING", "x"]), "$9\r\nquicklist\r\n")
    }

    func testResp3NullsAndEmptyArrays() {
        let h = EngineHarness(proto: .v3)
        XCTAssertEqual(h.raw(["LPOP", "nokey", "1"]), "_\r\n")
        XCTAssertEqual(h.raw(["LINDEX", "nokey", "0"]), "_\r\n")
        XCTAssertEqual(h.raw(["LMPOP", "1", "nokey", "LEFT"]), "_\r\n")
        XCTAssertEqual(h.raw(["LRANGE", "nokey", "0", "-1"]), "*0\r\n")
        XCTAssertEqual(h.raw(["LPOS", "nokey", "a", "COUNT", "0"]), "*0\r\n")
    }

    func testEventsAndDirtyCountLikeRedis() {
        let h = EngineHarness()
        let log = h.recordEvents()
        let d0 = h.engine.dirty
        h.raw(["RPUSH", "src", "a", "b", "c"])
        XCTAssertEqual(h.engine.dirty - d0, 3)
        h.raw(["LMOVE", "src", "dst", "LEFT", "RIGHT"])
        h.raw(["LTRIM", "src", "5", "10"])            // empties src
        h.raw(["LREM", "dst", "0", "a"])              // empties dst
        XCTAssertEqual(log.events, ["rpush src", "rpush dst", "lpop src", "ltrim src", "del src", "lrem dst", "del dst"])
        XCTAssertEqual(h.engine.dirty - d0, 3 + 1 + 1 + 1)
        log.events.removeAll()
        h.raw(["RPUSH", "l", "x", "y"])
        h.raw(["LSET", "l", "0", "X"])
        h.raw(["LINSERT", "l", "AFTER", "X", "m"])
        h.raw(["LINSERT", "l", "AFTER", "nothere", "m"])
        h.raw(["LREM", "l", "0", "nothere"])
        h.raw(["RPOP", "l", "3"])
        XCTAssertEqual(log.events, ["rpush l", "lset l", "linsert l", "rpop l", "del l"])
    }

    func testSmallFillSplitsIntoChunksAndKeepsOrder() {
        let h = EngineHarness()
        XCTAssertEqual(h.raw(["CONFIG", "SET", "list-max-listpack-size", "3"]), "+OK\r\n")
        h.raw(["RPUSH", "l"] + (0..<10).map { "e\($0)" })
        XCTAssertEqual(h.list("l")?.chunkCounts, [3, 3, 3, 1])
        h.raw(["LINSERT", "l", "BEFORE", "e4", "X"])
        h.raw(["LSET", "l", "-1", String(repeating: "y", count: 9000)])
        h.list("l")?.check()
        XCTAssertEqual(h.raw(["LINDEX", "l", "4"]), "$1\r\nX\r\n")
        XCTAssertEqual(h.raw(["LLEN", "l"]), ":11\r\n")
        // A list keeps the fill it was created with.
        h.raw(["CONFIG", "SET", "list-max-listpack-size", "-2"])
        h.raw(["RPUSH", "l", "a", "b", "c", "d"])
        XCTAssertTrue(h.list("l")!.chunkCounts.allSatisfy { $0 <= 3 })
        h.raw(["RPUSH", "m", "a", "b", "c", "d"])
        XCTAssertEqual(h.list("m")?.chunkCounts, [4])
    }

    // MARK: blocking

    func testBlockedClientsAreServedInArrivalOrder() {
        let h = EngineHarness()
        let b = (1...3).map { h.newClient(10 + Int64($0)) }
        for c in b { XCTAssertEqual(h.raw(c, ["BLPOP", "q", "0"]), "") }
        XCTAssertEqual(h.engine.blocking.clients.count, 3)
        XCTAssertEqual(h.raw(["RPUSH", "q", "one", "two"]), ":2\r\n")
        XCTAssertEqual(h.take(b[0]), "*2\r\n$1\r\nq\r\n$3\r\none\r\n")
        XCTAssertEqual(h.take(b[1]), "*2\r\n$1\r\nq\r\n$3\r\ntwo\r\n")
        XCTAssertEqual(h.take(b[2]), "")
        XCTAssertEqual(h.raw(["EXISTS", "q"]), ":0\r\n")
        XCTAssertTrue(h.engine.blocking.unblocked.contains { $0 === b[0] })
        XCTAssertNil(b[0].blocked)
        XCTAssertNotNil(b[2].blocked)
        h.raw(["LPUSH", "q", "three"])
        XCTAssertEqual(h.take(b[2]), "*2\r\n$1\r\nq\r\n$5\r\nthree\r\n")
        XCTAssertTrue(h.engine.blocking.clients.isEmpty)
    }

    func testSeveralKeysServeFromTheFirstNonEmpty() {
        let h = EngineHarness()
        let c = h.newClient(20)
        XCTAssertEqual(h.raw(c, ["BRPOP", "k1", "k2", "0"]), "")
        h.raw(["RPUSH", "k2", "a", "b"])
        XCTAssertEqual(h.take(c), "*2\r\n$2\r\nk2\r\n$1\r\nb\r\n")
        XCTAssertEqual(h.raw(c, ["BLMPOP", "0", "2", "k1", "k2", "LEFT", "COUNT", "5"]), "*2\r\n$2\r\nk2\r\n*1\r\n$1\r\na\r\n")
        XCTAssertEqual(h.raw(c, ["BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "5"]), "")
        h.raw(["RPUSH", "k1", "x", "y", "z"])
        XCTAssertEqual(h.take(c), "*2\r\n$2\r\nk1\r\n*3\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\nx\r\n")
    }

    func testTimeoutsUseTheEngineClock() {
        let h = EngineHarness()
        h.engine.now = 5_000_000
        let c = h.newClient(30)
        XCTAssertEqual(h.raw(c, ["BLPOP", "q", "0.5"]), "")
        XCTAssertEqual(h.engine.nextBlockingDeadline, 5_000_500)
        h.engine.now = 5_000_500
        h.engine.handleBlockedTimeouts()
        XCTAssertEqual(h.take(c), "")
        h.engine.now = 5_000_501
        h.engine.handleBlockedTimeouts()
        XCTAssertEqual(h.take(c), "*-1\r\n")
        // BLMOVE times out with a null array in 7.0, as BLPOP does.
        XCTAssertEqual(h.raw(c, ["BLMOVE", "q", "d", "LEFT", "LEFT", "0.001"]), "")
        h.engine.now += 2
        h.engine.handleBlockedTimeouts()
        XCTAssertEqual(h.take(c), "*-1\r\n")
        // 0 waits forever.
        XCTAssertEqual(h.raw(c, ["BRPOPLPUSH", "q", "d", "0"]), "")
        h.engine.now += 1_000_000_000
        h.engine.handleBlockedTimeouts()
        XCTAssertEqual(h.take(c), "")
        XCTAssertNotNil(c.blocked)
        h.raw(["RPUSH", "q", "v"])
        XCTAssertEqual(h.take(c), "$1\r\nv\r\n")
        XCTAssertEqual(h.raw(["LRANGE", "d", "0", "-1"]), "*1\r\n$1\r\nv\r\n")
    }

    func testTimeoutParsingFollowsRedis70() {
        let h = EngineHarness()
        h.engine.now = 1_000
        let c = h.newClient(31)
        for (t, reply) in [("-1", "-ERR timeout is negative\r\n"), ("inf", "-ERR timeout is negative\r\n"),
                           ("1e100", "-ERR timeout is negative\r\n"), ("nan", "-ERR timeout is not a float or out of range\r\n"),
                           (" 1", "-ERR timeout is not a float or out of range\r\n"),
                           ("1e-5000", "-ERR timeout is not a float or out of range\r\n")] {
            XCTAssertEqual(h.raw(c, ["BLPOP", "q", t]), reply, t)
        }
        // Milliseconds round up: 0.0001 s waits 1 ms, -0.0001 s becomes 0 (forever); a sum
        // past Int64 never fires in 7.0.
        XCTAssertEqual(h.raw(c, ["BLPOP", "q", "0.0001"]), "")
        XCTAssertEqual(c.blocked?.deadline, 1_001)
        h.engine.unblockClient(c, error: false)
        _ = h.take(c)
        for t in ["-0.0001", "9223372036854775"] {
            XCTAssertEqual(h.raw(c, ["BLPOP", "q", t]), "", t)
            XCTAssertEqual(c.blocked?.deadline, 0, t)
            h.engine.unblockClient(c, error: false)
            _ = h.take(c)
        }
        XCTAssertEqual(h.raw(c, ["BLPOP", "q", "0x10"]), "")
        XCTAssertEqual(c.blocked?.deadline, 17_000)
    }

    func testBlmoveChainWakesTheNextClient() {
        let h = EngineHarness()
        let c1 = h.newClient(40), c2 = h.newClient(41), c3 = h.newClient(42)
        XCTAssertEqual(h.raw(c1, ["BLMOVE", "a", "b", "RIGHT", "LEFT", "0"]), "")
        XCTAssertEqual(h.raw(c2, ["BLMOVE", "b", "c", "RIGHT", "LEFT", "0"]), "")
        XCTAssertEqual(h.raw(c3, ["BLPOP", "c", "0"]), "")
        h.raw(["RPUSH", "a", "x"])
        XCTAssertEqual(h.take(c1), "$1\r\nx\r\n")
        XCTAssertEqual(h.take(c2), "$1\r\nx\r\n")
        XCTAssertEqual(h.take(c3), "*2\r\n$1\r\nc\r\n$1\r\nx\r\n")
        XCTAssertEqual(h.raw(["DBSIZE"]), ":0\r\n")
    }

    func testDeletedKeyKeepsWaitingAndTypeChangeAnswersWrongType() {
        let h = EngineHarness()
        let c = h.newClient(50)
        XCTAssertEqual(h.raw(c, ["BLPOP", "k", "0"]), "")
        h.raw(["RPUSH", "other", "x"])
        h.raw(["RENAME", "other", "k2"])
        h.raw(["DEL", "k"])
        XCTAssertEqual(h.take(c), "")
        XCTAssertNotNil(c.blocked)
        // 7.0 keeps the client blocked here; the re-execution model (7.2) answers WRONGTYPE.
        h.raw(["SET", "k", "str"])
        XCTAssertEqual(h.take(c), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
        XCTAssertNil(c.blocked)
    }

    func testNoBlockingWhereBlockingIsDenied() {
        let h = EngineHarness()
        h.client.denyBlocking = true
        XCTAssertEqual(h.raw(["BLPOP", "q", "0"]), "*-1\r\n")
        XCTAssertEqual(h.raw(["BRPOP", "q", "q2", "0"]), "*-1\r\n")
        XCTAssertEqual(h.raw(["BLMOVE", "q", "d", "LEFT", "LEFT", "0"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["BRPOPLPUSH", "q", "d", "0"]), "$-1\r\n")
        XCTAssertEqual(h.raw(["BLMPOP", "0", "1", "q", "LEFT"]), "*-1\r\n")
        XCTAssertNil(h.client.blocked)
        h.raw(["RPUSH", "q", "v"])
        XCTAssertEqual(h.raw(["BLPOP", "q", "0"]), "*2\r\n$1\r\nq\r\n$1\r\nv\r\n")
    }

    func testClientUnblockAndDisconnect() {
        let h = EngineHarness()
        let c1 = h.newClient(60), c2 = h.newClient(61)
        h.raw(c1, ["BLPOP", "q", "0"])
        h.raw(c2, ["BLMOVE", "q", "d", "LEFT", "LEFT", "0"])
        XCTAssertTrue(h.engine.unblockClient(c1, error: false))
        XCTAssertEqual(h.take(c1), "*-1\r\n")
        XCTAssertTrue(h.engine.unblockClient(c2, error: true))
        XCTAssertEqual(h.take(c2), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
        XCTAssertFalse(h.engine.unblockClient(c2, error: true))
        h.raw(c1, ["BLPOP", "q", "0"])
        h.engine.forgetBlockedClient(c1)
        h.raw(c2, ["BLPOP", "q", "0"])
        h.raw(["RPUSH", "q", "v"])
        XCTAssertEqual(h.take(c1), "")
        XCTAssertEqual(h.take(c2), "*2\r\n$1\r\nq\r\n$1\r\nv\r\n")
    }

    func testBlmoveOntoItselfRotatesAndServesTheNextWaiter() {
        let h = EngineHarness()
        let c1 = h.newClient(70), c2 = h.newClient(71)
        h.raw(c1, ["BLMOVE", "r", "r", "LEFT", "RIGHT", "0"])
        h.raw(c2, ["BLPOP", "r", "0"])
        h.raw(["RPUSH", "r", "a"])
        XCTAssertEqual(h.take(c1), "$1\r\na\r\n")
        XCTAssertEqual(h.take(c2), "*2\r\n$1\r\nr\r\n$1\r\na\r\n")
        XCTAssertEqual(h.raw(["EXISTS", "r"]), ":0\r\n")
    }
}
