// The failure detector and the vote (sentinel.c): periodic PING/INFO/hello, SDOWN (no valid
// PING reply for more than down-after-ms), ODOWN (SDOWN here plus enough peers saying "down" to
// `is-master-down-by-addr` to reach the quorum), and the leader vote — one vote per epoch, first
// come first served, won with a majority of the known sentinels and at least the quorum.

extension Sentinel {
    /// sentinelTimer: call every ~100 ms.
    public func tick(now: Int64) -> [SentinelAction] {
        var out: [SentinelAction] = []
        checkTilt(now: now, &out)
        for m in masters {
            handle(m, now: now, &out)
            for r in m.replicas { handle(r, now: now, &out) }
            for s in m.sentinels { handle(s, now: now, &out) }
            if m.failoverState == .updateConfig { switchToPromoted(m, now: now, &out) }
        }
        return out
    }

    func handle(_ ri: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        sendPeriodic(ri, now: now, &out)
        if inTilt {
            if now - tiltSince < SentinelTiming.tiltPeriod { return }
            tiltSince = 0
            out.append(.event("-tilt", "#tilt mode exited"))
        }
        checkSdown(ri, now: now, &out)
        guard ri.role == .master else { return }
        checkOdown(ri, now: now, &out)
        if startFailoverIfNeeded(ri, now: now, &out) { askOthers(ri, forced: true, now: now, &out) }
        failoverStep(ri, now: now, &out)
        askOthers(ri, forced: false, now: now, &out)
    }

    /// TILT: the timer ran backwards or stalled for over 2 s (clock jump, process stopped, a
    /// loaded machine). Timing-based judgements are unreliable then, so for 30 s we keep
    /// polling but declare nothing down and start nothing.
    func checkTilt(now: Int64, _ out: inout [SentinelAction]) {
        let delta = now - previousTick
        if previousTick != 0, delta < 0 || delta > SentinelTiming.tiltTrigger {
            tiltSince = now
            out.append(.event("+tilt", "#tilt mode entered"))
        }
        previousTick = now
    }

    func sendPeriodic(_ ri: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        guard ri.connected else { return }
        let m = ri.masterRef
        let id = ri.id(m.name)
        // Replicas are polled every second while their master is failing over.
        let infoPeriod = ri.role == .replica && (m.isOdown || m.failoverState != .none)
            ? 1000 : SentinelTiming.infoPeriod
        let pingPeriod = min(ri.effectiveDownAfter, SentinelTiming.pingPeriod)
        if ri.role != .sentinel, !ri.infoPending, ri.infoRefresh == 0 || now - ri.infoRefresh > infoPeriod {
            ri.infoPending = true
            out.append(.send(id, [["INFO"]]))
        }
        if now - ri.lastPongTime > pingPeriod, now - ri.lastPingTime > pingPeriod / 2 {
            ri.lastPingTime = now
            if ri.actPingTime == 0 { ri.actPingTime = now }
            out.append(.send(id, [["PING"]]))
        }
        if now - ri.lastPubTime > SentinelTiming.publishPeriod {
            ri.lastPubTime = now
            out.append(.send(id, [["PUBLISH", "__sentinel__:hello", helloPayload(for: m)]]))
        }
    }

    /// A PING reply: `valid` for +PONG, -LOADING and -MASTERDOWN (the instance is alive).
    public func pingReply(_ id: SentinelInstanceID, valid: Bool, now: Int64) {
        guard let ri = instance(id) else { return }
        if valid {
            ri.lastAvailTime = now
            ri.actPingTime = 0
        }
        ri.lastPongTime = now
    }

    /// The link layer lost or regained `id`'s command link. Pending replies are lost with it.
    public func linkChanged(_ id: SentinelInstanceID, up: Bool, now: Int64) {
        guard let ri = instance(id) else { return }
        ri.connected = up
        ri.infoPending = false
        if up { ri.lastPongTime = now }
    }

    func checkSdown(_ ri: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        // A link that neither answers PINGs nor anything else for half the down-after period is
        // probably wedged: ask for a fresh one (the instance may have come back meanwhile).
        let half = ri.effectiveDownAfter / 2
        if ri.connected, ri.actPingTime != 0, now - ri.actPingTime > half, now - ri.lastPongTime > half {
            ri.infoPending = false
            ri.lastPongTime = now
            out.append(.reconnect(ri.id(ri.masterRef.name)))
        }
        let elapsed = ri.actPingTime != 0 ? now - ri.actPingTime : now - ri.lastAvailTime
        // Also down: a master that keeps reporting itself as a replica (a wrong config).
        let misreported = ri.role == .master && ri.roleReported == .replica
            && now - ri.roleReportedTime > ri.effectiveDownAfter + SentinelTiming.infoPeriod * 2
        if elapsed > ri.effectiveDownAfter || misreported {
            if !ri.isSdown {
                ri.sdownSince = now
                out.append(.event("+sdown", ri.eventName))
            }
        } else if ri.isSdown {
            ri.sdownSince = 0
            out.append(.event("-sdown", ri.eventName))
        }
    }

