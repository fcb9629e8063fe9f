// The notes' failover flaw (seeds/003, COMPAT.md "Locks"), reproduced with real processes:
// master + 1 replica + 3 Sentinels (quorum 2), all Keyward or all real Redis. A lock granted on
// the master never reaches the replica, the master is SIGKILLed, the Sentinels promote the
// replica, and a second client gets the same lock from the new master. Plain acquisition is
// granted twice; the WAIT-acked mode refuses the first grant, so there is one holder.
//
// How the replica misses the write, deterministically on both servers: `CLIENT PAUSE` would
// not stop the replication stream, and SIGSTOP alone is not enough either, because the kernel
// keeps accepting the stream into the stopped replica's socket buffer and the replica applies
// it when resumed. So the replica is SIGSTOPped (it cannot reconnect) and then the master drops
// the replication link (`CLIENT KILL TYPE replica`): writes after that exist only on the
// master. The master is SIGKILLed before the replica is resumed; the resumed replica finds no
// master and is promoted without the lock. The replica is stopped for well under the Sentinels'
// down-after (1 s), so they still consider it a good candidate.
import TestSupport
import Foundation
import XCTest
import KeywardClient
@testable import KeywardLocks
import RESP

final class FailoverTests: XCTestCase {
    /// Plain acquisition: A's lock is lost with the master, B gets it from the new master, both
    /// hold it. The fencing counter lost A's increment too, so B gets A's token again.
    func testPlainAcquisitionIsGrantedTwiceAcrossAFailover() async throws {
        for kind in TestServer.allCases {
            let t = try await FailoverTopology(kind)
            defer { t.stop() }
            let a = LockClient(server: t.lockServer)
            // Before the window: one acquisition that did replicate (the token counter is 1 on
            // both), so the lost increment below is visible.
            let h0 = try await a.lock("orders", leaseTime: .seconds(30), threadId: 1)
            _ = try await h0.unlock()
            XCTAssertEqual(try t.masterConnection().command("WAIT", "1", "5000").int, 1, "\(kind)")
            let t0 = try XCTUnwrap(h0.token)

            var heldA: LockHandle?
            let acquiredAt = Date()
            try await t.failover {
                heldA = try await a.tryLock("orders", leaseTime: .seconds(30), threadId: 1)
                // What the notes describe: WAIT would return 0. (On a connection that wrote
                // nothing WAIT counts replicas acked at offset 0, so this one writes first.)
                let m = try t.masterConnection()
                _ = try m.command("SET", "after-the-lock", "1")
                XCTAssertEqual(try m.command("WAIT", "1", "100").int, 0, "\(kind)")
            }
            let hA = try XCTUnwrap(heldA, "\(kind): A acquires on the old master")

            let b = LockClient(server: t.lockServer)
            // The double grant: B holds the lock while A's 30 s lease, by A's own clock, runs.
            let hB = try await XCTUnwrapAsync(await b.tryLock("orders", leaseTime: .seconds(30), threadId: 2),
                                              "\(kind): B acquires the same lock on the new master")
            let elapsed = Date().timeIntervalSince(acquiredAt)
            XCTAssertLessThan(elapsed, 30, "\(kind): A's lease has not run out")
            XCTAssertEqual(try t.newMasterConnection().command("HGETALL", "orders").array?.compactMap(\.string),
                           [b.field(threadId: 2), "1"], "\(kind): the new master knows only B")
            // The token counter was replicated like the lock, so it lost A's increment: B gets
            // A's token again and a store that rejects lower tokens cannot tell them apart.
            XCTAssertEqual(hA.token, t0 + 1, "\(kind)")
            XCTAssertEqual(hB.token, hA.token, "\(kind): the token is re-issued after the lost write")
            let store = FencedStore()
            let tokenA = try XCTUnwrap(hA.token), tokenB = try XCTUnwrap(hB.token)
            XCTAssertTrue(store.write(token: tokenA), "\(kind)")
            XCTAssertTrue(store.write(token: tokenB), "\(kind): B's equal token is accepted too")
            // Only a later acquisition (a fresh token) fences A out.
            _ = try await hB.unlock()
            let hB2 = try await XCTUnwrapAsync(await b.tryLock("orders", leaseTime: .seconds(30), threadId: 2))
            XCTAssertEqual(hB2.token, t0 + 2, "\(kind)")
            XCTAssertTrue(store.write(token: try XCTUnwrap(hB2.token)), "\(kind)")
            XCTAssertFalse(store.write(token: tokenA), "\(kind): A's stale token is rejected after the next grant")
            // A learns it lost the lock only when it unlocks.
            do { _ = try await hA.unlock(); XCTFail("\(kind): A's hold is gone") } catch let e as LockError {
                XCTAssertEqual(e, .notHeld("orders"), "\(kind)")
            }
            print("failover[\(kind)] plain: tokens A=\(tokenA) B=\(tokenB) next=\(hB2.token ?? -1), " +
                  "failover \(String(format: "%.2f", t.failoverSeconds)) s")
        }
    }

