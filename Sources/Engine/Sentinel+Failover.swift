// The failover state machine (sentinel.c sentinelFailoverStateMachine):
// wait-start (win the epoch's election) → select-slave → send-slaveof-noone → wait-promotion
// (the replica's INFO says role:master, see Sentinel+Info) → reconf-slaves (SLAVEOF the new
// master, parallel-syncs at a time) → update-config (switch the monitored address).
// Every state times out after failover-timeout; before promotion a timeout aborts.

extension Sentinel {
    func startFailoverIfNeeded(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) -> Bool {
        guard m.isOdown, m.failoverState == .none else { return false }
        // Don't retry before 2x failover-timeout since our (or a voted-for peer's) last try.
        guard now - m.failoverStartTime >= m.failoverTimeout * 2 else { return false }
        startFailover(m, now: now, &out)
        return true
    }

    func startFailover(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        m.failoverState = .waitStart
        m.failoverStateChangeTime = now
        currentEpoch += 1
        m.failoverEpoch = currentEpoch
        out.append(.event("+new-epoch", "\(currentEpoch)"))
        out.append(.event("+try-failover", m.eventName))
        m.failoverStartTime = now + random(below: SentinelTiming.maxDesync)
    }

    /// `SENTINEL FAILOVER name`: a failover without agreement or election. Returns the Redis
    /// error text when refused.
    public func forceFailover(_ name: String, now: Int64) -> (error: String?, actions: [SentinelAction]) {
        guard let m = master(named: name) else { return ("ERR No such master with that name", []) }
        guard m.failoverState == .none else { return ("INPROG Failover already in progress", []) }
        guard selectReplica(m, now: now) != nil else { return ("NOGOODSLAVE No suitable replica to promote", []) }
        var out: [SentinelAction] = []
        startFailover(m, now: now, &out)
        m.failoverForced = true
        return (nil, out)
    }

    func failoverStep(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        switch m.failoverState {
        case .none, .updateConfig: return
        case .waitStart: waitStart(m, now: now, &out)
        case .selectSlave: selectSlaveStep(m, now: now, &out)
        case .sendSlaveofNoOne: sendSlaveofNoOne(m, now: now, &out)
        case .waitPromotion:
            if now - m.failoverStateChangeTime > m.failoverTimeout {
                out.append(.event("-failover-abort-slave-timeout", m.eventName))
                abortFailover(m, now: now)
            }
        case .reconfSlaves: reconfNextReplicas(m, now: now, &out)
        }
    }

    func waitStart(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        let isLeader = leader(m, epoch: m.failoverEpoch, now: now, &out) == myID
        if !isLeader, !m.failoverForced {
            if now - m.failoverStartTime > min(SentinelTiming.electionTimeout, m.failoverTimeout) {
                out.append(.event("-failover-abort-not-elected", m.eventName))
                abortFailover(m, now: now)
            }
            return
        }
        out.append(.event("+elected-leader", m.eventName))
        enter(m, .selectSlave, now: now)
        out.append(.event("+failover-state-select-slave", m.eventName))
    }

    func selectSlaveStep(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        guard let r = selectReplica(m, now: now) else {
            out.append(.event("-failover-abort-no-good-slave", m.eventName))
            abortFailover(m, now: now)
            return
        }
        out.append(.event("+selected-slave", r.eventName))
        r.isPromoted = true
        m.promoted = r
        enter(m, .sendSlaveofNoOne, now: now)
        out.append(.event("+failover-state-send-slaveof-noone", r.eventName))
    }

    /// sentinelSelectSlave: healthy, recently seen, not priority 0, not disconnected from its
    /// master for too long; then lowest priority, highest offset, smallest run id.
    func selectReplica(_ m: SentinelInstance, now: Int64) -> SentinelInstance? {
        let maxMasterDown = (m.isSdown ? now - m.sdownSince : 0) + m.downAfter * 10
        let infoValidity = m.isOdown ? SentinelTiming.pingPeriod * 5 : SentinelTiming.infoPeriod * 3
        let ok = m.replicas.filter { r in
            !r.isSdown && !r.isOdown && r.connected
                && now - r.lastAvailTime <= SentinelTiming.pingPeriod * 5
                && r.slavePriority != 0
                && r.infoRefresh != 0 && now - r.infoRefresh <= infoValidity
                && r.masterLinkDownTime <= maxMasterDown
        }
        return ok.min(by: Sentinel.promotionOrder)
    }

