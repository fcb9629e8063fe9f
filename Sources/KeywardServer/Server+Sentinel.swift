// Sentinel mode's network side (Redis's sentinelTimer and the hiredis callbacks): keeps a
// command link and a pub/sub link open to every monitored master and replica and a command
// link to every peer sentinel, drives the pure core (Engine/Sentinel*.swift) every 100 ms,
// feeds it the replies and hellos, and carries out its actions: commands on links, events on
// our own pub/sub and in the log, reconnections. The config file is rewritten whenever the
// core's persistent state changed. All of it runs on the event-loop thread.

#if canImport(Glibc)
import Glibc
#endif
import Engine
import RESP

final class SentinelRuntime {
    unowned let server: Server
    let mode: SentinelMode
    var core: Sentinel { mode.core }
    var links: [SentinelInstanceID: (cmd: SentinelLink?, pubsub: SentinelLink?)] = [:]
    /// Last connect attempt per instance: Redis retries a lost link once per PING period.
    var lastAttempt: [SentinelInstanceID: Int64] = [:]
    let clientName: String

    init(server: Server, mode: SentinelMode) {
        self.server = server
        self.mode = mode
        clientName = "sentinel-" + String(mode.core.myID.prefix(8))
    }

    func start() {
        mode.perform = { [unowned self] in self.perform($0) }
        mode.pendingCommands = { [unowned self] id in self.links[id]?.cmd?.pendingCount ?? 0 }
        mode.flushConfig = { [unowned self] in
            // Redis's sentinelFlushConfig: a CONFIG REWRITE of the file we were started with.
            let e = self.server.engine.config.rewriteConfigFile()
            if let e { self.server.log(.warning, "WARNING: Sentinel was not able to save the new configuration on disk!!!: \(e)") }
            return e
        }
        server.log(.warning, "Sentinel ID is \(core.myID)")
        for name in core.masterNames {
            if let a = core.masterAddress(name) {
                server.log(.warning, "+monitor master \(name) \(a.ip) \(a.port) quorum \(core.masterFields(name, now: 0)?.first { $0.0 == "quorum" }?.1 ?? "")")
            }
        }
        mode.flushIfChanged()
        server.loop.addTimer(ms: 100, repeats: true) { [unowned self] in self.tick() }
    }

    func tick() {
        let now = unixMillis()
        server.engine.now = now
        syncLinks(now: now)
        perform(core.tick(now: now))
        mode.flushIfChanged()
    }

    // MARK: links

    /// Opens missing links (throttled to one attempt a second) and closes links of instances
    /// the core forgot.
    func syncLinks(now: Int64) {
        let targets = core.linkTargets
        let wanted = Set(targets)
        for (id, pair) in links where !wanted.contains(id) {
            pair.cmd?.close(); pair.pubsub?.close()
            links[id] = nil
            lastAttempt[id] = nil
            mode.infoCache[id] = nil
        }
        for id in targets {
            var pair = links[id] ?? (nil, nil)
            dropStale(&pair, id, now: now)
            let needsPubsub = id.role != .sentinel
            guard pair.cmd == nil || (needsPubsub && pair.pubsub == nil) else { continue }
            if let t = lastAttempt[id], now - t < SentinelTiming.pingPeriod { continue }
            lastAttempt[id] = now
            if pair.cmd == nil {
                core.linkChanged(id, up: false, now: now)
                pair.cmd = open(id, .command)
            }
            if needsPubsub, pair.pubsub == nil { pair.pubsub = open(id, .pubsub) }
            links[id] = pair
        }
    }

    /// A connect that hangs (a host that drops SYNs) or a pub/sub link that heard nothing for
    /// three hello periods (we publish a hello on it every 2 s ourselves) is given up and reopened,
    /// like Redis's sentinelCheckSubjectivelyDown does for its links.
    func dropStale(_ pair: inout (cmd: SentinelLink?, pubsub: SentinelLink?), _ id: SentinelInstanceID, now: Int64) {
        let limit = max(SentinelTiming.pingPeriod, core.downAfter(id.master))
        if let l = pair.cmd, !l.connected, now - l.openedAt > limit {
            l.close(); pair.cmd = nil
        }
        if let l = pair.pubsub, !l.connected ? now - l.openedAt > limit
            : now - max(l.openedAt, l.lastActivity) > SentinelTiming.publishPeriod * 3 {
            l.close(); pair.pubsub = nil
        }
    }

    func open(_ id: SentinelInstanceID, _ kind: SentinelLink.Kind) -> SentinelLink? {
        guard let fd = connectNonBlocking(host: id.addr.ip, port: id.addr.port) else { return nil }
        let l = SentinelLink(id: id, kind: kind, fd: fd, runtime: self)
        l.openedAt = unixMillis()
        do { try server.loop.add(fd, l, write: true) } catch { closeSocket(fd); return nil }
        return l
    }

