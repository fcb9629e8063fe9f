// KeywardLocks against real servers: every test runs on keyward-server and on redis-server 7.0.
import Foundation
import XCTest
import Admin
import KeywardClient
@testable import KeywardLocks
import RESP

final class LockTests: XCTestCase {
    func testProcessesContendAndTheUnprotectedCounterEndsExact() async throws {
        try await onBothServers { server, kind in
            let procs = 3, tasks = 2, iterations = 25
            let children = try (0..<procs).map { _ in
                try Child(siblingBinary("keyward-lockprobe"),
                          ["contend", "--addr", "\(server.address)", "--name", "contended", "--counter", "ctr",
                           "--iterations", "\(iterations)", "--tasks", "\(tasks)"])
            }
            var tokens: [Int64] = []
            for c in children {
                guard let done = json(c.line(timeout: 60)), done["event"]?.stringValue == "done" else {
                    return XCTFail("\(kind): probe did not finish")
                }
                for perTask in done["tokens"]?.arrayValue ?? [] {
                    let t = perTask.arrayValue!.compactMap(\.intValue)
                    XCTAssertEqual(t, t.sorted(), "\(kind): a task's tokens must increase")
                    XCTAssertEqual(Set(t).count, t.count)
                    tokens += t
                }
            }
            let total = procs * tasks * iterations
            let conn = try Connection(server.address)
            XCTAssertEqual(try conn.command("GET", "ctr").string, "\(total)", "\(kind): lost updates => no mutual exclusion")
            XCTAssertEqual(Set(tokens).count, total, "\(kind): every acquisition gets its own token")
            XCTAssertEqual(try conn.command("GET", "redisson_lock_token:{contended}").string, "\(total)")
            XCTAssertEqual(try conn.command("EXISTS", "contended"), .integer(0))
        }
    }

    func testReentrancyAndOwnerCheckedUnlock() async throws {
        try await onBothServers { server, kind in
            let a = LockClient(address: server.address), b = LockClient(address: server.address)
            let h1 = try await a.lock("re", leaseTime: .seconds(30), threadId: 7)
            let h2 = try await a.lock("re", leaseTime: .seconds(30), threadId: 7)
            let r1 = try await a.command(["HGET", "re", "\(a.clientId):7"]).string
            XCTAssertEqual(r1, "2")
            XCTAssertGreaterThan(h2.token!, h1.token!)
            let other = try await b.tryLock("re", threadId: 7)
            XCTAssertNil(other, "\(kind): another client must not get it")
            let sameClientOtherThread = try await a.tryLock("re", threadId: 8)
            XCTAssertNil(sameClientOtherThread, "\(kind): another thread of the same client must not get it")
            do { _ = try await b.unlock("re", threadId: 7); XCTFail("owner check") } catch let e as LockError {
                XCTAssertEqual(e, .notHeld("re"))
            }
            let r2 = try await h2.unlock()
            XCTAssertFalse(r2)      // still held once
            let r3 = try await a.command(["HGET", "re", "\(a.clientId):7"]).string
            XCTAssertEqual(r3, "1")
            do { _ = try await h2.unlock(); XCTFail("double unlock") } catch let e as LockError {
                XCTAssertEqual(e, .notHeld("re"))
            }
            let r4 = try await h1.unlock()
            XCTAssertTrue(r4)
            let r5 = try await a.command(["EXISTS", "re"])
            XCTAssertEqual(r5, .integer(0))
            // forceUnlock takes anyone's lock.
            _ = try await b.lock("re", leaseTime: .seconds(30), threadId: 1)
            let r6 = try await a.forceUnlock("re")
            XCTAssertTrue(r6)
            let r7 = try await a.forceUnlock("re")
            XCTAssertFalse(r7)
        }
    }

