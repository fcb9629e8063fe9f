// The views' contents, built from a snapshot (pure: snapshot in, rows out).

import Admin

/// What the poller publishes: the topology plus the merged event list (node events and the
/// console's own observations such as a node going unreachable).
public struct ConsoleSnapshot: Equatable, Sendable {
    public var topology: TopologyStatus
    public var events: [AdminEvent]
    /// Replica address → change of its lag in bytes since the previous poll of its master
    /// (the full-resync predictor: a growing lag eats the backlog headroom).
    public var lagTrend: [String: Int64]
    public init(topology: TopologyStatus, events: [AdminEvent] = [], lagTrend: [String: Int64] = [:]) {
        self.topology = topology; self.events = events; self.lagTrend = lagTrend
    }
}

public enum Views {
    /// `width`/`rows`: the body's size (the slot map scales to it).
    /// `now` (unix ms): the wall clock for figures that run down between polls (lease bars);
    /// nil draws them as polled (paused display, tests of the polled state).
    public static func content(_ view: ViewID, _ snap: ConsoleSnapshot?, _ s: UIState, _ g: Glyphs,
                               width: Int = 80, rows: Int = 19, now: Int64? = nil) -> ViewContent {
        guard let snap else { return .text([("Connecting…", .dim)]) }
        switch view {
        case .overview: return .table(overview(snap.topology, g))
        case .replication: return .table(replication(snap.topology, g, trend: snap.lagTrend))
        case .sentinel: return sentinel(snap.topology)
        case .locks: return locks(snap.topology, g, now: now)
        case .events: return .table(events(snap.events))
        case .slots: return slots(snap.topology, width: width, rows: rows)
        case .node: return nodeDetail(snap.topology, s.nodeAddress, g)
        }
    }

    /// A node's badge: the worst thing about it.
    public static func health(_ n: NodeStatus, _ g: Glyphs, in t: TopologyStatus? = nil) -> TableCell {
        if !n.reachable { return TableCell("\(g.fail) DOWN", .fail, number: 3) }
        if let m = n.replication?.master, m.linkStatus != "up" { return TableCell("\(g.fail) LINK", .fail, number: 3) }
        // A replica is lagging when its master says so (the replica itself can't tell).
        if let m = n.replication?.master, let link = t?.nodes.first(where: { $0.address == m.address })?
            .replication?.replicas.first(where: { $0.address == n.address }),
           link.lagSeconds > TopologyStatus.lagWarnSeconds || link.resyncHeadroomBytes == nil {
            return TableCell("\(g.warn) LAG", .warn, number: 2)
        }
        if let r = n.replication?.replicas,
           r.contains(where: { $0.state != "online" || $0.lagSeconds > TopologyStatus.lagWarnSeconds }) {
            return TableCell("\(g.warn) LAG", .warn, number: 2)
        }
        if let p = n.persistence, p.rdbLastBgsaveStatus != "ok" || p.aofLastWriteStatus != "ok" {
            return TableCell("\(g.warn) SAVE", .warn, number: 2)
        }
        if n.persistence?.rdbBgsaveInProgress == true || n.persistence?.aofRewriteInProgress == true {
            return TableCell("\(g.ok) SAVING", .accent, number: 1)
        }
        return TableCell("\(g.ok) OK", .ok, number: 0)
    }

    static func overview(_ t: TopologyStatus, _ g: Glyphs) -> Table {
        let addresses = Set(t.nodes.map(\.address))
        var rows: [Row] = []
        for (i, n) in t.nodes.enumerated() {
            var name = n.address
            if let m = n.replication?.master?.address, addresses.contains(m) {
                let laterSibling = t.nodes[(i + 1)...].contains { $0.replication?.master?.address == m }
                name = (laterSibling ? g.branch : g.lastBranch) + name
            }
            let keys = n.keyspace.reduce(Int64(0)) { $0 + $1.keys }
            rows.append(Row([
                TableCell(name),
                TableCell(n.role, n.role == "master" ? .accent : .normal),
                health(n, g, in: t),
                TableCell(n.clients.map { String($0.connected) } ?? "-", number: n.clients.map { Double($0.connected) }),
                TableCell(n.memory.map { Format.bytes($0.usedBytes) } ?? "-", number: n.memory.map { Double($0.usedBytes) }),
                TableCell(n.stats.map { Format.count($0.opsPerSec) } ?? "-", number: n.stats.map { Double($0.opsPerSec) }),
                TableCell(n.reachable ? Format.count(keys) : "-", number: Double(keys)),
                TableCell(n.reachable ? n.source : "-", .dim),
            ], key: n.address))
        }
        for n in t.sentinels {
            rows.append(Row([TableCell(n.address), TableCell("sentinel", .accent), health(n, g),
                             TableCell(n.clients.map { String($0.connected) } ?? "-", number: n.clients.map { Double($0.connected) }),
                             TableCell("-"), TableCell("-"), TableCell("-"), TableCell(n.reachable ? n.source : "-", .dim)],
                            key: n.address))
        }
        return Table(columns: [Column("NODE", 22), Column("ROLE", 8), Column("HEALTH", 8), Column("CONN", 5, right: true),
                               Column("MEMORY", 7, right: true), Column("OPS/S", 6, right: true),
                               Column("KEYS", 6, right: true), Column("SOURCE", 6)],
                     rows: rows)
    }

