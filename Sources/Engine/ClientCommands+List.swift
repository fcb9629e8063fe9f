// CLIENT LIST / CLIENT INFO lines in Redis 7.0's exact field order (networking.c
// catClientInfoString). Facts the engine core does not track (pub/sub counts, MULTI state,
// blocking) come from `ServerState.clientHooks`, which their subsystems install.

/// Per-client facts owned by other subsystems, filled in by `ServerState.clientHooks`.
public struct ClientDetails {
    /// Extra flag letters (P pubsub, x MULTI, b blocked, d dirty CAS, t tracking, u unblocked ...).
    public var flags: Set<Character> = []
    public var sub = 0
    public var psub = 0
    public var ssub = 0
    /// Queued MULTI commands, -1 outside MULTI.
    public var multi = -1
    public var multiMem = 0
    public var redir: Int64 = -1
    public var isPubSub = false
    public init() {}
}

enum ClientList {
    enum ClientType { case normal, master, replica, pubsub
        init?(name: String) {
            switch name.lowercased() {
            case "normal": self = .normal
            case "slave", "replica": self = .replica
            case "pubsub": self = .pubsub
            case "master": self = .master
            default: return nil
            }
        }
    }

    static func details(_ e: Engine, _ c: ClientState) -> ClientDetails {
        var d = ClientDetails()
        for h in e.serverState.clientHooks { h(c, &d) }
        return d
    }

    /// Redis's getClientType: monitors count as normal clients.
    static func type(_ e: Engine, _ c: ClientState) -> ClientType {
        if c.isMaster { return .master }
        if c.isReplica && !c.isMonitor { return .replica }
        if details(e, c).isPubSub { return .pubsub }
        return .normal
    }

    /// Flag letters in the order Redis prints them.
    static let flagOrder: [Character] = ["O", "S", "M", "P", "x", "b", "t", "R", "B", "d", "c", "u", "A", "U", "r", "e", "T"]

    static func line(_ e: Engine, _ c: ClientState) -> String {
        let d = details(e, c)
        var f = d.flags
        if c.isMonitor { f.insert("O") } else if c.isReplica { f.insert("S") }
        if c.isMaster { f.insert("M") }
        if c.closeAfterReply { f.insert("c") }
        if c.closeASAP { f.insert("A") }
        if c.addr.hasPrefix("/") { f.insert("U") }
        if c.noEvict { f.insert("e") }
        if c.noTouch { f.insert("T") }
        var flags = String(flagOrder.filter { f.contains($0) })
        if flags.isEmpty { flags = "N" }
        let now = e.now
        let age = c.createdAt > 0 ? max(0, (now - c.createdAt) / 1000) : 0
        let idle = c.lastInteraction > 0 ? max(0, (now - c.lastInteraction) / 1000) : 0
        let pending = c.out.readableCount
        let rbs = c.out.capacity
        let totMem = 1024 + c.queryBufferSize + c.queryBufferFree + c.argvMem + d.multiMem + rbs
        var s = "id=\(c.id) addr=\(c.addr) laddr=\(c.laddr) fd=\(c.fd) name=\(c.name?.string ?? "")"
        s += " age=\(age) idle=\(idle) flags=\(flags) db=\(c.db) sub=\(d.sub) psub=\(d.psub) ssub=\(d.ssub)"
        s += " multi=\(d.multi) qbuf=\(c.queryBufferSize) qbuf-free=\(c.queryBufferFree) argv-mem=\(c.argvMem)"
        s += " multi-mem=\(d.multiMem) rbs=\(rbs) rbp=\(pending) obl=\(pending) oll=0 omem=0 tot-mem=\(totMem)"
        s += " events=\(pending > 0 ? "rw" : "r") cmd=\(c.lastCommandName) user=\(c.user) redir=\(d.redir) resp=\(c.proto.rawValue)"
        return s
    }
}

extension ClientState {
    /// Redis's islocalClient: loopback or unix socket (an in-process client counts as local).
    public var isLocal: Bool {
        if addr.isEmpty || addr.hasPrefix("/") { return true }
        return addr.hasPrefix("127.0.0.1:") || addr.hasPrefix("[::1]:") || addr.hasPrefix("::1:")
    }
}