    func testUnlockRetriedWithTheSameRequestIdIsIdempotent() async throws {
        try await onBothServers { server, kind in
            let a = LockClient(address: server.address)
            _ = try await a.lock("latch", leaseTime: .seconds(30), threadId: 1)
            _ = try await a.lock("latch", leaseTime: .seconds(30), threadId: 1)
            let f = a.field(threadId: 1)
            let keys = ["latch", RedissonScripts.channel("latch"), RedissonScripts.latchKey("latch", "req1")]
            let args = ["0", "30000", f, "publish", "30000"]
            let c = try Connection(server.address)
            let first = try c.command(["EVAL", RedissonScripts.unlock, "3"] + keys + args)
            let retry = try c.command(["EVAL", RedissonScripts.unlock, "3"] + keys + args)
            XCTAssertEqual(first, .integer(0), "\(kind)")
            XCTAssertEqual(retry, .integer(0), "\(kind): the retry returns the first outcome")
            XCTAssertEqual(try c.command("HGET", "latch", f).string, "1", "\(kind): decremented once")
        }
    }

    func testWatchdogRenewsPastTheLeaseAndStopsWhenTheHolderDropsIt() async throws {
        try await onBothServers { server, kind in
            var opts = LockOptions()
            opts.watchdogLease = .milliseconds(1200)
            let a = LockClient(address: server.address, options: opts)
            let b = LockClient(address: server.address)
            var h: LockHandle? = try await a.lock("wd", threadId: 1)
            try await Task.sleep(nanoseconds: 2_600_000_000)       // > 2 leases
            let stolen = try await b.tryLock("wd")
            XCTAssertNil(stolen, "\(kind): renewed past its lease")
            let r8 = try await b.command(["PTTL", "wd"]).int ?? -2
            XCTAssertGreaterThan(r8, 0)
            XCTAssertEqual(a.renewedLocks, 1)
            _ = h?.name
            h = nil    // the holder goes away without unlocking: renewal stops, the lease runs out
            try await eventually(5, "lease ran out after the handle was dropped") {
                try await b.command(["EXISTS", "wd"]) == .integer(0)
            }
            XCTAssertEqual(a.renewedLocks, 0)
        }
    }

    func testLeaseExpiresAfterTheHolderProcessIsKilled() async throws {
        try await onBothServers { server, kind in
            let holder = try Child(siblingBinary("keyward-lockprobe"),
                                   ["hold", "--addr", "\(server.address)", "--name", "doomed", "--watchdog-ms", "1500",
                                    "--client-id", "probe-holder"])
            guard let acquired = json(holder.line()), acquired["event"]?.stringValue == "acquired" else {
                return XCTFail("\(kind): holder did not acquire")
            }
            let b = LockClient(address: server.address)
            try await Task.sleep(nanoseconds: 2_000_000_000)       // past its lease: the probe's watchdog renews
            let early = try await b.tryLock("doomed")
            XCTAssertNil(early, "\(kind): a live holder keeps its lock past the lease")
            if kind == .keyward {
                let doc = json(try await b.command(["ADMIN", "LOCKS", "doomed"]).string)
                XCTAssertEqual(doc?["locks"]?.arrayValue?.first?["owners"]?.arrayValue?.first?["connection"]?.stringValue, "alive")
            }
            holder.kill9()
            let t0 = nowMs()
            let h = try await b.tryLock("doomed", waitTime: .seconds(10), leaseTime: .seconds(30))
            let waited = nowMs() - t0
            XCTAssertNotNil(h, "\(kind): the lease of a killed holder runs out")
            XCTAssertLessThan(waited, 5000, "\(kind): acquired within about one lease (1.5 s)")
            if kind == .keyward {
                _ = try await h?.unlock()
                _ = try await b.command(["EVAL", RedissonScripts.acquire, "1", "doomed", "30000", "probe-holder:1"])
                let doc = json(try await b.command(["ADMIN", "LOCKS", "doomed"]).string)
                XCTAssertEqual(doc?["locks"]?.arrayValue?.first?["owners"]?.arrayValue?.first?["connection"]?.stringValue, "gone")
            }
        }
    }

