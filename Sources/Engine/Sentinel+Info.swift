// What a sentinel learns from replies: INFO (topology, roles, offsets; sentinelRefreshInstanceInfo)
// and `__sentinel__:hello` messages (peer sentinels, epochs, newer master configs;
// sentinelProcessHelloMessage). Parsing is a pure function; applying it may emit events and,
// for replicas that disagree with the configuration, SLAVEOF blocks.

/// The INFO fields Sentinel reads (COMPAT.md "Sentinel").
public struct SentinelInfoReport: Equatable, Sendable {
    public var runID: String?
    public var role: SentinelRole?
    public var replicas: [SentinelAddress] = []
    public var masterHost: String?
    public var masterPort: Int?
    public var masterLinkUp = false
    public var masterLinkDownSinceSeconds: Int64?
    public var slavePriority: Int?
    public var slaveReplOffset: Int64?
    public var replicaAnnounced = true

    public init() {}

    /// Parses INFO text (CRLF or LF lines). Unknown lines are ignored, like Redis.
    public static func parse(_ text: String) -> SentinelInfoReport {
        var r = SentinelInfoReport()
        for raw in text.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character
            guard let colon = raw.firstIndex(of: ":") else { continue }
            let key = raw[..<colon], value = String(raw[raw.index(after: colon)...])
            switch key {
            case "run_id": if value.utf8.count == 40 { r.runID = value }
            case "role": r.role = value == "master" ? .master : value == "slave" ? .replica : nil
            case "master_host": r.masterHost = value
            case "master_port": r.masterPort = Int(value)
            case "master_link_status": r.masterLinkUp = value == "up"
            case "master_link_down_since_seconds": r.masterLinkDownSinceSeconds = Int64(value)
            case "slave_priority", "replica_priority": r.slavePriority = Int(value)
            case "slave_repl_offset": r.slaveReplOffset = Int64(value)
            case "replica_announced": r.replicaAnnounced = value != "0"
            default:
                if key.hasPrefix("slave"), key.dropFirst(5).allSatisfy(\.isNumber), !key.dropFirst(5).isEmpty,
                   let a = replicaAddress(value) {
                    r.replicas.append(a)
                }
            }
        }
        return r
    }

    /// `ip=..,port=..,state=..` (Redis >= 2.8) or the old `ip,port,state`.
    static func replicaAddress(_ value: String) -> SentinelAddress? {
        let fields = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if !value.contains("=") {
            guard fields.count >= 2, let p = Int(fields[1]) else { return nil }
            return SentinelAddress(fields[0], p)
        }
        var ip: String?, port: Int?
        for f in fields {
            if f.hasPrefix("ip=") { ip = String(f.dropFirst(3)) }
            if f.hasPrefix("port=") { port = Int(f.dropFirst(5)) }
        }
        guard let ip, let port else { return nil }
        return SentinelAddress(ip, port)
    }
}

/// `ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch`.
public struct SentinelHello: Equatable, Sendable {
    public var addr: SentinelAddress
    public var runID: String
    public var currentEpoch: UInt64
    public var masterName: String
    public var masterAddr: SentinelAddress
    public var masterConfigEpoch: UInt64

    public init(addr: SentinelAddress, runID: String, currentEpoch: UInt64, masterName: String,
                masterAddr: SentinelAddress, masterConfigEpoch: UInt64) {
        self.addr = addr; self.runID = runID; self.currentEpoch = currentEpoch
        self.masterName = masterName; self.masterAddr = masterAddr; self.masterConfigEpoch = masterConfigEpoch
    }

    public static func parse(_ payload: String) -> SentinelHello? {
        let t = payload.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard t.count == 8, let port = Int(t[1]), let epoch = UInt64(t[3]),
              let mport = Int(t[6]), let mepoch = UInt64(t[7]) else { return nil }
        return SentinelHello(addr: SentinelAddress(t[0], port), runID: t[2], currentEpoch: epoch,
                             masterName: t[4], masterAddr: SentinelAddress(t[5], mport), masterConfigEpoch: mepoch)
    }