    static func replication(_ t: TopologyStatus, _ g: Glyphs, trend: [String: Int64] = [:]) -> Table {
        var rows: [Row] = []
        var listed = Set<String>()
        for m in t.nodes where m.reachable {
            guard let r = m.replication else { continue }
            for l in r.replicas {
                listed.insert(l.address)
                let replica = t.nodes.first { $0.address == l.address }
                let linkUp = replica?.replication?.master?.linkStatus ?? (l.state == "online" ? "up" : "?")
                let resync: TableCell
                if let h = l.resyncHeadroomBytes {
                    let frac = r.backlog.size > 0 ? Double(h) / Double(r.backlog.size) : 1
                    resync = TableCell(g.bar(frac, width: 5) + " " + Format.bytes(h), frac < 0.1 ? .warn : .ok, number: Double(h))
                } else {
                    resync = TableCell("FULL RESYNC", .fail, number: -1)
                }
                rows.append(Row([
                    TableCell(l.address), TableCell(m.address), TableCell(l.state, l.state == "online" ? .ok : .warn),
                    TableCell(linkUp, linkUp == "up" ? .ok : .fail),
                    TableCell(String(l.offset), number: Double(l.offset)),
                    TableCell(Format.bytes(l.lagBytes) + (trend[l.address].map { $0 > 0 ? g.grow : ($0 < 0 ? g.shrink : "") } ?? ""),
                              (trend[l.address] ?? 0) > 0 ? .fail : (l.lagBytes > 0 ? .warn : .normal), number: Double(l.lagBytes)),
                    TableCell("\(l.lagSeconds)s", l.lagSeconds > TopologyStatus.lagWarnSeconds ? .warn : .normal, number: Double(l.lagSeconds)),
                    resync,
                ], key: l.address))
            }
        }
        // Replicas whose master did not list them (master down, link broken) still appear.
        for n in t.nodes where !listed.contains(n.address) {
            guard let link = n.replication?.master else { continue }
            rows.append(Row([
                TableCell(n.address), TableCell(link.address), TableCell(n.reachable ? "-" : "unreachable", .fail),
                TableCell(link.linkStatus, link.linkStatus == "up" ? .ok : .fail),
                TableCell(String(link.offset), number: Double(link.offset)), TableCell("?"),
                TableCell(link.linkDownSinceSeconds.map { "down \($0)s" } ?? "?"), TableCell("?", .dim),
            ], key: n.address))
        }
        let masters = t.nodes.filter { $0.role == "master" && $0.reachable }
        let caption = masters.map { m -> String in
            let b = m.replication?.backlog ?? BacklogState()
            return "\(m.address) offset \(m.replication?.offset ?? 0), backlog \(Format.bytes(b.histlen))/\(Format.bytes(b.size))"
        }.joined(separator: "; ")
        return Table(columns: [Column("REPLICA", 15), Column("MASTER", 15), Column("STATE", 6), Column("LINK", 4),
                               Column("OFFSET", 8, right: true), Column("LAG", 6, right: true), Column("LAG T", 5, right: true),
                               Column("HEADROOM", 12)],
                     rows: rows, caption: caption.isEmpty ? nil : caption)
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .null: return "-"
        default: return v.text
        }
    }

    static func events(_ e: [AdminEvent]) -> Table {
        let rows = e.reversed().map { ev in
            Row([TableCell(Format.clock(ev.time), number: Double(ev.time)), TableCell(ev.node ?? "-"),
                 TableCell(ev.kind, ev.kind == "unreachable" || ev.kind == "lock-failure" ? .fail : .accent), TableCell(ev.message)], key: ev.node)
        }
        return Table(columns: [Column("TIME", 8), Column("NODE", 21), Column("KIND", 11), Column("MESSAGE", 30)], rows: rows, flex: 3)
    }
}