    func testAWaiterWakesOnTheUnlockMessageNotAtItsNextPoll() async throws {
        try await onBothServers { server, kind in
            let a = LockClient(address: server.address), b = LockClient(address: server.address)
            let h = try await a.lock("wake", leaseTime: .seconds(30), threadId: 1)
            let waiter = Task { () -> Double? in
                guard let w = try await b.tryLock("wake", waitTime: .seconds(20), leaseTime: .seconds(30), threadId: 2) else { return nil }
                let at = nowMs()
                _ = try await w.unlock()
                return at
            }
            try await eventually(10, "waiter subscribed") {
                try await a.command(["PUBSUB", "NUMSUB", RedissonScripts.channel("wake")]).array?.last == .integer(1)
            }
            let t0 = nowMs()
            _ = try await h.unlock()
            guard let acquiredAt = try await waiter.value else { return XCTFail("\(kind): waiter gave up") }
            let ms = acquiredAt - t0
            print("[locks] \(kind): waiter acquired \(String(format: "%.2f", ms)) ms after unlock (lock PTTL was ~30 s)")
            XCTAssertLessThan(ms, 500, "\(kind): woken by the unlock message (a TTL poll would take ~30 s)")
        }
    }

    func testLocalWaitersShareOneSubscriptionAndEachUnlockWakesOne() async throws {
        try await onBothServers { server, kind in
            let a = LockClient(address: server.address), b = LockClient(address: server.address)
            let h = try await a.lock("herd", leaseTime: .seconds(30), threadId: 1)
            let waiters = (0..<4).map { i in
                Task { () -> Int64 in
                    let w = try await b.lock("herd", leaseTime: .seconds(30), threadId: UInt64(10 + i))
                    try await Task.sleep(nanoseconds: 5_000_000)
                    _ = try await w.unlock()
                    return w.token ?? -1
                }
            }
            try await eventually(10, "all four waiting") { b.channels.count == 1 && BlockingPool.shared.busy >= 4 }
            let subs = try await a.command(["PUBSUB", "NUMSUB", RedissonScripts.channel("herd")]).array?.last
            XCTAssertEqual(subs, .integer(1), "\(kind): one subscription for the client's four waiters")
            let t0 = nowMs()
            _ = try await h.unlock()
            var tokens: [Int64] = []
            for w in waiters { tokens.append(try await w.value) }
            // Each unlock wakes the next waiter: the chain takes milliseconds, not the 30 s PTTL.
            XCTAssertLessThan(nowMs() - t0, 5000, "\(kind)")
            XCTAssertEqual(Set(tokens).count, 4)
            XCTAssertEqual(b.channels.count, 0)
        }
    }

    func testCancellingAWaiterStopsItAndLeavesTheSubscription() async throws {
        try await onBothServers { server, kind in
            let a = LockClient(address: server.address), b = LockClient(address: server.address)
            let h = try await a.lock("cancel", leaseTime: .seconds(30), threadId: 1)
            let waiter = Task { try await b.lock("cancel", leaseTime: .seconds(30), threadId: 2) }
            try await eventually(10, "waiter subscribed") { b.channels.count == 1 }
            let t0 = nowMs()
            waiter.cancel()
            do { _ = try await waiter.value; XCTFail("\(kind): a cancelled waiter must not get the lock") } catch is CancellationError {}
            XCTAssertLessThan(nowMs() - t0, 2000, "\(kind): cancellation noticed within a wait slice")
            XCTAssertEqual(b.channels.count, 0)
            let holders = try await a.holders("cancel")
            XCTAssertEqual(holders.map(\.field), [h.field])
            _ = try await h.unlock()
        }
    }

    func testFencingTokensStrictlyIncreaseAcrossClients() async throws {
        try await onBothServers { server, kind in
            let clients = [LockClient(address: server.address), LockClient(address: server.address)]
            var last: Int64 = 0
            for i in 0..<20 {
                let h = try await clients[i % 2].lock("fenced", leaseTime: .seconds(10), threadId: 1)
                XCTAssertGreaterThan(h.token!, last, "\(kind)")
                last = h.token!
                _ = try await h.unlock()
            }
        }
    }

