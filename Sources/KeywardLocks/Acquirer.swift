// The acquire loop, run on a dedicated thread (Blocking.swift): try the script; when taken,
// join the client's subscription to `redisson_lock__channel:{name}` (Subscriptions.swift) and
// try again (so an unlock between the first try and the subscription is not missed), then sleep
// until the subscription wakes this waiter on an unlock message, the lock's PTTL (a holder that
// died publishes nothing; its lease runs out) or the wait budget, whichever is first. No polling of the server: each retry follows a message or a TTL.

import Foundation
import KeywardClient
import RESP

struct Acquirer {
    let pool: ConnectionPool
    let options: LockOptions
    let name: String
    let field: String
    let leaseMs: Int64
    let cancel: Locked<Bool>
    let channels: ChannelRegistry

    enum Attempt { case acquired(Int64?), taken(pttl: Int64) }

    /// The fencing token (nil inside when fencing is off) when acquired; nil when the wait ran out.
    func run(waitMs: Int64?) throws -> Int64?? {
        let deadline = waitMs.map { monotonicMs() + $0 }
        let channel = RedissonScripts.channel(name)
        var entry: ChannelEntry? = nil
        defer { if let e = entry { channels.leave(channel, e) } }
        while true {
            let a = try pool.with { try attempt($0) }
            var pttl: Int64
            switch a {
            case .acquired(let t): return .some(t)
            case .taken(let p): pttl = p
            }
            if cancel.get { throw CancellationError() }
            let left = deadline.map { $0 - monotonicMs() }
            if let l = left, l <= 0 { return .none }
            if entry == nil || entry!.broken.get {
                if let e = entry { channels.leave(channel, e) }
                entry = nil
                entry = try channels.join(channel) { try pool.openSubscriber() }
                continue
            }
            if pttl == -2 { continue }             // freed between the script and now
            if pttl < 0 { pttl = Int64.max }        // no TTL: only the message wakes us
            try waitForUnlock(entry!, until: monotonicMs() + min(pttl, left ?? Int64.max))
        }
    }

    func attempt(_ c: Connection) throws -> Attempt {
        let r: RESPValue
        if options.fencing {
            r = try pool.eval(c, RedissonScripts.acquireFenced, keys: [name, RedissonScripts.tokenKey(name)],
                              args: [String(leaseMs), field])
            guard let items = r.array, items.count == 2, let first = items[0].int else {
                throw ClientError.protocolError("unexpected acquire reply \(r)")
            }
            if first != -1 { return .taken(pttl: first) }
            try confirmReplicas(c)
            return .acquired(items[1].int)
        }
        r = try pool.eval(c, RedissonScripts.acquire, keys: [name], args: [String(leaseMs), field])
        if case .null = r {
            try confirmReplicas(c)
            return .acquired(nil)
        }
        guard let p = r.int else { throw ClientError.protocolError("unexpected acquire reply \(r)") }
        return .taken(pttl: p)
    }

    /// WAIT-acked mode: WAIT on the connection that wrote the lock; too few acks -> undo this
    /// hold and fail closed (the lock may not survive a failover).
    func confirmReplicas(_ c: Connection) throws {
        guard let need = options.replicaAcks else { return }
        let r = try c.command("WAIT", String(need.replicas), String(max(1, need.timeout.milliseconds)))
        let acked = Int(r.int ?? 0)
        if acked >= need.replicas { return }
        _ = try? pool.eval(c, RedissonScripts.unlock3, keys: [name, RedissonScripts.channel(name)],
                           args: ["0", String(leaseMs), field])
        throw LockError.notReplicated(lock: name, acked: acked, needed: need.replicas)
    }

    /// Sleeps until the shared subscription wakes this waiter or `until` (ms, monotonic);
    /// checks for task cancellation every 200 ms (no server traffic).
    func waitForUnlock(_ e: ChannelEntry, until: Int64) throws {
        while true {
            let left = until - monotonicMs()
            if left <= 0 { return }
            if e.wake.wait(timeout: .now() + .milliseconds(Int(min(left, 200)))) == .success { return }
            if cancel.get { throw CancellationError() }
        }
    }
}