    static func promotionOrder(_ a: SentinelInstance, _ b: SentinelInstance) -> Bool {
        if a.slavePriority != b.slavePriority { return a.slavePriority < b.slavePriority }
        if a.replOffset != b.replOffset { return a.replOffset > b.replOffset }
        switch (a.runID, b.runID) {
        case let (x?, y?): return x.lowercased() < y.lowercased()
        case (_?, nil): return true      // a known run id beats an unknown one
        default: return false
        }
    }

    func sendSlaveofNoOne(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        guard let p = m.promoted else { return abortFailover(m, now: now) }
        guard p.connected else {
            if now - m.failoverStateChangeTime > m.failoverTimeout {
                out.append(.event("-failover-abort-slave-timeout", m.eventName))
                abortFailover(m, now: now)
            }
            return
        }
        out.append(.send(p.id(m.name), slaveofBlock(nil)))
        enter(m, .waitPromotion, now: now)
        out.append(.event("+failover-state-wait-promotion", p.eventName))
    }

    func reconfNextReplicas(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        guard let p = m.promoted else { return }
        var inProgress = m.replicas.filter { $0.reconf == .sent || $0.reconf == .inProgress }.count
        for r in m.replicas where inProgress < m.parallelSyncs {
            if r.isPromoted || r.reconf == .done { continue }
            if r.reconf == .sent, now - r.reconfSentTime > SentinelTiming.slaveReconfTimeout {
                out.append(.event("-slave-reconf-sent-timeout", r.eventName))
                r.reconf = .done
                continue
            }
            if r.reconf != .none || !r.connected { continue }
            out.append(.send(r.id(m.name), slaveofBlock(p.addr)))
            r.reconf = .sent
            r.reconfSentTime = now
            out.append(.event("+slave-reconf-sent", r.eventName))
            inProgress += 1
        }
        detectEnd(m, now: now, &out)
    }

    func detectEnd(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        guard let p = m.promoted, !p.isSdown else { return }
        let timeout = now - m.failoverStateChangeTime > m.failoverTimeout
        let pending = m.replicas.filter { !$0.isPromoted && $0.reconf != .done && !$0.isSdown }.count
        guard pending == 0 || timeout else { return }
        if timeout { out.append(.event("-failover-end-for-timeout", m.eventName)) }
        out.append(.event("+failover-end", m.eventName))
        enter(m, .updateConfig, now: now)
        guard timeout else { return }
        // Best effort for the stragglers: tell them anyway, without tracking.
        for r in m.replicas where !r.isPromoted && r.reconf != .done && r.reconf != .sent && r.connected {
            out.append(.send(r.id(m.name), slaveofBlock(p.addr)))
            r.reconf = .sent
            out.append(.event("+slave-reconf-sent-be", r.eventName))
        }
    }

    func switchToPromoted(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        guard let p = m.promoted else { return }
        out.append(.event("+switch-master", "\(m.name) \(m.addr.ip) \(m.addr.port) \(p.addr.ip) \(p.addr.port)"))
        resetMasterAndChangeAddress(m, p.addr, now: now, &out)
    }

    /// The master now lives at `addr`: the old replicas (but the new master) and the old master
    /// become its replicas; failover state is cleared, peers and epochs are kept.
    func resetMasterAndChangeAddress(_ m: SentinelInstance, _ addr: SentinelAddress, now: Int64,
                                     _ out: inout [SentinelAction]) {
        var slaves = m.replicas.map(\.addr).filter { $0 != addr }
        if m.addr != addr { slaves.append(m.addr) }
        m.replicas = []
        m.addr = addr
        m.runID = nil
        m.leader = nil
        m.failoverState = .none
        m.failoverForced = false
        m.failoverStateChangeTime = 0
        m.failoverStartTime = 0
        m.promoted = nil
        m.sdownSince = 0
        m.odownSince = 0
        m.connected = true
        m.infoRefresh = 0
        m.infoPending = false
        m.actPingTime = now
        m.lastAvailTime = now
        m.lastPongTime = now
        m.lastPingTime = 0
        m.roleReported = .master
        m.roleReportedTime = now
        for a in slaves { addReplica(m, a, now: now, &out) }
    }

    func abortFailover(_ m: SentinelInstance, now: Int64) {
        precondition(m.failoverState != .none && m.failoverState <= .waitPromotion)
        m.failoverState = .none
        m.failoverForced = false
        m.failoverStateChangeTime = now
        m.promoted?.isPromoted = false
        m.promoted = nil
    }

    func enter(_ m: SentinelInstance, _ state: SentinelFailoverState, now: Int64) {
        m.failoverState = state
        m.failoverStateChangeTime = now
    }
}
