// Redisson-layout interop, cache helpers and ADMIN LOCKS through a real client.
import Foundation
import XCTest
import Admin
import KeywardClient
@testable import KeywardLocks
import RESP

/// A Python process speaking raw RESP and running Redisson's own 3.x lock/unlock scripts (the
/// texts Tests/python/test_scripting.py runs), as a Redisson client would.
private let redissonPy = #"""
import socket, sys
LOCK = "if ((redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; return redis.call('pttl', KEYS[1]);"
UNLOCK = "if (redis.call('hexists', KEYS[1], ARGV[3]) == 0) then return nil;end; local counter = redis.call('hincrby', KEYS[1], ARGV[3], -1); if (counter > 0) then redis.call('pexpire', KEYS[1], ARGV[2]); return 0; else redis.call('del', KEYS[1]); redis.call('publish', KEYS[2], ARGV[1]); return 1; end; return nil;"
port, mode, name, field = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port)); f = s.makefile("rb")
def call(*a):
    a = [str(x).encode() for x in a]
    s.sendall(b"*%d\r\n" % len(a) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in a))
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        return "nil" if n < 0 else f.read(n + 2)[:-2].decode()
    return line[:-2].decode()
print(call("EVAL", LOCK, 1, name, 30000, field), flush=True)
if mode == "hold":
    sys.stdin.readline()
    print(call("EVAL", UNLOCK, 2, name, "redisson_lock__channel:{%s}" % name, 0, 30000, field), flush=True)
