// Sentinel mode's engine-side state: the pure core (`Sentinel`), the settings Redis keeps
// outside it (announce address, auth-pass per master, hostname flags), the last INFO text
// of each instance (SENTINEL INFO-CACHE), and the seams to the network side — `perform`
// carries out the core's actions, `flushConfig` rewrites sentinel.conf. The server installs
// both; the command handlers (SentinelCommands.swift) only call through them.

#if canImport(Glibc)
import Glibc
#endif

public final class SentinelMode {
    public let core: Sentinel
    /// `sentinel auth-pass <master> <password>` / `auth-user`.
    public var authPass: [String: String] = [:]
    public var authUser: [String: String] = [:]
    /// `sentinel announce-ip` / `announce-port` (empty / 0 = the link's local address / our port).
    public var announceIP = ""
    public var announcePort = 0
    /// `sentinel sentinel-user/sentinel-pass`: how we AUTH to peer sentinels.
    public var sentinelUser = ""
    public var sentinelPass = ""
    /// The port we listen on (hellos use it without announce-port).
    public var listenPort = 26379
    public var resolveHostnames = false
    public var announceHostnames = false
    /// Last INFO reply per instance, with its arrival time (unix ms).
    public var infoCache: [SentinelInstanceID: (time: Int64, text: String)] = [:]
    /// Set by the server: executes actions (sends on links, publishes events).
    public var perform: ([SentinelAction]) -> Void = { _ in }
    /// Set by the server: rewrites the config file now; returns the error text or nil.
    public var flushConfig: () -> String? = { "ERR no config file" }
    /// Set by the server: unanswered commands on an instance's command link.
    public var pendingCommands: (SentinelInstanceID) -> Int = { _ in 0 }
    /// The config lines last written, so unchanged state is not rewritten every tick.
    public var lastFlushed: [String] = []

    public init(core: Sentinel) { self.core = core }

    /// Builds the mode from the `sentinel ...` directives of the config file (Redis's
    /// sentinelHandleConfiguration). `myid` is read first since the core is built with it; a
    /// missing one is generated. Returns the mode or the first error with its line.
    public static func load(_ directives: [ConfigDirective], port: Int, now: Int64)
        -> Result<SentinelMode, ConfigFileError> {
        let lines = directives.filter { $0.name == "sentinel" }
        var myID = lines.first { $0.args.first?.lowercased() == "myid" && $0.args.count == 2 }?.args[1] ?? ""
        if let bad = lines.first(where: { $0.args.first?.lowercased() == "myid" && ($0.args.count != 2 || $0.args[1].utf8.count != 40) }) {
            return .failure(ConfigFileError(line: bad.line, text: bad.text, message: "Malformed Sentinel id in myid option."))
        }
        if myID.isEmpty { myID = randomHexID() }
        let mode = SentinelMode(core: Sentinel(myID: myID, announce: SentinelAddress("127.0.0.1", port),
                                               seed: UInt64(truncatingIfNeeded: now) ^ 0x5DEE_CE66_D))
        for d in lines {
            if let err = mode.applyDirective(d.args, now: now) {
                return .failure(ConfigFileError(line: d.line, text: d.text, message: err))
            }
        }
        mode.listenPort = port
        mode.refreshAnnounce()
        return .success(mode)
    }

