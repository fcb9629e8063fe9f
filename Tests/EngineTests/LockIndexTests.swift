// The lock index behind ADMIN LOCKS: kept up to date from the key-change paths (no keyspace
// scan), with the shape rules of docs/locks.md. In-process, time from `engine.now`.
import XCTest
import Admin
@testable import Engine
import RESP

final class LockIndexTests: XCTestCase {
    let acquire = "if ((redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; return redis.call('pttl', KEYS[1]);"
    let fenced = "if (redis.call('exists', KEYS[1]) == 0 or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then local token = redis.call('incr', KEYS[2]);redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return {-1, token}; end; return {redis.call('pttl', KEYS[1]), -1};"

    func doc(_ h: EngineHarness, _ pattern: String? = nil) -> JSONValue {
        let r = h.value(["ADMIN", "LOCKS"] + (pattern.map { [$0] } ?? []))
        guard case .bulk(let b) = r, let v = JSONValue(parsing: String(decoding: b, as: UTF8.self)) else {
            XCTFail("not a JSON bulk: \(r)")
            return .null
        }
        return v
    }

    func names(_ h: EngineHarness, _ pattern: String? = nil) -> [String] {
        guard case .array(let locks)? = doc(h, pattern)["locks"] else { return [] }
        return locks.compactMap { if case .string(let s)? = $0["name"] { return s }; return nil }
    }

