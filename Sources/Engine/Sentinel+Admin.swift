// The core's administrative side: what the link layer must connect to, and the SENTINEL
// subcommands that change the monitored set (MONITOR, REMOVE, RESET, SET) or read it
// (CKQUORUM). Pure like the rest of the core.

extension Sentinel {
    /// Every instance that needs links, in a stable order: each master, its replicas, its
    /// peer sentinels (those get only a command link).
    public var linkTargets: [SentinelInstanceID] {
        var out: [SentinelInstanceID] = []
        for m in masters {
            out.append(m.id(m.name))
            for r in m.replicas { out.append(r.id(m.name)) }
            for s in m.sentinels { out.append(s.id(m.name)) }
        }
        return out
    }

    public var masterNames: [String] { masters.map(\.name) }
    public func downAfter(_ name: String) -> Int64 { master(named: name)?.downAfter ?? SentinelTiming.defaultDownAfter }

    /// SENTINEL REMOVE: forget the master and everything learned about it.
    public func remove(_ name: String) -> Bool {
        guard let i = masters.firstIndex(where: { $0.name == name }) else { return false }
        masters.remove(at: i)
        return true
    }

    /// SENTINEL RESET pattern: masters matching lose their replicas, peers and failover
    /// state (sentinelResetMaster) and are rediscovered. Returns how many matched.
    public func reset(pattern: String, now: Int64, _ out: inout [SentinelAction]) -> Int {
        var n = 0
        for m in masters where globMatch(pattern: Bytes(pattern), Bytes(m.name)) {
            m.sentinels = []
            m.replicas = []
            if m.failoverState != .none { m.failoverEpoch = 0 }
            out.append(.event("+reset-master", m.eventName))
            resetMasterAndChangeAddress(m, m.addr, now: now, &out)
            n += 1
        }
        return n
    }

    /// SENTINEL SET name option value: one option of a monitored master. Nil on success.
    public func set(_ name: String, _ option: String, _ value: String, now: Int64) -> String? {
        guard let m = master(named: name) else { return "ERR No such master with that name" }
        let o = option.lowercased()
        if o == "quorum" {
            guard let q = Int(value), q > 0 else { return "ERR Invalid argument '\(value)' for SENTINEL SET '\(option)'" }
            m.quorum = q
            return nil
        }
        guard ["down-after-milliseconds", "failover-timeout", "parallel-syncs"].contains(o) else {
            return "ERR Unknown option or number of arguments for SENTINEL SET '\(option)'"
        }
        if applyConfig([o, name, value], now: now) != nil {
            return "ERR Invalid argument '\(value)' for SENTINEL SET '\(option)'"
        }
        return nil
    }

    /// sentinelIsQuorumReachable: (usable sentinels, quorum ok, majority ok).
    public func checkQuorum(_ name: String) -> (usable: Int, quorum: Bool, majority: Bool)? {
        guard let m = master(named: name) else { return nil }
        let voters = m.sentinels.count + 1
        let usable = 1 + m.sentinels.filter { !$0.isSdown && !$0.isOdown }.count
        return (usable, usable >= m.quorum, usable >= voters / 2 + 1)
    }

    /// The Redis flag list of SENTINEL MASTER / REPLICAS / SENTINELS.
    func flags(_ ri: SentinelInstance) -> String {
        var f: [String] = []
        if ri.isSdown { f.append("s_down") }
        if ri.isOdown { f.append("o_down") }
        switch ri.role {
        case .master: f.append("master")
        case .replica: f.append("slave")
        case .sentinel: f.append("sentinel")
        }
        if !ri.connected { f.append("disconnected") }
        if ri.role == .sentinel, ri.masterDown { f.append("master_down") }
        if ri.role == .master, ri.failoverState != .none { f.append("failover_in_progress") }
        if ri.isPromoted { f.append("promoted") }
        switch ri.reconf {
        case .sent: f.append("reconf_sent")
        case .inProgress: f.append("reconf_inprog")
        case .done: f.append("reconf_done")
        case .none: break
        }
        if ri.role == .master, ri.failoverForced { f.append("force_failover") }
        return f.joined(separator: ",")
    }

