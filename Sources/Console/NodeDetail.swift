// Node detail: everything one node's document says, as labelled lines.

import Admin

extension Views {
    static func nodeDetail(_ t: TopologyStatus, _ address: String?, _ g: Glyphs) -> ViewContent {
        guard let a = address, let n = (t.nodes + t.sentinels).first(where: { $0.address == a }) else {
            return .text([("No node selected (Enter on a row, or :node host:port).", .dim)])
        }
        var out: [(String, Style)] = []
        func line(_ label: String, _ value: String, _ style: Style = .normal) { out.append((fit(label, 14) + value, style)) }
        let badge = health(n, g, in: t)
        line("node", "\(n.address)  \(badge.text)", badge.style)
        if !n.reachable {
            line("error", n.error ?? "no reply", .fail)
            return .text(out)
        }
        line("role", n.role + (n.server.map { "  (\($0.mode))" } ?? ""))
        if let s = n.server {
            line("version", "redis \(s.redisVersion)" + (s.keywardVersion.map { ", keyward \($0)" } ?? ""))
            line("process", "pid \(s.processId), up \(Format.duration(s.uptimeSeconds)), run id \(s.runId.prefix(12))")
        }
        if let c = n.clients { line("clients", "\(c.connected) connected, \(c.blocked) blocked, max \(c.maxClients)") }
        if let m = n.memory {
            var v = "used \(Format.bytes(m.usedBytes)), rss \(Format.bytes(m.rssBytes)), peak \(Format.bytes(m.peakBytes))"
            if let d = m.datasetBytes { v += ", dataset \(Format.bytes(d))" }
            v += m.maxBytes > 0 ? ", max \(Format.bytes(m.maxBytes)) (\(m.policy))" : ", no maxmemory"
            line("memory", v)
        }
        if let s = n.stats {
            line("ops", "\(s.opsPerSec)/s, \(s.totalCommands) commands, hits \(s.keyspaceHits) / misses \(s.keyspaceMisses)")
        }
        if let l = n.latency {
            line("latency", "\(l.command): p50 \(Format.one(l.p50Usec))us  p99 \(Format.one(l.p99Usec))us  p99.9 \(Format.one(l.p999Usec))us")
        }
        if !n.keyspace.isEmpty {
            line("keyspace", n.keyspace.map { "db\($0.db) \($0.keys) keys (\($0.expires) volatile)" }.joined(separator: ", "))
        }
        if let p = n.persistence {
            let rdb = (p.rdbBgsaveInProgress ? "BGSAVE running" : "last save \(p.rdbLastBgsaveStatus) at \(Format.clock(p.rdbLastSaveTime * 1000))")
                + ", \(p.rdbChangesSinceLastSave) changes since save"
            line("rdb", rdb, p.rdbLastBgsaveStatus == "ok" ? .normal : .fail)
            line("aof", p.aofEnabled ? "on, last write \(p.aofLastWriteStatus)" + (p.aofRewriteInProgress ? ", rewriting" : "") : "off")
        }
        if let r = n.replication {
            line("replication", "offset \(r.offset), backlog \(Format.bytes(r.backlog.histlen))/\(Format.bytes(r.backlog.size)), replid \(r.replid.prefix(12))")
            if let m = r.master {
                line("master", "\(m.address) link \(m.linkStatus), last io \(m.lastIOSecondsAgo)s ago" + (m.syncInProgress ? ", syncing" : ""),
                     m.linkStatus == "up" ? .ok : .fail)
            }
            for l in r.replicas {
                line("replica", "\(l.address) \(l.state), lag \(Format.bytes(l.lagBytes)) / \(l.lagSeconds)s, headroom "
                     + (l.resyncHeadroomBytes.map(Format.bytes) ?? "none: full resync"))
            }
        }
        if let sv = n.sentinel {
            for m in sv.masters { line("monitors", "\(m.name) at \(m.address) [\(m.flags.joined(separator: ","))] quorum \(m.quorum)") }
        }
        if let ev = n.events, let last = ev.last { line("last event", "\(Format.clock(last.time)) \(last.kind): \(last.message)") }
        if !n.unavailable.isEmpty { line("unavailable", n.unavailable.joined(separator: ", "), .dim) }
        return .text(out)
    }
}
