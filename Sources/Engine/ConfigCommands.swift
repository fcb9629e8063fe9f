// CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the ConfigStore (config.c).

import RESP

enum ConfigCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("config", arity: -2, group: "server",
                        summary: "A container for server configuration commands", complexity: "Depends on subcommand.", since: "2.0.0", subcommands: [
                CommandSpec("rewrite", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Rewrite the configuration file with the in memory configuration", complexity: "O(1)", since: "2.8.0", handler: rewrite),
                CommandSpec("set", arity: -4, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Set configuration parameters to the given values", complexity: "O(N) when N is the number of configuration parameters provided", since: "2.0.0", handler: set),
                CommandSpec("get", arity: -3, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Get the values of configuration parameters", complexity: "O(N) when N is the number of configuration parameters provided", since: "2.0.0", handler: get),
                CommandSpec("resetstat", arity: 2, flags: [.admin, .noscript, .loading, .stale], group: "server",
                            summary: "Reset the stats returned by INFO", complexity: "O(1)", since: "2.0.0", handler: resetStat),
                CommandSpec("help", arity: 2, flags: [.loading, .stale], group: "server",
                            summary: "Show helpful text about the different subcommands", complexity: "O(1)", since: "5.0.0", handler: help),
            ]) { _ in },
        ]
    }

    static func get(_ c: Call) {
        let patterns = (2..<c.argv.count).map { c.argv.string($0) }
        let found = c.engine.config.matching(patterns)
        c.map(found.count)
        for (k, v) in found { c.bulk(k); c.bulk(v) }
    }

    static func set(_ c: Call) {
        if c.argv.count % 2 == 1 { c.syntaxError(); return }
        var pairs: [(String, String)] = []
        var j = 2
        while j + 1 < c.argv.count { pairs.append((c.argv.string(j), c.argv.string(j + 1))); j += 2 }
        let cfg = c.engine.config
        let allow = cfg.allows("enable-protected-configs", localClient: c.client.isLocal)
        if let err = cfg.set(pairs: pairs, allowProtected: allow) { c.error(err) } else { c.ok() }
    }

    static func resetStat(_ c: Call) {
        c.engine.resetStats()
        c.ok()
    }

    static func rewrite(_ c: Call) {
        if let err = c.engine.config.rewriteConfigFile() { c.error(err) } else { c.ok() }
    }

    static func help(_ c: Call) {
        helpReply(c, "CONFIG", [
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ])
    }

    /// Redis's addReplyHelp: a header line, the given lines, then HELP, as simple strings.
    static func helpReply(_ c: Call, _ command: String, _ lines: [String]) {
        c.array(lines.count + 3)
        c.simple("\(command) <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        for l in lines { c.simple(l) }
        c.simple("HELP")
        c.simple("    Prints this help.")
    }
}

extension Engine {
    /// CONFIG RESETSTAT: server counters, per-command and per-error statistics.
    public func resetStats() {
        stats = ServerStats()
        for cmd in table.commands {
            cmd.stats.reset()
            for s in cmd.subcommands { s.stats.reset() }
        }
        serverState.samples = [[Double]](repeating: [Double](repeating: 0, count: 16), count: 3)
        resetEvictionStats()
    }
}
