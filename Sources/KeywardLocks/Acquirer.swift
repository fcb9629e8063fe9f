// The acquire loop, run on a dedicated thread (Blocking.swift): try the script; when taken,
// subscribe to `redisson_lock__channel:{name}` and try again (so an unlock between the first try
// and the subscription is not missed), then sleep on the subscription until the unlock message
// or the lock's PTTL (a holder that died publishes nothing; its lease runs out) or the wait
// budget, whichever is first. No polling of the server: each retry follows a message or a TTL.

import KeywardClient
import RESP

struct Acquirer {
    let pool: ConnectionPool
    let options: LockOptions
    let name: String
    let field: String
    let leaseMs: Int64
    let cancel: Locked<Bool>

    enum Attempt { case acquired(Int64?), taken(pttl: Int64) }

    /// The fencing token (nil inside when fencing is off) when acquired; nil when the wait ran out.
    func run(waitMs: Int64?) throws -> Int64?? {
        let deadline = waitMs.map { monotonicMs() + $0 }
        var sub: Connection? = nil
        defer { if let s = sub { unsubscribe(s) } }
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
            if sub == nil {
                sub = try subscribe()
                continue
            }
            if pttl == -2 { continue }             // freed between the script and now
            if pttl < 0 { pttl = Int64.max }        // no TTL: only the message wakes us
            let until = monotonicMs() + min(pttl, left ?? Int64.max)
            try waitForUnlock(sub!, until: until)
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

    func subscribe() throws -> Connection {
        let s = try Connection(pool.address, timeout: pool.timeout)
        _ = try s.command("CLIENT", "SETNAME", "keyward-lock:" + pool.clientId)
        guard let reply = try s.command("SUBSCRIBE", RedissonScripts.channel(name)).array, reply.count == 3 else {
            s.close()
            throw ClientError.protocolError("SUBSCRIBE failed")
        }
        return s
    }

    /// Sleeps on the subscription until a message on the channel or `until` (ms, monotonic);
    /// wakes every 200 ms only to notice task cancellation (no server traffic).
    func waitForUnlock(_ s: Connection, until: Int64) throws {
        while true {
            let left = until - monotonicMs()
            if left <= 0 { return }
            if let m = try s.nextReply(wait: Double(min(left, 200)) / 1000), let items = m.array,
               items.first?.string == "message" { return }
            if cancel.get { throw CancellationError() }
        }
    }

    func unsubscribe(_ s: Connection) { s.close() }
}