    /// SENTINEL MASTER / REPLICAS / SENTINELS fields, in Redis 7.0's order and spelling.
    func fields(_ ri: SentinelInstance, now: Int64, pendingCommands: Int) -> [(String, String)] {
        var f: [(String, String)] = [
            ("name", ri.role == .master ? ri.name : ri.role == .replica ? ri.addr.description : (ri.runID ?? ri.addr.description)),
            ("ip", ri.addr.ip), ("port", String(ri.addr.port)), ("runid", ri.runID ?? ""),
            ("flags", flags(ri)), ("link-pending-commands", String(pendingCommands)), ("link-refcount", "1"),
        ]
        if ri.role == .master, ri.failoverState != .none { f.append(("failover-state", ri.failoverState.name)) }
        f.append(("last-ping-sent", String(ri.actPingTime != 0 ? now - ri.actPingTime : 0)))
        f.append(("last-ok-ping-reply", String(now - ri.lastAvailTime)))
        f.append(("last-ping-reply", String(now - ri.lastPongTime)))
        if ri.isSdown { f.append(("s-down-time", String(now - ri.sdownSince))) }
        if ri.isOdown { f.append(("o-down-time", String(now - ri.odownSince))) }
        f.append(("down-after-milliseconds", String(ri.effectiveDownAfter)))
        if ri.role != .sentinel {
            f.append(("info-refresh", String(ri.infoRefresh != 0 ? now - ri.infoRefresh : 0)))
            f.append(("role-reported", ri.roleReported == .master ? "master" : "slave"))
            f.append(("role-reported-time", String(now - ri.roleReportedTime)))
        }
        switch ri.role {
        case .master:
            f += [("config-epoch", String(ri.configEpoch)), ("num-slaves", String(ri.replicas.count)),
                  ("num-other-sentinels", String(ri.sentinels.count)), ("quorum", String(ri.quorum)),
                  ("failover-timeout", String(ri.failoverTimeout)), ("parallel-syncs", String(ri.parallelSyncs))]
        case .replica:
            f += [("master-link-down-time", String(ri.masterLinkDownTime)),
                  ("master-link-status", ri.masterLinkUp ? "ok" : "err"),
                  ("master-host", ri.slaveMasterHost ?? "?"), ("master-port", String(ri.slaveMasterPort)),
                  ("slave-priority", String(ri.slavePriority)), ("slave-repl-offset", String(ri.replOffset)),
                  ("replica-announced", ri.replicaAnnounced ? "1" : "0")]
        case .sentinel:
            f += [("last-hello-message", String(ri.lastHelloTime != 0 ? now - ri.lastHelloTime : 0)),
                  ("voted-leader", ri.leader ?? "?"), ("voted-leader-epoch", String(ri.leaderEpoch))]
        }
        return f
    }

    /// `pending` gives the link's unanswered command count (link-pending-commands).
    public typealias PendingCount = (SentinelInstanceID) -> Int
    public func masterFields(_ name: String, now: Int64, pending: PendingCount = { _ in 0 }) -> [(String, String)]? {
        master(named: name).map { fields($0, now: now, pendingCommands: pending($0.id($0.name))) }
    }
    public func allMasterFields(now: Int64, pending: PendingCount = { _ in 0 }) -> [[(String, String)]] {
        masters.map { fields($0, now: now, pendingCommands: pending($0.id($0.name))) }
    }
    public func replicaFields(_ name: String, now: Int64, pending: PendingCount = { _ in 0 }) -> [[(String, String)]]? {
        // Unannounced replicas are counted in num-slaves but not listed, as in Redis.
        master(named: name).map { m in
            m.replicas.filter(\.replicaAnnounced).map { fields($0, now: now, pendingCommands: pending($0.id(name))) }
        }
    }
    public func sentinelFields(_ name: String, now: Int64, pending: PendingCount = { _ in 0 }) -> [[(String, String)]]? {
        master(named: name).map { m in m.sentinels.map { fields($0, now: now, pendingCommands: pending($0.id(name))) } }
    }

    /// INFO's `master0:name=...,status=...` lines.
    public func infoLines() -> [String] {
        masters.enumerated().map { i, m in
            let status = m.isOdown ? "odown" : m.isSdown ? "sdown" : "ok"
            return "master\(i):name=\(m.name),status=\(status),address=\(m.addr),slaves=\(m.replicas.count),sentinels=\(m.sentinels.count + 1)"
        }
    }

    public var tiltSinceTime: Int64 { tiltSince }
}