    /// WAIT-acked mode under the same schedule: A's acquisition fails closed (`notReplicated`)
    /// and is undone on the master before it dies; after the failover B is the only holder.
    func testWaitAckedAcquisitionRefusesTheGrantThatFailoverWouldLose() async throws {
        for kind in TestServer.allCases {
            let t = try await FailoverTopology(kind)
            defer { t.stop() }
            var opts = LockOptions()
            opts.replicaAcks = (replicas: 1, timeout: .milliseconds(300))
            let a = LockClient(server: t.lockServer, options: opts)
            // With the replica connected the mode grants normally.
            let h0 = try await a.lock("orders", leaseTime: .seconds(30), threadId: 1)
            _ = try await h0.unlock()
            let t0 = try XCTUnwrap(h0.token)

            var refusal: Error?
            try await t.failover {
                do {
                    _ = try await a.tryLock("orders", leaseTime: .seconds(30), threadId: 1)
                } catch { refusal = error }
                XCTAssertEqual(try t.masterConnection().command("EXISTS", "orders").int, 0,
                               "\(kind): the unconfirmed hold was released on the old master")
            }
            XCTAssertEqual(refusal as? LockError, .notReplicated(lock: "orders", acked: 0, needed: 1), "\(kind)")

            let b = LockClient(server: t.lockServer)
            let hB = try await b.tryLock("orders", leaseTime: .seconds(30), threadId: 2)
            XCTAssertNotNil(hB, "\(kind): B acquires after the failover")
            XCTAssertEqual(try t.newMasterConnection().command("HLEN", "orders").int, 1, "\(kind): one holder")
            // A never got a token for the refused grant, so B's (the counter lost that INCR)
            // is still above every token a holder was given.
            XCTAssertEqual(hB?.token, t0 + 1, "\(kind)")
            // The promoted master has no replica: the acked mode fails closed there too.
            do {
                // A's pooled connection went down with the old master: the first call fails and
                // re-resolves the master through the Sentinels (docs/locks.md), the next one runs.
                _ = try await retryingConnectionErrors { try await a.tryLock("other", leaseTime: .seconds(30), threadId: 1) }
                XCTFail("\(kind): no replica, no lock")
            } catch let e as LockError {
                XCTAssertEqual(e, .notReplicated(lock: "other", acked: 0, needed: 1), "\(kind)")
            }
            print("failover[\(kind)] acked: refused \(refusal.map { "\($0)" } ?? "-"), B token \(hB?.token ?? -1), " +
                  "failover \(String(format: "%.2f", t.failoverSeconds)) s")
        }
    }
}

/// A protected store's fencing check: it keeps the highest token it has seen and rejects writes
/// with a lower one (an equal token is the same grant writing again).
final class FencedStore {
    private var highest: Int64 = 0
    func write(token: Int64) -> Bool {
        guard token >= highest else { return false }
        highest = token
        return true
    }
}

/// Retries `body` after a connection error (a failed-over master), up to 3 attempts.
func retryingConnectionErrors<T>(_ body: () async throws -> T) async throws -> T {
    for _ in 0..<2 {
        do { return try await body() } catch let e as ClientError {
            if case .server = e { throw e }
        }
    }
    return try await body()
}

func XCTUnwrapAsync<T>(_ v: @autoclosure () async throws -> T?, _ message: String = "",
                       file: StaticString = #filePath, line: UInt = #line) async throws -> T {
    let value = try await v()
    return try XCTUnwrap(value, message, file: file, line: line)
}
