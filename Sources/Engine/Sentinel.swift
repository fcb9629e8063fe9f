// Sentinel's pure core: the model of monitored masters, their replicas and the other sentinels,
// and the failure detector / failover state machine that runs over it (Redis src/sentinel.c).
//
// No sockets and no clock here: every input carries the time (`now`, unix ms) and a parsed
// reply; every output is a `SentinelAction` — a command block to send over the command link of
// one instance, or an event to publish (`+sdown`, `+odown`, `+switch-master` ...). The wiring
// layer owns the links and calls `tick(now:)` every 100 ms like Redis's sentinelTimer.
//
// Invariants: a master's `replicas` and `sentinels` are ordered by arrival (deterministic event
// order); `failoverState != .none` iff a failover is in progress; `promoted` is set from
// `.sendSlaveofNoOne` until the failover ends or aborts.

/// Where an instance listens.
public struct SentinelAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: String
    public var port: Int
    public init(_ ip: String, _ port: Int) { self.ip = ip; self.port = port }
    public var description: String { "\(ip):\(port)" }
}

public enum SentinelRole: Sendable, Equatable { case master, replica, sentinel }

/// Names one link: instances are per monitored master, like Redis's sentinelRedisInstance.
public struct SentinelInstanceID: Hashable, Sendable {
    public var master: String
    public var role: SentinelRole
    public var addr: SentinelAddress
    public init(master: String, role: SentinelRole, addr: SentinelAddress) {
        self.master = master; self.role = role; self.addr = addr
    }
}

public enum SentinelAction: Equatable, Sendable {
    /// Commands to pipeline on the instance's command link (a MULTI block is one action).
    case send(SentinelInstanceID, [[String]])
    /// A message for the sentinel's own pub/sub: channel `type`, payload `text`.
    case event(String, String)
    /// Close and reopen the instance's links: PINGs have gone unanswered for too long, and
    /// replies still pending on the old link will never come.
    case reconnect(SentinelInstanceID)
}

public enum SentinelFailoverState: Int, Sendable, Comparable {
    case none, waitStart, selectSlave, sendSlaveofNoOne, waitPromotion, reconfSlaves, updateConfig
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// The name `SENTINEL MASTERS` reports under `failover-state`.
    public var name: String {
        switch self {
        case .none: "none"
        case .waitStart: "wait_start"
        case .selectSlave: "select_slave"
        case .sendSlaveofNoOne: "send_slaveof_noone"
        case .waitPromotion: "wait_promotion"
        case .reconfSlaves: "reconf_slaves"
        case .updateConfig: "update_config"
        }
    }
}

/// Redis's timing constants (sentinel.c), in ms.
public enum SentinelTiming {
    public static let pingPeriod: Int64 = 1000
    public static let infoPeriod: Int64 = 10_000
    public static let publishPeriod: Int64 = 2000
    public static let askPeriod: Int64 = 1000
    public static let askForgetTime: Int64 = 5000
    public static let maxDesync: Int64 = 1000
    public static let electionTimeout: Int64 = 10_000
    public static let slaveReconfTimeout: Int64 = 10_000
    public static let defaultDownAfter: Int64 = 30_000
    public static let defaultFailoverTimeout: Int64 = 180_000
    public static let tiltTrigger: Int64 = 2000
    public static let tiltPeriod: Int64 = 30_000
}

enum SentinelReconf: Sendable { case none, sent, inProgress, done }

/// One monitored instance: a master, a replica or a peer sentinel (one class, like Redis, so the
/// liveness checks are shared). Fields only meaningful for one role say so.
final class SentinelInstance {
    let role: SentinelRole
    var addr: SentinelAddress
    var runID: String?
    weak var master: SentinelInstance?   // nil for masters

    // Link and liveness (instanceLink in Redis).
    var connected = true
    var lastPingTime: Int64 = 0
    var actPingTime: Int64          // oldest unanswered PING; 0 = none pending
    var lastAvailTime: Int64        // last valid PING reply
    var lastPongTime: Int64
    var infoRefresh: Int64 = 0      // last INFO reply; 0 = never
    var infoPending = false
    var lastPubTime: Int64 = 0
    var lastHelloTime: Int64 = 0
    var sdownSince: Int64 = 0       // 0 = not subjectively down
    var roleReported: SentinelRole
    var roleReportedTime: Int64

    // Master only.
    var name = ""
    var quorum = 1
    var downAfter = SentinelTiming.defaultDownAfter
    var failoverTimeout = SentinelTiming.defaultFailoverTimeout
    var parallelSyncs = 1
    var configEpoch: UInt64 = 0
    var replicas: [SentinelInstance] = []
    var sentinels: [SentinelInstance] = []
    var odownSince: Int64 = 0
    var failoverState = SentinelFailoverState.none
    var failoverForced = false
    var failoverEpoch: UInt64 = 0
    var failoverStartTime: Int64 = 0
    var failoverStateChangeTime: Int64 = 0
    var promoted: SentinelInstance?
    var leader: String?             // our vote (master) / the peer's vote (sentinel)
    var leaderEpoch: UInt64 = 0

