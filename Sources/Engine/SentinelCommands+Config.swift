// SENTINEL CONFIG GET/SET (sentinel.c sentinelConfigGetCommand / sentinelConfigSetCommand):
// the sentinel-wide settings that are not per master.

extension SentinelCommands {
    static let globalOptions = ["resolve-hostnames", "announce-hostnames", "announce-ip", "announce-port",
                                "sentinel-user", "sentinel-pass"]

    static func config(_ c: Call) {
        let m = mode(c)
        let verb = c.argv.string(2).lowercased()
        if verb == "get", c.argv.count == 4 {
            let pattern = Bytes(c.argv.string(3))
            let hits = globalOptions.filter { globMatch(pattern: pattern, Bytes($0), nocase: true) }
            c.map(hits.count)
            for h in hits { c.bulk(h); c.bulk(m.globalOption(h)) }
            return
        }
        guard verb == "set", c.argv.count == 5 else {
            c.error("ERR unknown subcommand '\(c.argv.string(2))'. Try SENTINEL HELP.")
            return
        }
        let name = c.argv.string(3).lowercased(), value = c.argv.string(4)
        guard globalOptions.contains(name) else {
            c.error("ERR Invalid argument '\(c.argv.string(3))' to SENTINEL CONFIG SET"); return
        }
        if let err = m.applyDirective([name, value], now: c.engine.now) {
            _ = err
            c.error("ERR Invalid value '\(value)' to SENTINEL CONFIG SET '\(c.argv.string(3))'"); return
        }
        m.refreshAnnounce()
        m.flushIfChanged()
        c.ok()
    }
}

extension SentinelMode {
    func globalOption(_ name: String) -> String {
        switch name {
        case "resolve-hostnames": return resolveHostnames ? "yes" : "no"
        case "announce-hostnames": return announceHostnames ? "yes" : "no"
        case "announce-ip": return announceIP
        case "announce-port": return String(announcePort)
        case "sentinel-user": return sentinelUser
        case "sentinel-pass": return sentinelPass
        default: return ""
        }
    }

    /// The address our hellos carry after an announce-* change.
    func refreshAnnounce() {
        if !announceIP.isEmpty { core.announce.ip = announceIP }
        core.announce.port = announcePort != 0 ? announcePort : listenPort
    }
}
