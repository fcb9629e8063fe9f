// Slots: the 16384 hash slots as a grid coloured and lettered by owner, with uncovered (!) and
// migrating/importing (~) slots overlaid, so a reshard shows as a moving front.

import Admin

extension Views {
    static let ownerStyles: [Style] = [.ok, .accent, .title, .input, .border, .warn]

    static func slots(_ t: TopologyStatus, width: Int, rows: Int) -> ViewContent {
        guard let c = t.nodes.first(where: { $0.reachable && $0.cluster != nil })?.cluster else {
            return .text([("Slots", .title), ("", .normal),
                          ("Not a cluster: this view maps the 16384 hash slots when the seed is a cluster node", .normal),
                          ("(a real Redis Cluster today; Keyward's Cluster mode is not available yet).", .dim)])
        }
        let masters = c.nodes.filter { $0.slots > 0 }.sorted { $0.address < $1.address }
        let letter: [String: Int] = Dictionary(uniqueKeysWithValues: masters.enumerated().map { ($1.address, $0) })
        // owner index per slot (-1 uncovered), then moves overlaid.
        var owner = [Int](repeating: -1, count: ClusterView.slotCount)
        for r in c.ranges where r.start >= 0 && r.end < ClusterView.slotCount && r.start <= r.end {
            for s in r.start...r.end { owner[s] = letter[r.owner] ?? -1 }
        }
        var moving = [Bool](repeating: false, count: ClusterView.slotCount)
        for m in c.migrating + c.importing where m.slot >= 0 && m.slot < ClusterView.slotCount { moving[m.slot] = true }
        let cols = width >= 72 ? 64 : 32
        let legend = masters.count + 2
        var per = 16
        while (ClusterView.slotCount / per + cols - 1) / cols > max(1, rows - legend - 1) && per < 4096 { per *= 2 }
        var lines: [[(String, Style)]] = []
        lines.append([("cluster \(c.state)  epoch \(c.currentEpoch)  \(c.slotsAssigned)/16384 assigned  "
                       + "\(masters.count) masters  one cell = \(per) slots", c.state == "ok" ? .dim : .fail)])
        let cells = ClusterView.slotCount / per
        var row = 0
        while row * cols < cells {
            var spans: [(String, Style)] = [(fit(String(row * cols * per), 6, right: true) + " ", .dim)]
            for cell in (row * cols)..<min(cells, (row + 1) * cols) {
                let range = (cell * per)..<((cell + 1) * per)
                if range.contains(where: { owner[$0] < 0 }) { spans.append(("!", .fail)); continue }
                if range.contains(where: { moving[$0] }) { spans.append(("~", .warn)); continue }
                let o = owner[range.lowerBound]
                spans.append((String(Character(Unicode.Scalar(UInt8(65 + o % 26)))), ownerStyles[o % ownerStyles.count]))
            }
            lines.append(spans)
            row += 1
        }
        for (i, m) in masters.enumerated() {
            let ranges = c.ranges.filter { $0.owner == m.address }.map { $0.start == $0.end ? "\($0.start)" : "\($0.start)-\($0.end)" }
            let flags = m.flags.filter { $0 != "master" }
            lines.append([(String(Character(Unicode.Scalar(UInt8(65 + i % 26)))) + " ", ownerStyles[i % ownerStyles.count]),
                          ("\(m.address)  \(m.slots) slots  \(ranges.joined(separator: ","))  epoch \(m.configEpoch)"
                           + (flags.isEmpty ? "" : "  [\(flags.joined(separator: ","))]"), m.failing ? .fail : .normal)])
        }
        lines.append([("! uncovered \(c.uncovered)   ~ migrating/importing \(c.migrating.count + c.importing.count)",
                       c.uncovered > 0 ? .fail : .dim)])
        return .rich(lines)
    }

    /// The owner of one slot, for `:slot N`.
    public static func slotOwner(_ t: TopologyStatus, _ slot: Int) -> String? {
        t.nodes.first(where: { $0.reachable && $0.cluster != nil })?.cluster?.ranges
            .first { $0.start <= slot && slot <= $0.end }?.owner
    }
}