    public var payload: String {
        "\(addr.ip),\(addr.port),\(runID),\(currentEpoch),\(masterName),\(masterAddr.ip),\(masterAddr.port),\(masterConfigEpoch)"
    }
}

extension Sentinel {
    /// An INFO reply arrived on `id`'s command link.
    public func infoReply(_ id: SentinelInstanceID, text: String, now: Int64) -> [SentinelAction] {
        guard let ri = instance(id) else { return [] }
        var out: [SentinelAction] = []
        refreshInfo(ri, SentinelInfoReport.parse(text), now: now, &out)
        return out
    }

    func refreshInfo(_ ri: SentinelInstance, _ info: SentinelInfoReport, now: Int64, _ out: inout [SentinelAction]) {
        let m = ri.masterRef
        ri.infoRefresh = now
        ri.infoPending = false
        if let run = info.runID {
            if let old = ri.runID, old != run { out.append(.event("+reboot", ri.eventName)) }
            ri.runID = run
        }
        if ri.role == .master {
            for a in info.replicas where !m.replicas.contains(where: { $0.addr == a }) {
                addReplica(m, a, now: now, &out)
            }
        }
        if ri.role == .replica {
            ri.masterLinkDownTime = (info.masterLinkDownSinceSeconds ?? 0) * 1000
            ri.masterLinkUp = info.masterLinkUp
            if info.masterHost != ri.slaveMasterHost || (info.masterPort ?? 0) != ri.slaveMasterPort {
                ri.slaveConfChangeTime = now
            }
            ri.slaveMasterHost = info.masterHost
            ri.slaveMasterPort = info.masterPort ?? 0
            if let p = info.slavePriority { ri.slavePriority = p }
            if let o = info.slaveReplOffset { ri.replOffset = o }
            ri.replicaAnnounced = info.replicaAnnounced
        }
        guard let role = info.role else { return }
        if role != ri.roleReported {
            ri.roleReported = role
            ri.roleReportedTime = now
            if role == .replica { ri.slaveConfChangeTime = now }
            let sign = ri.role == role ? "+role-change" : "-role-change"
            out.append(.event(sign, "\(ri.eventName) new reported role is \(role == .master ? "master" : "slave")"))
        }
        // Nothing below (promotions, conversions, reconfigurations) is acted on in TILT.
        guard ri.role == .replica, !inTilt else { return }

        if role == .master {
            if ri.isPromoted, m.failoverState == .waitPromotion {
                // The promoted replica turned master: the failover epoch becomes the config epoch.
                m.configEpoch = m.failoverEpoch
                m.failoverState = .reconfSlaves
                m.failoverStateChangeTime = now
                out.append(.event("+promoted-slave", ri.eventName))
                out.append(.event("+failover-state-reconf-slaves", m.eventName))
                forceHello(m)
            } else {
                // A replica claiming to be master (e.g. the old master back): convert it after
                // 4 publish periods if our master looks healthy.
                let wait = SentinelTiming.publishPeriod * 4
                if !ri.isPromoted, masterLooksSane(m, now: now), noDownFor(ri, wait, now: now),
                   now - ri.roleReportedTime > wait {
                    out.append(.send(ri.id(m.name), slaveofBlock(m.addr)))
                    out.append(.event("+convert-to-slave", ri.eventName))
                }
            }
        }
        if role == .replica, ri.slaveMasterPort != m.addr.port || ri.slaveMasterHost != m.addr.ip {
            // Replicating from the wrong address: fix it once the config has been stable.
            let wait = m.failoverTimeout
            if masterLooksSane(m, now: now), noDownFor(ri, wait, now: now), now - ri.slaveConfChangeTime > wait {
                out.append(.send(ri.id(m.name), slaveofBlock(m.addr)))
                out.append(.event("+fix-slave-config", ri.eventName))
            }
        }
        if role == .replica, ri.reconf == .sent || ri.reconf == .inProgress, let p = m.promoted {
            let following = ri.slaveMasterHost == p.addr.ip && ri.slaveMasterPort == p.addr.port
            if ri.reconf == .sent, following {
                ri.reconf = .inProgress
                out.append(.event("+slave-reconf-inprog", ri.eventName))
            }
            if ri.reconf == .inProgress, following, ri.masterLinkUp {
                ri.reconf = .done
                out.append(.event("+slave-reconf-done", ri.eventName))
            }
        }
    }

