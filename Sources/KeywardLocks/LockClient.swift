// KeywardLocks: Redisson-compatible distributed locks over KeywardClient (docs/locks.md).
//
//   let locks = LockClient(address: try ServerAddress(parsing: "127.0.0.1:6379"))
//   let h = try await locks.lock("orders")          // waits; watchdog keeps it while `h` lives
//   defer-ish: try await h.unlock()
//
// Owner identity is Redisson's field `<clientId>:<threadId>`. The thread id is
// `LockIdentity.threadId` when a task sets it (child tasks inherit it, so they re-enter their
// parent's locks), else a number derived from the current task, else from the OS thread.

import Admin
import Foundation
import KeywardClient
import RESP

public enum LockError: Error, Equatable, CustomStringConvertible {
    /// Unlock of a lock this owner does not hold (Redisson's IllegalMonitorStateException).
    case notHeld(String)
    /// WAIT-acked mode: the lock reached fewer replicas than required; it was released again.
    case notReplicated(lock: String, acked: Int, needed: Int)
    /// withLock gave up after its last attempt (the failure record was delivered to the sinks).
    case gaveUp(LockFailureRecord)

    public var description: String {
        switch self {
        case .notHeld(let n): return "lock '\(n)' is not held by this owner"
        case .notReplicated(let n, let a, let k): return "lock '\(n)' reached \(a) of \(k) replicas; released"
        case .gaveUp(let r): return "gave up on lock '\(r.lock)' after \(r.attempts) attempts"
        }
    }
}

public enum LockIdentity {
    @TaskLocal public static var threadId: UInt64?

    public static var current: UInt64 {
        if let t = threadId { return t }
        if let t = withUnsafeCurrentTask(body: { $0.map { UInt64(UInt(bitPattern: $0.hashValue)) } }) { return t >> 1 }
        return UInt64(UInt(bitPattern: Int(bitPattern: UInt(pthread_self()))))
    }
}

public struct LockOptions: Sendable {
    /// Lease used when `lock`/`tryLock` get no lease: renewed by the watchdog every third of it.
    public var watchdogLease: Duration = .seconds(30)
    /// Acquire through RFencedLock's script (INCR of `redisson_lock_token:{name}`, token returned).
    public var fencing = true
    /// WAIT-acked mode: after acquiring, `WAIT replicas timeout`; fewer acks -> release and throw.
    public var replicaAcks: (replicas: Int, timeout: Duration)? = nil
    /// Per-command socket deadline.
    public var ioTimeout: Double = 5
    /// Where withLock's failure records go.
    public var failureSinks: [LockFailureSink] = [ServerFailureSink()]
    public init() {}
}

public final class LockClient: Sendable {
    public let clientId: String
    public let options: LockOptions
    let pool: ConnectionPool
    let renewals = Locked<[String: Renewal]>([:])
    let channels = ChannelRegistry()

    public convenience init(address: ServerAddress, clientId: String = UUID().uuidString.lowercased(),
                            options: LockOptions = LockOptions()) {
        self.init(server: .address(address), clientId: clientId, options: options)
    }

    /// `.sentinel(sentinels, masterName:)` follows the master Sentinel names (see LockServer).
    public init(server: LockServer, clientId: String = UUID().uuidString.lowercased(), options: LockOptions = LockOptions()) {
        self.clientId = clientId
        self.options = options
        self.pool = ConnectionPool(server: server, clientId: clientId, timeout: options.ioTimeout)
    }

    deinit { pool.closeAll() }

    public func field(threadId: UInt64) -> String { "\(clientId):\(threadId)" }

    /// Runs a command on a pooled connection (off the concurrency pool).
    public func command(_ args: [String]) async throws -> RESPValue {
        let pool = self.pool
        return try await blocking { try pool.with { try $0.command(args) } }
    }

    /// Waits as long as it takes. `leaseTime` nil: watchdog lease, renewed while the handle lives.
    public func lock(_ name: String, leaseTime: Duration? = nil, threadId: UInt64 = LockIdentity.current) async throws -> LockHandle {
        guard let h = try await acquire(name, waitMs: nil, leaseTime: leaseTime, threadId: threadId) else {
            throw ClientError.timeout
        }
        return h
    }

    /// Waits at most `waitTime` (zero: one attempt); nil when the lock stayed taken.
    public func tryLock(_ name: String, waitTime: Duration = .zero, leaseTime: Duration? = nil,
                        threadId: UInt64 = LockIdentity.current) async throws -> LockHandle? {
        try await acquire(name, waitMs: max(0, waitTime.milliseconds), leaseTime: leaseTime, threadId: threadId)
    }

