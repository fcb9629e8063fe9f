// The commands of sentinel mode (sentinel.c sentinelCommand & co.): SENTINEL and its
// subcommands, and the sentinel versions of INFO, ROLE and PUBLISH. In sentinel mode the
// command table holds only these and the connection/pub-sub commands Redis keeps
// (`CommandTable.restrictToSentinel`), so data commands get "unknown command" like Redis.

import RESP

enum SentinelCommands {
    /// Commands a sentinel keeps from the normal table (Redis 7.0's `COMMAND LIST` there).
    /// Redis's sentinel command set, plus Keyward's ADMIN so the console reads a sentinel's
    /// status and its events (the failover steps) like any other node's.
    static let kept: Set<String> = ["ping", "hello", "auth", "command", "shutdown", "client", "acl",
                                    "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "admin"]

    static func specs() -> [CommandSpec] {
        let f: CommandFlags = [.admin, .sentinel, .onlySentinel]
        func sub(_ name: String, _ arity: Int, _ h: @escaping CommandHandler) -> CommandSpec {
            CommandSpec(name, arity: arity, flags: f, categories: ["admin", "slow", "dangerous"], group: "sentinel",
                        since: "2.8.4", handler: h)
        }
        return [
            CommandSpec("sentinel", arity: -2, flags: f, group: "sentinel", summary: "A container for Sentinel commands",
                        complexity: "Depends on subcommand.", since: "2.8.4", subcommands: [
                sub("masters", 2, masters), sub("master", 3, master), sub("replicas", 3, replicas), sub("slaves", 3, replicas),
                sub("sentinels", 3, sentinels), sub("get-master-addr-by-name", 3, masterAddr),
                sub("is-master-down-by-addr", 6, isMasterDown), sub("failover", 3, failover), sub("ckquorum", 3, ckquorum),
                sub("reset", 3, reset), sub("monitor", 6, monitor), sub("remove", 3, remove), sub("set", -5, set),
                sub("flushconfig", 2, flushconfig), sub("myid", 2, myid), sub("info-cache", -3, infoCache),
                sub("pending-scripts", 2, { $0.array(0) }), sub("debug-votes", 3, debugVotes), sub("help", 2, help), sub("config", -4, config),
            ], handler: { _ in }),
            CommandSpec("info", arity: -1, flags: [.loading, .stale, .sentinel], categories: ["dangerous"], group: "server",
                        summary: "Get information and statistics about the server", handler: info),
            CommandSpec("role", arity: 1, flags: [.noscript, .loading, .stale, .fast, .sentinel],
                        categories: ["admin", "fast", "dangerous"], group: "server",
                        summary: "Return the role of the instance in the context of replication", since: "2.8.12", handler: role),
            CommandSpec("publish", arity: 3, flags: [.pubsub, .loading, .stale, .fast, .mayReplicate, .sentinel], group: "pubsub",
                        summary: "Post a message to a channel", since: "2.0.0", handler: publish),
        ]
    }

    static func mode(_ c: Call) -> SentinelMode { c.engine.sentinel! }

    /// Redis writes instance fields as a map (RESP3) or flat field/value array (RESP2).
    static func reply(_ c: Call, _ fields: [(String, String)]) {
        c.map(fields.count)
        for (k, v) in fields { c.bulk(k); c.bulk(v) }
    }

    static func noSuchMaster(_ c: Call) { c.error("ERR No such master with that name") }

    static func masters(_ c: Call) {
        let all = mode(c).core.allMasterFields(now: c.engine.now, pending: mode(c).pendingCommands)
        c.array(all.count)
        for f in all { reply(c, f) }
    }

    static func master(_ c: Call) {
        guard let f = mode(c).core.masterFields(c.argv.string(2), now: c.engine.now, pending: mode(c).pendingCommands) else { return noSuchMaster(c) }
        reply(c, f)
    }

    static func replicas(_ c: Call) {
        guard let all = mode(c).core.replicaFields(c.argv.string(2), now: c.engine.now, pending: mode(c).pendingCommands) else { return noSuchMaster(c) }
        c.array(all.count)
        for f in all { reply(c, f) }
    }

    static func sentinels(_ c: Call) {
        guard let all = mode(c).core.sentinelFields(c.argv.string(2), now: c.engine.now, pending: mode(c).pendingCommands) else { return noSuchMaster(c) }
        c.array(all.count)
        for f in all { reply(c, f) }
    }

    static func masterAddr(_ c: Call) {
        guard let a = mode(c).core.currentAddress(c.argv.string(2)) else { c.nullArray(); return }
        c.array(2)
        c.bulk(a.ip)
        c.bulk(String(a.port))
    }

    static func isMasterDown(_ c: Call) {
        guard let port = c.argv.int(3), port > 0, port < 65536, let epoch = c.argv.int(4), epoch >= 0 else {
            c.error("ERR value is not an integer or out of range"); return
        }
        let m = mode(c)
        let r = m.core.isMasterDownByAddr(ip: c.argv.string(2), port: Int(port), epoch: UInt64(epoch),
                                           runID: c.argv.string(5), now: c.engine.now)
        m.perform(r.actions)
        c.array(3)
        c.int(r.down ? 1 : 0)
        c.bulk(r.leader)
        c.int(Int64(r.leaderEpoch))
        if !r.actions.isEmpty { m.flushIfChanged() }
    }

    static func failover(_ c: Call) {
        let m = mode(c)
        let r = m.core.forceFailover(c.argv.string(2), now: c.engine.now)
        if let e = r.error { c.error(e); return }
        m.perform(r.actions)
        m.flushIfChanged()
        c.ok()
    }

    static func ckquorum(_ c: Call) {
        guard let q = mode(c).core.checkQuorum(c.argv.string(2)) else { return noSuchMaster(c) }
        if q.quorum && q.majority {
            c.simple("OK \(q.usable) usable Sentinels. Quorum and failover authorization can be reached")
            return
        }
        var e = "NOQUORUM \(q.usable) usable Sentinels. "
        if !q.quorum { e += "Not enough available Sentinels to reach the specified quorum for this master" }
        if !q.majority {
            if !q.quorum { e += ". " }
            e += "Not enough available Sentinels to reach the majority and authorize a failover"
        }
        c.error(e)
    }

    static func reset(_ c: Call) {
        let m = mode(c)
        var out: [SentinelAction] = []
        let n = m.core.reset(pattern: c.argv.string(2), now: c.engine.now, &out)
        m.perform(out)
        m.flushIfChanged()
        c.int(n)
    }

    static func monitor(_ c: Call) {
        let m = mode(c)
        let name = c.argv.string(2), ip = c.argv.string(3)
        guard let q = c.argv.int(5) else { c.error("ERR value is not an integer or out of range"); return }
        guard q > 0 else { c.error("ERR Quorum must be 1 or greater."); return }
        guard let port = c.argv.int(4), port > 0, port < 65536 else { c.error("ERR Invalid port number"); return }
        guard m.resolveHostnames || isIPAddress(ip) else { c.error("ERR Can't resolve instance hostname."); return }
        guard m.core.masterAddress(name) == nil else { c.error("ERR Duplicate master name."); return }
        m.core.monitor(name: name, addr: SentinelAddress(ip, Int(port)), quorum: Int(q), now: c.engine.now)
        m.perform([.event("+monitor", "master \(name) \(ip) \(port) quorum \(q)")])
        m.flushIfChanged()
        c.ok()
    }

    static func remove(_ c: Call) {
        let m = mode(c)
        let name = c.argv.string(2)
        guard let a = m.core.masterAddress(name), m.core.remove(name) else { return noSuchMaster(c) }
        m.authPass[name] = nil
        m.authUser[name] = nil
        m.perform([.event("-monitor", "master \(name) \(a.ip) \(a.port)")])
        m.flushIfChanged()
        c.ok()
    }

    static func set(_ c: Call) {
        let m = mode(c)
        let name = c.argv.string(2)
        guard m.core.masterAddress(name) != nil else { return noSuchMaster(c) }
        guard c.argv.count % 2 == 1 else {
            c.error("ERR Unknown option or number of arguments for SENTINEL SET '\(c.argv.string(c.argv.count - 1))'"); return
        }
        for i in stride(from: 3, to: c.argv.count, by: 2) {
            let opt = c.argv.string(i), v = c.argv.string(i + 1)
            switch opt.lowercased() {
            case "auth-pass": if v.isEmpty { m.authPass[name] = nil } else { m.authPass[name] = v }
            case "auth-user": if v.isEmpty { m.authUser[name] = nil } else { m.authUser[name] = v }
            default:
                if let e = m.core.set(name, opt, v, now: c.engine.now) { c.error(e); return }
            }
            if let a = m.core.masterAddress(name) {
                m.perform([.event("+set", "master \(name) \(a.ip) \(a.port) \(opt) \(v)")])
            }
        }
        m.flushIfChanged()
        c.ok()
    }

    static func flushconfig(_ c: Call) {
        let m = mode(c)
        if let e = m.flushConfig() { c.error(e); return }
        m.lastFlushed = m.configLines()
        c.ok()
    }

    static func myid(_ c: Call) { c.bulk(mode(c).core.myID) }

    static func infoCache(_ c: Call) {
        let m = mode(c)
        let wanted = (2..<c.argv.count).map { c.argv.string($0) }
        let names = m.core.masterNames.filter { wanted.contains($0) }
        c.array(names.count * 2)
        for name in names {
            c.bulk(name)
            let ids = m.core.linkTargets.filter { $0.master == name && $0.role != .sentinel }
            c.array(ids.count)
            for id in ids {
                c.array(2)
                if let e = m.infoCache[id] { c.int(c.engine.now - e.time); c.bulk(e.text) } else { c.int(0); c.null() }
            }
        }
    }

    /// Keyward extension: the recent votes for `name` (oldest first) and its failover state with
    /// timestamps, for the console. Not in Redis.
    static func debugVotes(_ c: Call) {
        let m = mode(c)
        let name = c.argv.string(2)
        guard let st = m.core.failoverStatus(name) else { return noSuchMaster(c) }
        let votes = m.core.recentVotes.filter { $0.master == name }
        c.map(3)
        c.bulk("current-epoch"); c.int(Int64(m.core.currentEpoch))
        c.bulk("failover")
        reply(c, [("state", st.state.name), ("epoch", String(st.epoch)), ("start-time", String(st.startTime)),
                  ("state-change-time", String(st.stateChangeTime)), ("promoted", st.promoted?.description ?? "")])
        c.bulk("votes")
        c.array(votes.count)
        for v in votes {
            reply(c, [("epoch", String(v.epoch)), ("voter", v.voter), ("candidate", v.candidate), ("time", String(v.time))])
        }
    }

    static func help(_ c: Call) {
        let lines = [
            "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CKQUORUM <master-name>", "FAILOVER <master-name>", "FLUSHCONFIG", "GET-MASTER-ADDR-BY-NAME <master-name>",
            "INFO-CACHE <master-name>", "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
            "MASTER <master-name>", "MASTERS", "MONITOR <name> <ip> <port> <quorum>", "MYID", "PENDING-SCRIPTS",
            "REMOVE <master-name>", "REPLICAS <master-name>", "RESET <pattern>", "SENTINELS <master-name>",
            "SET <master-name> <option> <value> [<option> <value> ...]", "CONFIG SET <param> <value>", "CONFIG GET <param>", "DEBUG-VOTES <master-name> (Keyward)",
            "HELP",
        ]
        c.array(lines.count)
        for l in lines { c.simple(l) }
    }

    static func info(_ c: Call) {
        var args = (1..<c.argv.count).map { c.argv.string($0).lowercased() }
        if args.isEmpty || args.contains("default") || args.contains("all") || args.contains("everything") {
            args = ["server", "clients", "stats", "cpu", "sentinel"]
        }
        var out = ""
        for s in ["server", "clients", "stats", "cpu"] where args.contains(s) {
            if !out.isEmpty { out += "\r\n" }
            out += ServerCommands.Info.render(c.engine, sections: [s])
        }
        if args.contains("sentinel") {
            let core = mode(c).core
            if !out.isEmpty { out += "\r\n" }
            out += "# Sentinel\r\nsentinel_masters:\(core.masterNames.count)\r\nsentinel_tilt:\(core.inTilt ? 1 : 0)\r\n"
            out += "sentinel_tilt_since_seconds:\(core.inTilt ? (c.engine.now - core.tiltSinceTime) / 1000 : -1)\r\n"
            out += "sentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\nsentinel_simulate_failure_flags:0\r\n"
            for l in core.infoLines() { out += l + "\r\n" }
        }
        c.verbatim(out)
    }

    static func role(_ c: Call) {
        let names = mode(c).core.masterNames
        c.array(2)
        c.bulk("sentinel")
        c.array(names.count)
        for n in names { c.bulk(n) }
    }

    /// Only hellos may be published to a sentinel (sentinelPublishCommand).
    static func publish(_ c: Call) {
        guard c.argv.string(1) == "__sentinel__:hello" else {
            c.error("ERR Only HELLO messages are accepted by Sentinel instances."); return
        }
        let m = mode(c)
        let acts = m.core.hello(c.argv.string(2), now: c.engine.now)
        m.perform(acts)
        if !acts.isEmpty { m.flushIfChanged() }
        c.int(1)
    }
}

extension CommandTable {
    /// Sentinel mode: keep only the commands Redis keeps there and add the sentinel ones.
    public func restrictToSentinel() {
        let keep = commands.filter { SentinelCommands.kept.contains($0.name) } + SentinelCommands.specs()
        commands = []
        index = NameIndex()
        subIndex = [:]
        for spec in keep { register(spec) }
    }
}

extension Sentinel {
    /// The address clients should use now (the promoted replica once it accepted the role).
    public func currentAddress(_ name: String) -> SentinelAddress? {
        master(named: name).map { currentMasterAddress($0) }
    }
}

extension Engine {
    /// Turns this engine into a sentinel: the command table shrinks, INFO/HELLO say so.
    public func enableSentinel(_ mode: SentinelMode) {
        sentinel = mode
        table.restrictToSentinel()
        config.rewriteHook = { [unowned mode] r in mode.rewrite(r) }
    }
}
