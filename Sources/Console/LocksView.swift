// Locks: the ADMIN LOCKS documents (Admin.LocksDocument, read here as JSON values so the view
// stays Foundation-free): holder, reentrancy, lease left as a bar, fencing token, waiters, and
// the orphan flag when the owner's connection is gone; the newest failure record on top.

import Admin

extension Views {
    /// Redisson's default lease (the watchdog's 30 s), the bar's full scale.
    static let leaseScaleMs = 30_000.0

    /// The lease left is drawn as of `now`: the polled figure minus the time since the node was
    /// polled, so the bar runs down between polls (a pure function of snapshot and clock).
    static func locks(_ t: TopologyStatus, _ g: Glyphs, now: Int64? = nil) -> ViewContent {
        // Replicas index the same replicated keys: masters' documents win.
        let served = t.nodes.filter { $0.reachable && $0.locks != nil }
        let sources = served.contains { $0.role == "master" } ? served.filter { $0.role == "master" } : served
        guard !sources.isEmpty else {
            return .text([("Locks: no data.", .normal),
                          ("No node serves ADMIN LOCKS (plain Redis, or a Keyward without the lock index).", .dim)])
        }
        var rows: [Row] = []
        var failures: [JSONValue] = []
        for n in sources {
            guard let doc = n.locks else { continue }
            if case .array(let f)? = doc["failures"] { failures += f }
            let elapsed = now.map { Double(max(0, $0 - (n.polledAt ?? t.generatedAt))) } ?? 0
            guard case .array(let locks)? = doc["locks"] else { continue }
            for l in locks {
                let name = string(l["name"])
                let polled = number(l["remainingLeaseMs"]) ?? -1
                let lease = polled < 0 ? polled : max(0, polled - elapsed)
                var owners: [JSONValue] = []
                if case .array(let o)? = l["owners"] { owners = o }
                let first = owners.first
                let owner = first.map { "\(string($0["clientId"]).prefix(12)):\(string($0["threadId"]))" } ?? "-"
                let conn = first.map { string($0["connection"]) } ?? ""
                let leaseCell: TableCell
                if lease < 0 {
                    leaseCell = TableCell("no lease", .dim, number: .infinity)
                } else {
                    let secs = Format.one(lease / 1000) + "s"
                    leaseCell = TableCell(g.bar(lease / leaseScaleMs, width: 5) + " " + secs, lease < 3000 ? .warn : .ok, number: lease)
                }
                rows.append(Row([
                    TableCell(name),
                    TableCell(owner + (owners.count > 1 ? " +\(owners.count - 1)" : "")),
                    TableCell(first.map { string($0["reentrancy"]) } ?? "-", number: first.flatMap { number($0["reentrancy"]) }),
                    leaseCell,
                    TableCell(l["fencingToken"].map(text) ?? "-", number: number(l["fencingToken"])),
                    TableCell(string(l["waiters"]), number(l["waiters"]) ?? 0 > 0 ? .warn : .normal, number: number(l["waiters"])),
                    conn == "gone" ? TableCell("\(g.fail) ORPHAN", .fail, number: 2)
                        : TableCell(conn.isEmpty ? "?" : conn, conn == "alive" ? .ok : .dim, number: conn == "alive" ? 0 : 1),
                ], key: n.address))
            }
        }
        var caption = "\(rows.count) held"
        if !failures.isEmpty { caption += "; \(failures.count) failure(s), newest first:" }
        // The newest failures as alerts above the holders: each is a task that did not run.
        let alerts = lockAlerts(failures).suffix(3).reversed().map {
            TableCell("\(g.fail) \(Format.clock($0.time)) \($0.message)", .fail)
        }
        return .table(Table(columns: [Column("LOCK", 16), Column("OWNER", 18), Column("RE", 3, right: true),
                                      Column("LEASE LEFT", 12), Column("TOKEN", 6, right: true),
                                      Column("WAIT", 4, right: true), Column("OWNER CONN", 10)],
                            rows: rows, caption: caption, alerts: Array(alerts)))
    }

    /// Lock failure records (LockFailureRecord JSON, as ADMIN LOCKS carries them) as admin
    /// events of kind "lock-failure", oldest first: the Events view lists them with the rest.
    public static func lockAlerts(_ failures: [JSONValue], node: String? = nil) -> [AdminEvent] {
        failures.map { f -> AdminEvent in
            guard case .object = f else {
                return AdminEvent(time: 0, kind: "lock-failure", node: node, message: "unreadable record: \(text(f))")
            }
            var task = string(f["task"]?["name"])
            if let o = f["task"]?["owner"], case .string(let owner) = o { task += " (owner \(owner))" }
            var holders: [String] = []
            if case .array(let hs)? = f["holders"] { holders = hs.map { "\(string($0["clientId"]).prefix(12)):\(string($0["threadId"]))" } }
            let held = holders.isEmpty ? "" : ", held by " + holders.joined(separator: " ")
            return AdminEvent(time: Int64(number(f["time"]) ?? 0), kind: "lock-failure", node: node,
                              message: "lock \(string(f["lock"])): task \(task) gave up after \(string(f["attempts"])) tries\(held)")
        }.sorted { $0.time < $1.time }
    }

    /// Every failure record the masters' ADMIN LOCKS documents carry, as lock-failure events.
    public static func lockAlerts(_ t: TopologyStatus) -> [AdminEvent] {
        t.nodes.filter { $0.reachable && $0.role == "master" }.flatMap { n -> [AdminEvent] in
            guard case .array(let f)? = n.locks?["failures"] else { return [] }
            return lockAlerts(f, node: n.address)
        }
    }

    static func string(_ v: JSONValue?) -> String {
        guard let v else { return "" }
        return text(v)
    }

    static func number(_ v: JSONValue?) -> Double? {
        switch v {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: return nil
        }
    }
}