    func acquire(_ name: String, waitMs: Int64?, leaseTime: Duration?, threadId: UInt64) async throws -> LockHandle? {
        let leaseMs = (leaseTime ?? options.watchdogLease).milliseconds
        let field = self.field(threadId: threadId)
        let cancel = Locked(false)
        let pool = self.pool, options = self.options, channels = self.channels
        let token: Int64?? = try await withTaskCancellationHandler {
            try await blocking {
                try Acquirer(pool: pool, options: options, name: name, field: field, leaseMs: leaseMs, cancel: cancel,
                         channels: channels)
                    .run(waitMs: waitMs)
            }
        } onCancel: { cancel.with { $0 = true } }
        guard let t = token else { return nil }
        let h = LockHandle(client: self, name: name, field: field, token: t, leaseMs: leaseMs)
        if leaseTime == nil { startWatchdog(h) }
        return h
    }

    /// Releases one hold of `field` (true when the lock is now free). Retried on connection
    /// errors with the same request id: the 4.x latch makes the retry return the first outcome.
    func release(name: String, field: String, leaseMs: Int64) async throws -> Bool {
        let pool = self.pool
        let requestId = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let r: RESPValue = try await blocking {
            var last: Error = ClientError.closed
            for _ in 0..<3 {
                do {
                    return try pool.with { c in
                        try pool.eval(c, RedissonScripts.unlock,
                                      keys: [name, RedissonScripts.channel(name), RedissonScripts.latchKey(name, requestId)],
                                      args: ["0", String(leaseMs), field, "publish", String(max(leaseMs, 30_000))])
                    }
                } catch let e as ClientError {
                    if case .server = e { throw e }
                    last = e
                }
            }
            throw last
        }
        guard let n = r.int else { throw LockError.notHeld(name) }
        return n == 1
    }

    /// Releases one hold of `name` by this client and `threadId` (Redisson's unlock()); throws
    /// `LockError.notHeld` when that owner holds no lock there (owner-checked).
    @discardableResult
    public func unlock(_ name: String, threadId: UInt64 = LockIdentity.current) async throws -> Bool {
        let f = field(threadId: threadId)
        let freed = try await release(name: name, field: f, leaseMs: options.watchdogLease.milliseconds)
        if freed { stopWatchdogs(name: name, field: f) }
        return freed
    }

    /// Deletes the lock whoever holds it and wakes its waiters; true when there was one.
    @discardableResult
    public func forceUnlock(_ name: String) async throws -> Bool {
        stopWatchdogs(name: name)
        let pool = self.pool
        let r = try await blocking {
            try pool.with { try pool.eval($0, RedissonScripts.forceUnlock, keys: [name, RedissonScripts.channel(name)], args: ["0"]) }
        }
        return r.int == 1
    }

    /// The lock's current owners (HGETALL of the hash), empty when free.
    public func holders(_ name: String) async throws -> [LockOwnerInfo] {
        guard let items = try await command(["HGETALL", name]).array else { return [] }
        var out: [LockOwnerInfo] = []
        var i = 0
        while i + 1 < items.count {
            if let f = items[i].string, let n = items[i + 1].string.flatMap({ Int64($0) }),
               let o = LockOwnerInfo(field: f, reentrancy: n) { out.append(o) }
            i += 2
        }
        return out
    }
}

/// One hold of a lock. Unlock it once; if it is dropped without unlocking, the watchdog stops
/// and the lease runs out (the holder is presumed gone).
public final class LockHandle: @unchecked Sendable {
    public let name: String
    public let field: String
    /// The fencing token of this acquisition (fencing on), strictly greater than any before it.
    public let token: Int64?
    let leaseMs: Int64
    let client: LockClient
    let released = Locked(false)

    init(client: LockClient, name: String, field: String, token: Int64?, leaseMs: Int64) {
        self.client = client
        self.name = name
        self.field = field
        self.token = token
        self.leaseMs = leaseMs
    }

    /// Releases this hold; true when the lock became free (last reentrant hold).
    @discardableResult
    public func unlock() async throws -> Bool {
        guard released.with({ let was = $0; $0 = true; return !was }) else { throw LockError.notHeld(name) }
        client.dropFromWatchdog(self)
        return try await client.release(name: name, field: field, leaseMs: leaseMs)
    }
}