    func addReplica(_ m: SentinelInstance, _ a: SentinelAddress, now: Int64, _ out: inout [SentinelAction]) {
        let r = SentinelInstance(role: .replica, addr: a, master: m, now: now)
        m.replicas.append(r)
        out.append(.event("+slave", r.eventName))
    }

    func masterLooksSane(_ m: SentinelInstance, now: Int64) -> Bool {
        m.roleReported == .master && !m.isSdown && !m.isOdown
            && m.infoRefresh != 0 && now - m.infoRefresh < SentinelTiming.infoPeriod * 2
    }

    func noDownFor(_ ri: SentinelInstance, _ ms: Int64, now: Int64) -> Bool {
        let when = max(ri.sdownSince, ri.odownSince)
        return when == 0 || now - when >= ms
    }

    /// Make the next tick publish hellos for `m` at once (new config to spread).
    func forceHello(_ m: SentinelInstance) {
        m.lastPubTime = 0
        for r in m.replicas { r.lastPubTime = 0 }
        for s in m.sentinels { s.lastPubTime = 0 }
    }

    /// A `__sentinel__:hello` message arrived (on any link's pub/sub, or published to us).
    public func hello(_ payload: String, now: Int64) -> [SentinelAction] {
        guard let h = SentinelHello.parse(payload), h.runID != myID,
              let m = master(named: h.masterName) else { return [] }
        var out: [SentinelAction] = []
        var si = m.sentinels.first { $0.addr == h.addr && $0.runID == h.runID }
        if si == nil {
            // Same run id at a new address, or a new sentinel at an old address: replace it.
            m.sentinels.removeAll { $0.runID == h.runID || $0.addr == h.addr }
            let s = SentinelInstance(role: .sentinel, addr: h.addr, master: m, now: now)
            s.runID = h.runID
            m.sentinels.append(s)
            out.append(.event("+sentinel", s.eventName))
            si = s
        }
        if h.currentEpoch > currentEpoch {
            currentEpoch = h.currentEpoch
            out.append(.event("+new-epoch", "\(currentEpoch)"))
        }
        if m.configEpoch < h.masterConfigEpoch {
            m.configEpoch = h.masterConfigEpoch
            if h.masterAddr != m.addr {
                out.append(.event("+config-update-from", si!.eventName))
                out.append(.event("+switch-master", "\(m.name) \(m.addr.ip) \(m.addr.port) \(h.masterAddr.ip) \(h.masterAddr.port)"))
                resetMasterAndChangeAddress(m, h.masterAddr, now: now, &out)
            }
        }
        si!.lastHelloTime = now
        return out
    }

    /// Our hello for `ri`'s master, as published on every link.
    func helloPayload(for m: SentinelInstance) -> String {
        SentinelHello(addr: announce, runID: myID, currentEpoch: currentEpoch, masterName: m.name,
                      masterAddr: currentMasterAddress(m), masterConfigEpoch: m.configEpoch).payload
    }

    /// Once the promoted replica has accepted the role, the config epoch is already the new
    /// one, so the hello must already carry the new address (sentinelGetCurrentMasterAddress):
    /// peers only switch when both change together.
    func currentMasterAddress(_ m: SentinelInstance) -> SentinelAddress {
        if m.failoverState >= .reconfSlaves, let p = m.promoted { return p.addr }
        return m.addr
    }

    /// `MULTI; SLAVEOF ...; CONFIG REWRITE; CLIENT KILL TYPE normal|pubsub; EXEC` (nil = NO ONE).
    func slaveofBlock(_ to: SentinelAddress?) -> [[String]] {
        [["MULTI"],
         to.map { ["SLAVEOF", $0.ip, String($0.port)] } ?? ["SLAVEOF", "NO", "ONE"],
         ["CONFIG", "REWRITE"],
         ["CLIENT", "KILL", "TYPE", "normal"],
         ["CLIENT", "KILL", "TYPE", "pubsub"],
         ["EXEC"]]
    }
}