    func checkOdown(_ m: SentinelInstance, now: Int64, _ out: inout [SentinelAction]) {
        var votes = 0
        if m.isSdown {
            votes = 1 + m.sentinels.filter(\.masterDown).count
        }
        if m.isSdown, votes >= m.quorum {
            if !m.isOdown {
                m.odownSince = now
                out.append(.event("+odown", "\(m.eventName) #quorum \(votes)/\(m.quorum)"))
            }
        } else if m.isOdown {
            m.odownSince = 0
            out.append(.event("-odown", m.eventName))
        }
    }

    /// Asks peers whether they see `m` down; once we are a candidate the same question asks
    /// for their vote (our run id instead of `*`). Answers older than 5 s are forgotten.
    func askOthers(_ m: SentinelInstance, forced: Bool, now: Int64, _ out: inout [SentinelAction]) {
        for s in m.sentinels {
            if now - s.lastMasterDownReplyTime > SentinelTiming.askForgetTime {
                s.masterDown = false
                s.leader = nil
            }
            guard m.isSdown, s.connected else { continue }
            if !forced, now - s.lastMasterDownReplyTime < SentinelTiming.askPeriod { continue }
            out.append(.send(s.id(m.name), [["SENTINEL", "is-master-down-by-addr", m.addr.ip, String(m.addr.port),
                                             String(currentEpoch), m.failoverState > .none ? myID : "*"]]))
        }
    }

    /// A peer's answer to `is-master-down-by-addr`: `[down, leader or *, leader epoch]`.
    public func masterDownReply(_ from: SentinelInstanceID, down: Bool, leader: String, leaderEpoch: UInt64, now: Int64) {
        guard let s = instance(from), s.role == .sentinel else { return }
        s.lastMasterDownReplyTime = now
        s.masterDown = down
        if leader != "*" {
            if s.leader != leader || s.leaderEpoch != leaderEpoch, let m = s.master {
                recordVote(m, epoch: leaderEpoch, voter: s.runID ?? s.addr.description, candidate: leader, now: now)
            }
            s.leader = leader
            s.leaderEpoch = leaderEpoch
        }
    }

    /// `SENTINEL is-master-down-by-addr ip port epoch runid|*` from a peer: whether we see the
    /// master down, and (when a run id is given) our vote for that epoch.
    public func isMasterDownByAddr(ip: String, port: Int, epoch: UInt64, runID: String, now: Int64)
        -> (down: Bool, leader: String, leaderEpoch: UInt64, actions: [SentinelAction]) {
        let addr = SentinelAddress(ip, port)
        guard let m = masters.first(where: { $0.addr == addr }) else { return (false, "*", 0, []) }
        var out: [SentinelAction] = []
        var leader: String?, leaderEpoch: UInt64 = 0
        if runID != "*" { (leader, leaderEpoch) = voteLeader(m, epoch: epoch, candidate: runID, now: now, &out) }
        return (m.isSdown && !inTilt, leader ?? "*", leaderEpoch, out)
    }

    /// First come, first served: the first candidate asking in an epoch newer than our last
    /// vote gets it. Voting for someone else delays our own next attempt by a random desync.
    @discardableResult
    func voteLeader(_ m: SentinelInstance, epoch: UInt64, candidate: String, now: Int64,
                    _ out: inout [SentinelAction]) -> (String?, UInt64) {
        if epoch > currentEpoch {
            currentEpoch = epoch
            out.append(.event("+new-epoch", "\(currentEpoch)"))
        }
        if m.leaderEpoch < epoch, currentEpoch <= epoch {
            m.leader = candidate
            m.leaderEpoch = currentEpoch
            out.append(.event("+vote-for-leader", "\(candidate) \(m.leaderEpoch)"))
            recordVote(m, epoch: m.leaderEpoch, voter: myID, candidate: candidate, now: now)
            if candidate != myID { m.failoverStartTime = now + random(below: SentinelTiming.maxDesync) }
        }
        return (m.leader, m.leaderEpoch)
    }

    /// The winner of `epoch` if it has a majority of (known sentinels + us) and the quorum;
    /// we add our own vote to the front-runner (or ourselves if nobody leads).
    func leader(_ m: SentinelInstance, epoch: UInt64, now: Int64, _ out: inout [SentinelAction]) -> String? {
        var counts: [String: Int] = [:]
        for s in m.sentinels {
            if let l = s.leader, s.leaderEpoch == currentEpoch { counts[l, default: 0] += 1 }
        }
        let voters = m.sentinels.count + 1
        func best() -> (String, Int)? {
            // Ties go to the smallest run id so the result is deterministic.
            counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }.map { ($0.key, $0.value) }
        }
        let (myVote, myEpoch) = voteLeader(m, epoch: epoch, candidate: best()?.0 ?? myID, now: now, &out)
        if let v = myVote, myEpoch == epoch { counts[v, default: 0] += 1 }
        guard let (winner, votes) = best(), votes >= voters / 2 + 1, votes >= m.quorum else { return nil }
        return winner
    }
}
