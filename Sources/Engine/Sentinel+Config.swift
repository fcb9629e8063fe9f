// What a sentinel must survive a restart with (sentinel.c rewriteConfigSentinelOption): the
// monitored masters and their settings, the config and leader epochs, the replicas and peers
// it knows, and the current epoch — without the epochs a restarted sentinel could vote twice
// in one epoch. Also the recent-votes log the console reads.

/// One vote seen: ours (`voter` = our id) or a peer's, from its `is-master-down-by-addr` reply.
public struct SentinelVoteRecord: Equatable, Sendable {
    public var master: String
    public var epoch: UInt64
    public var voter: String
    public var candidate: String
    public var time: Int64
}

/// A master's failover progress with its timestamps (for SENTINEL MASTER and the console).
public struct SentinelFailoverStatus: Equatable, Sendable {
    public var state: SentinelFailoverState
    public var epoch: UInt64
    public var startTime: Int64
    public var stateChangeTime: Int64
    public var promoted: SentinelAddress?
}

extension Sentinel {
    static let voteLogLimit = 128

    func recordVote(_ m: SentinelInstance, epoch: UInt64, voter: String, candidate: String, now: Int64) {
        if voteLog.count == Sentinel.voteLogLimit { voteLog.removeFirst() }
        voteLog.append(SentinelVoteRecord(master: m.name, epoch: epoch, voter: voter, candidate: candidate, time: now))
    }

    /// Oldest first, at most `voteLogLimit`.
    public var recentVotes: [SentinelVoteRecord] { voteLog }

    public func failoverStatus(_ name: String) -> SentinelFailoverStatus? {
        guard let m = master(named: name) else { return nil }
        return SentinelFailoverStatus(state: m.failoverState, epoch: m.failoverEpoch, startTime: m.failoverStartTime,
                                      stateChangeTime: m.failoverStateChangeTime, promoted: m.promoted?.addr)
    }

    /// The `sentinel ...` config lines, in Redis's order (the `sentinel myid` line first).
    public func configLines() -> [String] {
        var lines = ["sentinel myid \(myID)"]
        for m in masters {
            let addr = currentMasterAddress(m)
            lines.append("sentinel monitor \(m.name) \(addr.ip) \(addr.port) \(m.quorum)")
            if m.downAfter != SentinelTiming.defaultDownAfter {
                lines.append("sentinel down-after-milliseconds \(m.name) \(m.downAfter)")
            }
            if m.failoverTimeout != SentinelTiming.defaultFailoverTimeout {
                lines.append("sentinel failover-timeout \(m.name) \(m.failoverTimeout)")
            }
            if m.parallelSyncs != 1 { lines.append("sentinel parallel-syncs \(m.name) \(m.parallelSyncs)") }
            lines.append("sentinel config-epoch \(m.name) \(m.configEpoch)")
            lines.append("sentinel leader-epoch \(m.name) \(m.leaderEpoch)")
            for r in m.replicas {
                // Mid-failover the promoted replica is the master above: list the old one instead.
                let a = r.addr == addr ? m.addr : r.addr
                lines.append("sentinel known-replica \(m.name) \(a.ip) \(a.port)")
            }
            for s in m.sentinels {
                guard let id = s.runID else { continue }
                lines.append("sentinel known-sentinel \(m.name) \(s.addr.ip) \(s.addr.port) \(id)")
            }
        }
        lines.append("sentinel current-epoch \(currentEpoch)")
        return lines
    }

    /// Applies one config line's arguments after `sentinel` (`myid` is the constructor's job).
    /// Returns the error to report, or nil.
    public func applyConfig(_ a: [String], now: Int64) -> String? {
        guard let verb = a.first?.lowercased() else { return "Unrecognized sentinel configuration statement." }
        func num(_ i: Int) -> Int64? { i < a.count ? Int64(a[i]) : nil }
        if verb == "current-epoch", a.count == 2, let e = num(1), e >= 0 {
            currentEpoch = max(currentEpoch, UInt64(e))
            return nil
        }
        if verb == "myid", a.count == 2 { return a[1] == myID ? nil : "Sentinel myid mismatch" }
        if verb == "monitor", a.count == 5, let p = num(3), let q = num(4) {
            guard q > 0 else { return "Quorum must be 1 or greater." }
            guard master(named: a[1]) == nil else { return "Duplicated master name." }
            monitor(name: a[1], addr: SentinelAddress(a[2], Int(p)), quorum: Int(q), now: now)
            return nil
        }
        guard a.count >= 3, let m = master(named: a[1]) else {
            return a.count >= 3 ? "No such master with specified name." : "Unrecognized sentinel configuration statement."
        }
        switch (verb, a.count) {
        case ("down-after-milliseconds", 3):
            guard let v = num(2), v > 0 else { return "negative or zero time parameter." }
            m.downAfter = v
        case ("failover-timeout", 3):
            guard let v = num(2), v > 0 else { return "negative or zero time parameter." }
            m.failoverTimeout = v
        case ("parallel-syncs", 3):
            guard let v = num(2), v > 0 else { return "Unrecognized sentinel configuration statement." }
            m.parallelSyncs = Int(v)
        case ("config-epoch", 3):
            guard let v = num(2), v >= 0 else { return "Unrecognized sentinel configuration statement." }
            m.configEpoch = UInt64(v)
            currentEpoch = max(currentEpoch, m.configEpoch)
        case ("leader-epoch", 3):
            guard let v = num(2), v >= 0 else { return "Unrecognized sentinel configuration statement." }
            m.leaderEpoch = UInt64(v)
        case ("known-replica", 4), ("known-slave", 4):
            guard let p = num(3) else { return "Unrecognized sentinel configuration statement." }
            let addr = SentinelAddress(a[2], Int(p))
            if !m.replicas.contains(where: { $0.addr == addr }) {
                m.replicas.append(SentinelInstance(role: .replica, addr: addr, master: m, now: now))
            }
        case ("known-sentinel", 5):
            guard let p = num(3) else { return "Unrecognized sentinel configuration statement." }
            let s = SentinelInstance(role: .sentinel, addr: SentinelAddress(a[2], Int(p)), master: m, now: now)
            s.runID = a[4]
            m.sentinels.removeAll { $0.runID == a[4] || $0.addr == s.addr }
            m.sentinels.append(s)
        default:
            return "Unrecognized sentinel configuration statement."
        }
        return nil
    }
}