    /// One `sentinel ...` line's arguments: the options the core does not own, else the core's.
    public func applyDirective(_ a: [String], now: Int64) -> String? {
        guard let verb = a.first?.lowercased() else { return nil }
        switch (verb, a.count) {
        case ("myid", 2): return nil
        case ("announce-ip", 2): announceIP = a[1]
        case ("announce-port", 2):
            guard let p = Int(a[1]), p >= 0, p < 65536 else { return "Unrecognized sentinel configuration statement." }
            announcePort = p
        case ("resolve-hostnames", 2), ("announce-hostnames", 2):
            guard let b = yesNo(a[1]) else { return "Please specify yes or no for the \(verb) option." }
            if verb == "resolve-hostnames" { resolveHostnames = b } else { announceHostnames = b }
        case ("deny-scripts-reconfig", 2), ("notification-script", 3), ("client-reconfig-script", 3),
             ("rename-command", 4), ("master-reboot-down-after-period", 3):
            return nil   // accepted; Keyward runs no scripts and renames nothing
        case ("sentinel-user", 2): sentinelUser = a[1]
        case ("sentinel-pass", 2): sentinelPass = a[1]
        case ("auth-pass", 3), ("auth-user", 3):
            guard core.master(named: a[1]) != nil else { return "No such master with specified name." }
            if verb == "auth-pass" { authPass[a[1]] = a[2] } else { authUser[a[1]] = a[2] }
        case ("monitor", 5):
            if !resolveHostnames, !isIPAddress(a[2]) { return "Can't resolve instance hostname." }
            return core.applyConfig(a, now: now)
        default:
            return core.applyConfig(a, now: now)
        }
        return nil
    }

    /// Every `sentinel ...` line Redis writes (rewriteConfigSentinelOption), in its order.
    public func configLines() -> [String] {
        var out: [String] = []
        let core = core.configLines()
        for l in core {
            out.append(l)
            if l.hasPrefix("sentinel myid ") {
                if !announceIP.isEmpty { out.append("sentinel announce-ip \(announceIP)") }
                if announcePort != 0 { out.append("sentinel announce-port \(announcePort)") }
                if resolveHostnames { out.append("sentinel resolve-hostnames yes") }
                if announceHostnames { out.append("sentinel announce-hostnames yes") }
                if !sentinelUser.isEmpty { out.append("sentinel sentinel-user \(sentinelUser)") }
                if !sentinelPass.isEmpty { out.append("sentinel sentinel-pass \(sentinelPass)") }
            }
            if l.hasPrefix("sentinel monitor ") {
                let name = l.split(separator: " ")[2]
                if let p = authPass[String(name)] { out.append("sentinel auth-pass \(name) \(p)") }
                if let u = authUser[String(name)] { out.append("sentinel auth-user \(name) \(u)") }
            }
        }
        return out
    }

    /// Writes the config when the sentinel state changed since the last write (Redis calls
    /// sentinelFlushConfig after each epoch or topology change; comparing is cheaper to wire).
    public func flushIfChanged() {
        let lines = configLines()
        guard lines != lastFlushed else { return }
        // A failed write is logged once and retried at the next change, not every tick.
        _ = flushConfig()
        lastFlushed = lines
    }

    /// Hooks the `sentinel` lines into CONFIG REWRITE the way Redis does (they are all one
    /// option there): the new lines fill the old `sentinel` lines' places in order, extra ones
    /// are appended, leftover old ones are blanked.
    public func rewrite(_ r: ConfigRewriter) {
        let key = "sentinel"
        var slots: [Int] = []
        for opt in r.optionOrder where opt.hasPrefix("sentinel ") {
            slots += r.optionLines[opt] ?? []
            r.optionLines[opt] = []
            r.markProcessed(opt)
        }
        r.optionLines[key] = slots.sorted()
        r.optionOrder.append(key)
        for l in configLines() { r.rewriteLine(key, l, force: true) }
    }
}

func yesNo(_ s: String) -> Bool? {
    switch s.lowercased() {
    case "yes": return true
    case "no": return false
    default: return nil
    }
}

func isIPAddress(_ s: String) -> Bool {
    var v4 = in_addr(), v6 = in6_addr()
    return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
}

/// 40 hex chars from /dev/urandom (Redis's getRandomHexChars), like a run id.
func randomHexID() -> String {
    var bytes = [UInt8](repeating: 0, count: 20)
    if let f = fopen("/dev/urandom", "r") {
        _ = fread(&bytes, 1, 20, f)
        fclose(f)
    } else {
        for i in 0..<20 { bytes[i] = UInt8.random(in: 0...255) }
    }
    let hex: [Character] = Array("0123456789abcdef")
    return String(bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
}