    func linkUp(_ l: SentinelLink) {
        let now = unixMillis()
        // Data instances with the master's auth-pass, peers with sentinel-user/sentinel-pass.
        let pass = l.id.role == .sentinel ? (mode.sentinelPass.isEmpty ? nil : mode.sentinelPass) : mode.authPass[l.id.master]
        let user = l.id.role == .sentinel ? (mode.sentinelUser.isEmpty ? nil : mode.sentinelUser) : mode.authUser[l.id.master]
        if let pass { l.send(user.map { ["AUTH", $0, pass] } ?? ["AUTH", pass], .ignore) }
        if l.kind == .pubsub {
            l.send(["CLIENT", "SETNAME", clientName + "-pubsub"], .ignore)
            l.send(["SUBSCRIBE", "__sentinel__:hello"], .ignore)
            return
        }
        l.send(["CLIENT", "SETNAME", clientName + "-cmd"], .ignore)
        // Without announce-ip, hellos carry the address peers reach us at: our end of a link.
        if mode.announceIP.isEmpty {
            let local = localAddress(l.fd).ip
            if !local.isEmpty { core.announce.ip = local.hasPrefix("::ffff:") ? String(local.dropFirst(7)) : local }
        }
        core.linkChanged(l.id, up: true, now: now)
        l.send(["PING"], .ping)
    }

    func linkFailed(_ l: SentinelLink) {
        l.close()
        guard var pair = links[l.id] else { return }
        if pair.cmd === l {
            pair.cmd = nil
            core.linkChanged(l.id, up: false, now: unixMillis())
        }
        if pair.pubsub === l { pair.pubsub = nil }
        links[l.id] = pair
    }

    func closeLinks(_ id: SentinelInstanceID) {
        guard let pair = links[id] else { return }
        pair.cmd?.close(); pair.pubsub?.close()
        links[id] = (nil, nil)
        lastAttempt[id] = nil
        core.linkChanged(id, up: false, now: unixMillis())
    }

    // MARK: core I/O

    func perform(_ actions: [SentinelAction]) {
        for a in actions {
            switch a {
            case .send(let id, let cmds):
                guard let l = links[id]?.cmd, l.connected, !l.closed else {
                    core.linkChanged(id, up: false, now: unixMillis())
                    continue
                }
                for c in cmds { l.send(c, expectation(c)) }
                l.flushOutput()
            case .event(let type, let text):
                publish(type, text)
            case .reconnect(let id):
                closeLinks(id)
            }
        }
    }

    func expectation(_ c: [String]) -> SentinelLink.Expect {
        switch c.first?.uppercased() {
        case "PING": return .ping
        case "INFO": return .info
        case "SENTINEL" where c.count > 1 && c[1].lowercased() == "is-master-down-by-addr": return .masterDown
        default: return .ignore
        }
    }

    /// An event: in the log (sentinelEvent), on our pub/sub channel named after it, and as an
    /// admin event (the engine does both).
    func publish(_ type: String, _ text: String) {
        server.log(.warning, "\(type) \(text)")
        server.engine.publishSentinelEvent(type, text)
    }

    func reply(_ l: SentinelLink, _ what: SentinelLink.Expect, _ v: RESPValue) {
        let now = unixMillis()
        server.engine.now = now
        switch what {
        case .ignore: return
        case .ping:
            var valid = false
            if case .simple(let s) = v, s == "PONG" { valid = true }
            if case .error(let e) = v, e.hasPrefix("LOADING") || e.hasPrefix("MASTERDOWN") { valid = true }
            core.pingReply(l.id, valid: valid, now: now)
        case .info:
            let text: String
            switch v {
            case .bulk(let b): text = String(decoding: b, as: UTF8.self)
            case .verbatim(_, let t): text = t
            default: core.linkChanged(l.id, up: true, now: now); return   // clears the pending INFO
            }
            mode.infoCache[l.id] = (now, text)
            perform(core.infoReply(l.id, text: text, now: now))
        case .masterDown:
            guard case .array(let a) = v, a.count == 3, case .integer(let down) = a[0],
                  case .integer(let epoch) = a[2] else { return }
            let leader: String
            switch a[1] {
            case .bulk(let b): leader = String(decoding: b, as: UTF8.self)
            case .simple(let s): leader = s
            default: return
            }
            core.masterDownReply(l.id, down: down == 1, leader: leader, leaderEpoch: UInt64(max(0, epoch)), now: now)
        }
        mode.flushIfChanged()
    }

    func helloReceived(_ payload: String) {
        let now = unixMillis()
        server.engine.now = now
        perform(core.hello(payload, now: now))
    }
}

extension Server {
    /// Sentinel mode: start the links and the 100 ms timer (Startup enabled the mode).
    func installSentinel() {
        guard let mode = engine.sentinel else { return }
        let rt = SentinelRuntime(server: self, mode: mode)
        sentinelRuntime = rt
        rt.start()
    }
}
