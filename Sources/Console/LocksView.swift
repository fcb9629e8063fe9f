// Locks: the ADMIN LOCKS documents (Admin.LocksDocument, read here as JSON values so the view
// stays Foundation-free): holder, reentrancy, lease left as a bar, fencing token, waiters, and
// the orphan flag when the owner's connection is gone; the newest failure record on top.

import Admin

extension Views {
    /// Redisson's default lease (the watchdog's 30 s), the bar's full scale.
    static let leaseScaleMs = 30_000.0

    static func locks(_ t: TopologyStatus, _ g: Glyphs) -> ViewContent {
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
            guard case .array(let locks)? = doc["locks"] else { continue }
            for l in locks {
                let name = string(l["name"])
                let lease = number(l["remainingLeaseMs"]) ?? -1
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
        let newest = failures.max { (number($0["time"]) ?? 0) < (number($1["time"]) ?? 0) }
        if let f = newest {
            caption += "; \(failures.count) failure(s), newest \(string(f["lock"])) [\(string(f["task"]?["name"]))] "
                + Format.clock(Int64(number(f["time"]) ?? 0)) + " after \(string(f["attempts"])) tries"
        }
        return .table(Table(columns: [Column("LOCK", 16), Column("OWNER", 18), Column("RE", 3, right: true),
                                      Column("LEASE LEFT", 12), Column("TOKEN", 6, right: true),
                                      Column("WAIT", 4, right: true), Column("OWNER CONN", 10)],
                            rows: rows, caption: caption))
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