    func testWaitAckedModeRefusesWhenNoReplicaAcknowledges() async throws {
        try await onBothServers { server, kind in
            var opts = LockOptions()
            opts.replicaAcks = (replicas: 1, timeout: .milliseconds(50))
            let a = LockClient(address: server.address, options: opts)
            do {
                _ = try await a.tryLock("acked", leaseTime: .seconds(30), threadId: 1)
                XCTFail("\(kind): must fail closed without a replica")
            } catch let e as LockError {
                XCTAssertEqual(e, .notReplicated(lock: "acked", acked: 0, needed: 1))
            }
            let r9 = try await a.command(["EXISTS", "acked"])
            XCTAssertEqual(r9, .integer(0), "\(kind): the unconfirmed hold was released")
        }
    }

    func testWithLockRecordsTheFailureAndNotifies() async throws {
        try await onBothServers { server, kind in
            let seen = Locked<[LockFailureRecord]>([])
            var opts = LockOptions()
            opts.failureSinks = [ServerFailureSink(), ClosureFailureSink { r in seen.with { $0.append(r) } }]
            let holder = LockClient(address: server.address, clientId: "holder-client")
            let worker = LockClient(address: server.address, options: opts)
            _ = try await holder.lock("job", leaseTime: .seconds(30), threadId: 5)
            let sub = try Connection(server.address)
            _ = try sub.command("SUBSCRIBE", LockConventions.alertChannel)
            let task = TaskInfo(name: "nightly-report", id: "run-42", owner: "ops@example.com")
            do {
                _ = try await worker.withLock("job", task: task, attempts: 3, retryDelay: .milliseconds(10)) { _ in 1 }
                XCTFail("\(kind): must give up")
            } catch LockError.gaveUp(let r) {
                XCTAssertEqual(r.attempts, 3)
                XCTAssertEqual(r.holders.map(\.field), ["holder-client:5"])
            }
            XCTAssertEqual(seen.get.count, 1)
            let stored = try await worker.command(["LRANGE", LockConventions.failureKey, "0", "-1"]).array ?? []
            XCTAssertEqual(stored.count, 1, "\(kind)")
            let rec = json(stored.first?.string)
            XCTAssertEqual(rec?["lock"]?.stringValue, "job")
            XCTAssertEqual(rec?["task"]?["owner"]?.stringValue, "ops@example.com")
            XCTAssertEqual(rec?["holders"]?.arrayValue?.first?["clientId"]?.stringValue, "holder-client")
            let alert = try sub.readReply(wait: 5).array
            XCTAssertEqual(alert?[1].string, LockConventions.alertChannel)
            XCTAssertEqual(alert?[2].string, stored.first?.string, "\(kind): the alert carries the record")
            // The wrapper runs the body and releases when the lock is free.
            _ = try await holder.unlock("job", threadId: 5)
            let v = try await worker.withLock("job", task: task, attempts: 1) { h in h.name }
            XCTAssertEqual(v, "job")
            let r10 = try await worker.command(["EXISTS", "job"])
            XCTAssertEqual(r10, .integer(0))
        }
    }

    func testBackoffGrowsAndStaysWithinJitterBounds() {
        XCTAssertEqual(LockClient.backoffMs(attempt: 1, base: .milliseconds(100), cap: .seconds(5), random: 0), 50)
        XCTAssertEqual(LockClient.backoffMs(attempt: 3, base: .milliseconds(100), cap: .seconds(5), random: 0.5), 400)
        XCTAssertEqual(LockClient.backoffMs(attempt: 20, base: .milliseconds(100), cap: .seconds(5), random: 0.999), 7495)
        XCTAssertEqual(Cache.jittered(.seconds(100), jitter: 0.1, random: 0), 90_000)
        XCTAssertEqual(Cache.jittered(.seconds(100), jitter: 0.1, random: 0.5), 100_000)
    }
}