    func testAcquireScriptIndexesTheLockWithOwnersLeaseTokenAndWaiters() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        XCTAssertEqual(h.raw(["EVAL", fenced, "2", "orders", "redisson_lock_token:{orders}", "30000", "c1:7"]), "*2\r\n:-1\r\n:1\r\n")
        XCTAssertEqual(h.raw(["EVAL", fenced, "2", "orders", "redisson_lock_token:{orders}", "30000", "c1:7"]), "*2\r\n:-1\r\n:2\r\n")
        let waiter = EngineHarness(engine: h.engine, id: 2)
        waiter.raw(["SUBSCRIBE", "redisson_lock__channel:{orders}"])
        h.engine.now += 1000
        let lock = doc(h)["locks"]
        XCTAssertEqual(lock, .array([.object([
            ("name", .string("orders")), ("db", .int(0)),
            ("owners", .array([.object([("field", .string("c1:7")), ("clientId", .string("c1")), ("threadId", .string("7")),
                                        ("reentrancy", .int(2)), ("connection", .string("unknown"))])])),
            ("remainingLeaseMs", .int(29000)), ("fencingToken", .int(2)), ("waiters", .int(1)),
        ])]))
        XCTAssertEqual(doc(h)["failureKey"], .string("keyward:lock-failures"))
        XCTAssertEqual(doc(h)["alertChannel"], .string("keyward:lock-alerts"))
    }

    func testTheIndexFollowsEveryChangeOfShape() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["EVAL", acquire, "1", "L", "30000", "uuid-a:1"])
        XCTAssertEqual(names(h), ["L"])
        h.raw(["HSET", "L", "mode", "write"])          // a foreign field: not an RLock any more
        XCTAssertEqual(names(h), [])
        h.raw(["HDEL", "L", "mode"])
        XCTAssertEqual(names(h), ["L"])
        h.raw(["PERSIST", "L"])                         // no lease: not lock-shaped
        XCTAssertEqual(names(h), [])
        h.raw(["PEXPIRE", "L", "5000"])
        XCTAssertEqual(names(h), ["L"])
        h.raw(["HINCRBY", "L", "uuid-a:1", "-1"])       // count 0 is no hold
        XCTAssertEqual(names(h), [])
        h.raw(["HINCRBY", "L", "uuid-a:1", "1"])
        XCTAssertEqual(names(h), ["L"])
        h.raw(["RENAME", "L", "M"])
        XCTAssertEqual(names(h), ["M"])
        h.raw(["SET", "M", "x"])
        XCTAssertEqual(names(h), [])
        XCTAssertEqual(h.engine.lockIndex.count, 0)
        h.raw(["EVAL", acquire, "1", "M", "30000", "uuid-a:1"])
        h.raw(["DEL", "M"])
        XCTAssertEqual(h.engine.lockIndex.count, 0)
    }

    func testExpiryFlushAndSwapdb() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["EVAL", acquire, "1", "x", "100", "u:1"])
        h.engine.now += 101
        XCTAssertEqual(names(h), [], "a lapsed lease is not listed even before expiry deletes it")
        XCTAssertEqual(h.engine.lockIndex.count, 1)
        h.raw(["EXISTS", "x"])                          // lazy expiry reports the deletion
        XCTAssertEqual(h.engine.lockIndex.count, 0)
        h.raw(["EVAL", acquire, "1", "y", "30000", "u:1"])
        h.raw(["SWAPDB", "0", "1"])
        XCTAssertEqual(names(h), ["y"], "listed across dbs")
        h.raw(["SELECT", "1"])
        XCTAssertEqual(h.raw(["EXISTS", "y"]), ":1\r\n")
        guard case .array(let l)? = doc(h)["locks"], case .int(1)? = l.first?["db"] else { return XCTFail("db 1 lock") }
        h.raw(["FLUSHALL"])
        XCTAssertEqual(h.engine.lockIndex.count, 0)
    }

    func testLocksLoadedFromAnRdbImageAreIndexed() throws {
        let h = EngineHarness()
        h.engine.now = unixMillis()
        h.raw(["EVAL", acquire, "1", "saved", "60000", "u:1"])
        h.raw(["SELECT", "3"])
        h.raw(["EVAL", acquire, "1", "saved3", "60000", "u:2"])
        h.raw(["HSET", "plain", "u:1", "1"])
        let image = try h.engine.rdbImage()
        let h2 = EngineHarness()
        h2.engine.now = h.engine.now
        try image.withUnsafeBytes { _ = try h2.engine.loadRdb($0) }
        XCTAssertEqual(names(h2), ["saved", "saved3"])
        XCTAssertEqual(h2.engine.lockIndex.count, 2)
    }

    func testWhatIsNotLockShapedAndPatterns() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        h.raw(["HSET", "nocolon", "abc", "1"]); h.raw(["PEXPIRE", "nocolon", "1000"])
        h.raw(["HSET", "notint", "u:1", "x"]); h.raw(["PEXPIRE", "notint", "1000"])
        h.raw(["HSET", "nottid", "u:x1", "1"]); h.raw(["PEXPIRE", "nottid", "1000"])
        h.raw(["HSET", "nottl", "u:1", "1"])
        h.raw(["SET", "str", "u:1", "PX", "1000"])
        XCTAssertEqual(h.engine.lockIndex.count, 0)
        for n in ["jobs:1", "jobs:2", "other"] { h.raw(["EVAL", acquire, "1", n, "30000", "a:b:c:12"]) }
        XCTAssertEqual(names(h), ["jobs:1", "jobs:2", "other"])
        XCTAssertEqual(names(h, "jobs:*"), ["jobs:1", "jobs:2"])
        guard case .array(let l)? = doc(h, "other")["locks"], case .string("a:b:c")? = l.first?["owners"]?[0]?["clientId"] else {
            return XCTFail("client id is the field up to its last colon")
        }
        XCTAssertEqual(h.raw(["ADMIN", "LOCKS", "a", "b"]), "-ERR wrong number of arguments for 'admin|locks' command\r\n")
    }

    func testOwnerConnectionAliveGoneUnknownAndFailureRecords() {
        let h = EngineHarness()
        h.engine.now = 1_000_000
        let owner = EngineHarness(engine: h.engine, id: 5)
        owner.raw(["CLIENT", "SETNAME", "keyward-lock:cid-1"])
        h.raw(["EVAL", acquire, "1", "k", "30000", "cid-1:3"])
        func connection() -> JSONValue? { doc(h)["locks"]?[0]?["owners"]?[0]?["connection"] }
        XCTAssertEqual(connection(), .string("alive"))
        h.engine.clientGone(owner.client)
        XCTAssertEqual(connection(), .string("gone"))
        h.raw(["LPUSH", "keyward:lock-failures", "{\"lock\":\"k\",\"attempts\":3}", "not json"])
        XCTAssertEqual(doc(h)["failures"], .array([.string("not json"), .object([("lock", .string("k")), ("attempts", .int(3))])]))
    }
}

private extension JSONValue {
    subscript(i: Int) -> JSONValue? {
        if case .array(let a) = self, i < a.count { return a[i] }
        return nil
    }
}