    // Replica only (from its INFO).
    var masterLinkDownTime: Int64 = 0
    var masterLinkUp = false
    var slaveMasterHost: String?
    var slaveMasterPort = 0
    var slaveConfChangeTime: Int64 = 0
    var slavePriority = 100
    var replOffset: Int64 = 0
    var reconf = SentinelReconf.none
    var reconfSentTime: Int64 = 0
    var isPromoted = false
    /// `replica_announced:0` replicas are monitored but not listed to clients (SENTINEL REPLICAS).
    var replicaAnnounced = true

    // Peer sentinel only: its last `is-master-down-by-addr` answer.
    var masterDown = false
    var lastMasterDownReplyTime: Int64 = 0

    init(role: SentinelRole, addr: SentinelAddress, master: SentinelInstance?, now: Int64) {
        self.role = role
        self.addr = addr
        self.master = master
        // A new link counts as "pinged and not answered" from now, so an instance that never
        // answers goes down after down-after-ms (createInstanceLink).
        actPingTime = now
        lastAvailTime = now
        lastPongTime = now
        roleReported = role == .sentinel ? .sentinel : role
        roleReportedTime = now
    }

    var isSdown: Bool { sdownSince != 0 }
    var isOdown: Bool { odownSince != 0 }
    var masterRef: SentinelInstance { master ?? self }
    var effectiveDownAfter: Int64 { masterRef.downAfter }

    func id(_ masterName: String) -> SentinelInstanceID {
        SentinelInstanceID(master: masterName, role: role, addr: addr)
    }

    /// Redis's `%@`: how an instance is named in events.
    var eventName: String {
        switch role {
        case .master: return "master \(name) \(addr.ip) \(addr.port)"
        case .replica, .sentinel:
            let m = masterRef
            let label = role == .replica ? "slave \(addr)" : "sentinel \(runID ?? addr.description)"
            return "\(label) \(addr.ip) \(addr.port) @ \(m.name) \(m.addr.ip) \(m.addr.port)"
        }
    }
}

/// The sentinel itself: the masters it monitors and its epoch. Confined to the engine thread.
public final class Sentinel {
    public let myID: String
    /// The address put in hello messages (announce-ip/port or the listening address).
    public var announce: SentinelAddress
    public internal(set) var currentEpoch: UInt64
    var masters: [SentinelInstance] = []
    var rng: UInt64
    var voteLog: [SentinelVoteRecord] = []
    var previousTick: Int64 = 0     // 0 = no tick yet
    var tiltSince: Int64 = 0        // 0 = not in TILT

    /// `seed` drives the random failover desync (tests pin it).
    public init(myID: String, announce: SentinelAddress, currentEpoch: UInt64 = 0, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        self.myID = myID
        self.announce = announce
        self.currentEpoch = currentEpoch
        rng = seed == 0 ? 1 : seed
    }

    /// `SENTINEL MONITOR` / the `sentinel monitor` config line.
    public func monitor(name: String, addr: SentinelAddress, quorum: Int, now: Int64,
                        downAfter: Int64 = SentinelTiming.defaultDownAfter,
                        failoverTimeout: Int64 = SentinelTiming.defaultFailoverTimeout,
                        parallelSyncs: Int = 1) {
        precondition(master(named: name) == nil, "master \(name) already monitored")
        let m = SentinelInstance(role: .master, addr: addr, master: nil, now: now)
        m.name = name
        m.quorum = quorum
        m.downAfter = downAfter
        m.failoverTimeout = failoverTimeout
        m.parallelSyncs = parallelSyncs
        masters.append(m)
    }

    func master(named name: String) -> SentinelInstance? { masters.first { $0.name == name } }

    func instance(_ id: SentinelInstanceID) -> SentinelInstance? {
        guard let m = master(named: id.master) else { return nil }
        switch id.role {
        case .master: return m.addr == id.addr ? m : nil
        case .replica: return m.replicas.first { $0.addr == id.addr }
        case .sentinel: return m.sentinels.first { $0.addr == id.addr }
        }
    }

    /// xorshift64*: only used to desync retries between sentinels.
    func random(below n: Int64) -> Int64 {
        rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27
        return Int64((rng &* 2_685_821_657_736_338_717) % UInt64(n))
    }

    // MARK: Read-only views for SENTINEL commands and tests.

    public func masterAddress(_ name: String) -> SentinelAddress? { master(named: name)?.addr }
    public func failoverState(_ name: String) -> SentinelFailoverState? { master(named: name)?.failoverState }
    public func configEpoch(_ name: String) -> UInt64? { master(named: name)?.configEpoch }
    public func replicaAddresses(_ name: String) -> [SentinelAddress] { master(named: name)?.replicas.map(\.addr) ?? [] }
    public func sentinelIDs(_ name: String) -> [String] { master(named: name)?.sentinels.compactMap(\.runID) ?? [] }
    public func isSdown(_ id: SentinelInstanceID) -> Bool { instance(id)?.isSdown ?? false }
    public func isOdown(_ name: String) -> Bool { master(named: name)?.isOdown ?? false }
    public var inTilt: Bool { tiltSince != 0 }
    /// This sentinel's vote for `name`'s failover: (leader run id, epoch).
    public func vote(_ name: String) -> (String?, UInt64) {
        let m = master(named: name)
        return (m?.leader, m?.leaderEpoch ?? 0)
    }
}