"""#

final class InteropTests: XCTestCase {
    func testRedissonScriptsInAnotherProcessAndOursExcludeEachOther() async throws {
        try await onBothServers { server, kind in
            let port = "\(server.address.port)"
            let redisson = try Child("/usr/bin/python3", ["-c", redissonPy, port, "hold", "shared", "redisson-uuid-1:1"])
            XCTAssertEqual(redisson.line(), "nil", "\(kind): Redisson acquired")
            let ours = LockClient(address: server.address)
            let excluded = try await ours.tryLock("shared", threadId: 1)
            XCTAssertNil(excluded, "\(kind): Redisson's lock excludes ours")
            let r1 = try await ours.holders("shared").map(\.field)
            XCTAssertEqual(r1, ["redisson-uuid-1:1"])
            let waiter = Task { () -> Double? in
                guard let h = try await ours.tryLock("shared", waitTime: .seconds(20), leaseTime: .seconds(30), threadId: 1) else { return nil }
                let at = nowMs()
                _ = try await h.unlock()
                return at
            }
            try await eventually(10, "our waiter subscribed to Redisson's channel") {
                try await ours.command(["PUBSUB", "NUMSUB", "redisson_lock__channel:{shared}"]).array?.last == .integer(1)
            }
            let t0 = nowMs()
            redisson.send("unlock")
            XCTAssertEqual(redisson.line(), ":1", "\(kind): Redisson released and published")
            let at = try await waiter.value
            XCTAssertNotNil(at, "\(kind): woken by Redisson's unlock message")
            if let at { XCTAssertLessThan(at - t0, 1000) }

            // The other way round: our hold, Redisson's acquire script gets the PTTL.
            let h = try await ours.lock("shared", leaseTime: .seconds(30), threadId: 9)
            let all = try await ours.command(["HGETALL", "shared"]).array?.compactMap(\.string)
            XCTAssertEqual(all, ["\(ours.clientId):9", "1"], "\(kind): exactly Redisson's hash layout")
            let probe = try Child("/usr/bin/python3", ["-c", redissonPy, port, "try", "shared", "redisson-uuid-2:1"])
            let pttl = probe.line().flatMap { Int($0.dropFirst()) } ?? -1
            XCTAssertTrue(pttl > 0 && pttl <= 30000, "\(kind): Redisson is excluded by ours (got \(pttl))")
            _ = try await h.unlock()
        }
    }

    func testCacheHelpersNullCachingSingleFlightAndBloom() async throws {
        try await onBothServers { server, kind in
            var opts = CacheOptions()
            opts.ttl = .seconds(60)
            opts.nullTTL = .seconds(5)
            let cache = Cache(locks: LockClient(address: server.address), options: opts)
            let loads = Locked(0)
            // Penetration: a missing id is loaded once, then served from the cached null.
            for _ in 0..<3 {
                let v = try await cache.get("user:404") { loads.with { $0 += 1 }; return nil }
                XCTAssertNil(v)
            }
            XCTAssertEqual(loads.get, 1, "\(kind)")
            let pttl = try await cache.locks.command(["PTTL", "user:404"]).int ?? 0
            XCTAssertTrue(pttl > 0 && pttl <= 5500, "\(kind): short, jittered null TTL (\(pttl))")
            // Breakdown: concurrent misses of a hot key rebuild it once.
            loads.with { $0 = 0 }
            let values = try await withThrowingTaskGroup(of: [UInt8]?.self) { g in
                for _ in 0..<8 {
                    g.addTask {
                        try await cache.get("hot") {
                            loads.with { $0 += 1 }
                            try await Task.sleep(nanoseconds: 200_000_000)
                            return Array("fresh".utf8)
                        }
                    }
                }
                var out: [[UInt8]?] = []
                for try await v in g { out.append(v) }
                return out
            }
            XCTAssertEqual(loads.get, 1, "\(kind): single-flight rebuild")
            XCTAssertEqual(values.compactMap { $0 }.count, 8)
            // Penetration, first line: a Bloom filter without the id skips the loader (BF is Keyward's).
            if kind == .keyward {
                var bo = opts
                bo.bloomKey = "ids"
                let bcache = Cache(locks: cache.locks, options: bo)
                _ = try await cache.locks.command(["BF.ADD", "ids", "user:1"])
                loads.with { $0 = 0 }
                let v = try await bcache.get("user:2") { loads.with { $0 += 1 }; return Array("x".utf8) }
                XCTAssertNil(v)
                XCTAssertEqual(loads.get, 0)
                let w = try await bcache.get("user:1") { loads.with { $0 += 1 }; return Array("one".utf8) }
                XCTAssertEqual(w, Array("one".utf8))
            }
        }
    }

    func testAdminLocksThroughARealClient() async throws {
        try await onBothServers { server, kind in
            let a = LockClient(address: server.address), b = LockClient(address: server.address)
            guard kind == .keyward else {
                let r = try await a.command(["ADMIN", "LOCKS"])
                XCTAssertTrue(r.isError, "redis-server has no ADMIN")
                return
            }
            let h = try await a.lock("adm:1", leaseTime: .seconds(30), threadId: 3)
            let waiter = Task { try await b.tryLock("adm:1", waitTime: .seconds(20), leaseTime: .seconds(1), threadId: 4) }
            try await eventually(10, "waiter subscribed") {
                try await a.command(["PUBSUB", "NUMSUB", RedissonScripts.channel("adm:1")]).array?.last == .integer(1)
            }
            let doc = json(try await a.command(["ADMIN", "LOCKS", "adm:*"]).string)
            let lock = doc?["locks"]?.arrayValue?.first
            XCTAssertEqual(doc?["locks"]?.arrayValue?.count, 1)
            XCTAssertEqual(lock?["name"]?.stringValue, "adm:1")
            XCTAssertEqual(lock?["fencingToken"]?.intValue, h.token)
            XCTAssertEqual(lock?["waiters"]?.intValue, 1)
            let lease = lock?["remainingLeaseMs"]?.intValue ?? 0
            XCTAssertTrue(lease > 0 && lease <= 30000)
            let owner = lock?["owners"]?.arrayValue?.first
            XCTAssertEqual(owner?["clientId"]?.stringValue, a.clientId)
            XCTAssertEqual(owner?["threadId"]?.stringValue, "3")
            XCTAssertEqual(owner?["reentrancy"]?.intValue, 1)
            XCTAssertEqual(owner?["connection"]?.stringValue, "alive")
            let none = json(try await a.command(["ADMIN", "LOCKS", "other*"]).string)
            XCTAssertEqual(none?["locks"]?.arrayValue?.count, 0)
            _ = try await h.unlock()
            _ = try await waiter.value
        }
    }
}
