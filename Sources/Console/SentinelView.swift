// Sentinel: the masters the sentinels monitor (flags, quorum, epoch, failover state), each
// peer's last vote, and under the table the failover timeline per epoch (newest first): who
// voted for whom, the leader the votes elected, and the steps with their times. Run ids are
// shown as the sentinels' addresses when the topology knows them.

import Admin

extension Views {
    static func sentinel(_ t: TopologyStatus) -> ViewContent {
        guard let view = t.sentinelView else {
            return .text([("No sentinel in this topology.", .normal),
                          ("Start the console with --seed <sentinel host:port> to see what Sentinel sees:", .dim),
                          ("masters, quorum, SDOWN/ODOWN and who voted for whom in each epoch.", .dim)])
        }
        var rows: [Row] = []
        var notes: [TableCell] = []
        let names = sentinelNames(t)
        let votesUnavailable = t.sentinels.first { $0.reachable && $0.sentinel != nil }?.unavailable.contains("votes") ?? false
        for m in view.masters {
            rows.append(Row([TableCell(m.name, .accent), TableCell(m.address), TableCell(m.flags.joined(separator: ","), m.isDown ? .fail : .ok),
                             TableCell("q=\(m.quorum)"), TableCell(String(m.configEpoch), number: Double(m.configEpoch)),
                             TableCell("\(m.numReplicas)r \(m.numOtherSentinels + 1)s"), TableCell(m.failoverState ?? "-")],
                            key: m.address))
            for s in m.sentinels {
                let vote = s.leader.map { "\($0.prefix(8))@\(s.leaderEpoch ?? 0)" } ?? "-"
                rows.append(Row([TableCell("  sentinel", .dim), TableCell(s.address), TableCell(s.flags.joined(separator: ","), s.isDown ? .fail : .normal),
                                 TableCell(""), TableCell(s.leaderEpoch.map(String.init) ?? "-", number: s.leaderEpoch.map(Double.init)),
                                 TableCell(vote), TableCell("")], key: s.address))
            }
            notes += timeline(m, names: names, votesUnavailable: votesUnavailable)
        }
        return .table(Table(columns: [Column("MASTER", 10), Column("ADDRESS", 15), Column("FLAGS", 15), Column("QUORUM", 6),
                                      Column("EPOCH", 5, right: true), Column("VOTE/PEERS", 11), Column("FAILOVER", 10)],
                            rows: rows, notes: notes))
    }

    /// Sentinel id → host:port, from the peers each sentinel lists (a sentinel's vote id is its
    /// SENTINEL MYID, not INFO's run_id, so a sentinel is named by the others that know it).
    static func sentinelNames(_ t: TopologyStatus) -> [String: String] {
        var out: [String: String] = [:]
        for n in t.sentinels {
            for m in n.sentinel?.masters ?? [] { for p in m.sentinels { if let id = p.runId { out[id] = p.address } } }
        }
        return out
    }

    /// Drops what the timeline's heading already says: "master <name> <ip> <port>" becomes
    /// what follows it, "slave <h:p> <ip> <port> @ <name> ..." becomes "slave <h:p>".
    static func shortDetail(_ d: String, master: String) -> String {
        let w = d.split(separator: " ").map(String.init)
        if w.count >= 4 && w[0] == "master" && w[1] == master { return w.dropFirst(4).joined(separator: " ") }
        if let at = w.firstIndex(of: "@"), at + 1 < w.count, w[at + 1] == master, at >= 2 { return w.prefix(2).joined(separator: " ") }
        return d
    }

    static func timeline(_ m: SentinelMaster, names: [String: String], votesUnavailable: Bool) -> [TableCell] {
        guard !votesUnavailable, let epochs = m.timeline else {
            return [TableCell("\(m.name): votes: not available on Redis sentinels", .dim)]
        }
        if epochs.isEmpty {
            return [TableCell("\(m.name): no failover seen (no votes recorded, current epoch \(m.currentEpoch ?? 0))", .dim)]
        }
        // Sentinels on one host are told apart by port.
        let hosts = Set(names.values.map { $0.split(separator: ":").first.map(String.init) ?? $0 })
        func by(_ n: String) -> String { hosts.count == 1 ? ":" + (n.split(separator: ":").last.map(String.init) ?? n) : n }
        func who(_ id: String) -> String { names[id].map(by) ?? String(id.prefix(8)) }
        var out: [TableCell] = []
        for e in epochs.reversed() {
            var head = "\(m.name) epoch \(e.epoch)  \(Format.clock(e.start))  "
            var count: [String: Int] = [:]
            for v in e.votes { count[v.candidate, default: 0] += 1 }
            if let l = e.leader {
                head += "leader \(names[l] ?? String(l.prefix(8))) (\(count[l] ?? 0)/\(m.numOtherSentinels + 1) votes)"
            } else {
                head += e.votes.isEmpty ? "no votes seen"
                    : "no leader (best \(count.values.max() ?? 0) of \(e.votes.count) vote(s), need \(max(m.quorum, (m.numOtherSentinels + 1) / 2 + 1)))"
            }
            out.append(TableCell(head, e.leader != nil ? .accent : .warn))
            // Votes and steps in one chronological list.
            var lines: [(Int64, String, Style)] = e.votes.map { ($0.time, "vote  \(who($0.voter)) -> \(who($0.candidate))", .normal) }
            // The vote lines already say what +vote-for-leader does; one +new-epoch says when it began.
            var newEpochShown = false
            for s in e.steps {
                if s.event == "+vote-for-leader" && !e.votes.isEmpty { continue }
                if s.event == "+new-epoch" { if newEpochShown { continue }; newEpochShown = true }
                let style: Style = s.event.hasPrefix("-failover-abort") || s.event == "+odown" || s.event == "+sdown" ? .warn
                    : s.event == "+switch-master" || s.event == "+failover-end" ? .ok : .dim
                var detail = shortDetail(s.detail, master: m.name)
                if s.event == "+vote-for-leader", let id = detail.split(separator: " ").first {
                    detail = who(String(id)) + detail.dropFirst(id.count)
                }
                lines.append((s.time, (s.node.map { by($0) + " " } ?? "") + s.event + (detail.isEmpty ? "" : " " + detail), style))
            }
            for (time, text, style) in lines.enumerated().sorted(by: { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }).map(\.element) {
                out.append(TableCell("  \(Format.clockMs(time)) \(text)", style))
            }
        }
        return out
    }
}
