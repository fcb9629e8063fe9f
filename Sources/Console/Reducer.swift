// Keys → new UI state (+ effects for the program to carry out). Pure: tested without a terminal.

import Admin

public enum Reducer {
    public static func reduce(_ s: inout UIState, _ key: Key, _ snap: ConsoleSnapshot?, glyphs: Glyphs = .ascii) -> [Effect] {
        if key == .interrupt { return [.quit] }
        if key == .resize { return [] }
        if s.showHelp { s.showHelp = false; return [] }
        if let c = s.confirm {
            s.confirm = nil
            if key == .char("y") || key == .char("Y") {
                s.message = "\(c.label) sent to \(c.node)…"
                return [.run(node: c.node, args: c.args, label: c.label)]
            }
            s.message = "\(c.label) cancelled"
            return []
        }
        if s.commandLine != nil { return commandKey(&s, key, snap) }
        if s.editingFilter {
            switch key {
            case .enter: s.editingFilter = false
            case .escape: s.editingFilter = false; s.filter = ""
            case .backspace: if !s.filter.isEmpty { s.filter.removeLast() }
            case .char(let c): s.filter.append(c)
            default: break
            }
            s.selection = 0
            s.scroll = 0
            return []
        }
        let content = Views.content(s.view, snap, s, glyphs)
        let rows = content.rows(s)
        let count = s.view == .node || content.columnCount == 0 ? content.lineCount : rows.count
        s.message = ""
        switch key {
        case .char("q"): return [.quit]
        case .char("?"): s.showHelp = true
        case .char(let c) where c.isNumber:
            if let n = c.wholeNumberValue, let v = ViewID(rawValue: n), ViewID.tabs.contains(v) { switchTo(&s, v) }
        case .left where s.paused, .right where s.paused:
            // Time travel: while paused, ←/→ step through the snapshots the program kept.
            let d = key == .left ? 1 : -1
            s.historyBack = max(0, min(max(0, s.historyCount - 1), s.historyBack + d))
            s.message = s.historyBack == 0 ? "newest snapshot" : "snapshot -\(s.historyBack) of \(s.historyCount)"
        case .tab, .char("l"), .right: cycle(&s, 1)
        case .backTab, .char("h"), .left: cycle(&s, -1)
        case .down, .char("j"): move(&s, 1, count)
        case .up, .char("k"): move(&s, -1, count)
        case .pageDown: move(&s, s.pageRows, count)
        case .pageUp: move(&s, -s.pageRows, count)
        case .char("g"), .home: move(&s, -count - 1, count)
        case .char("G"), .end: move(&s, count + 1, count)
        case .char("/"): s.editingFilter = true
        case .char(":"): s.commandLine = ""
        case .char("p"):
            s.paused.toggle()
            s.historyBack = 0
            s.message = s.paused ? "paused (p resumes, left/right step through history)" : "resumed"
        case .char("+"): return changeRefresh(&s, -1)
        case .char("-"): return changeRefresh(&s, 1)
        case .char("s"):
            let n = content.columnCount
            if n > 0 { s.sortColumn = s.sortColumn.map { $0 + 1 < n ? $0 + 1 : nil } ?? 0; s.selection = 0 }
        case .char("S"): s.sortDescending.toggle()
        case .enter:
            if s.view != .node, s.selection < rows.count, let k = rows[s.selection].key { openNode(&s, k) }
        case .escape:
            if s.view == .node { switchTo(&s, s.previousView) } else if !s.filter.isEmpty { s.filter = "" }
        case .char("b"): return action(&s, "BGSAVE", ["BGSAVE"], snap, rows)
        case .char("w"): return action(&s, "BGREWRITEAOF", ["BGREWRITEAOF"], snap, rows)
        case .char("F"): return failover(&s, snap, rows)
        case .char("u"): return forceUnlock(&s, rows)
        default: break
        }
        return []
    }

    static func switchTo(_ s: inout UIState, _ v: ViewID) {
        if v == .node, s.view != .node { s.previousView = s.view }
        s.view = v
        s.selection = 0
        s.scroll = 0
        s.sortColumn = nil
        s.sortDescending = false
        s.filter = ""
    }

    static func openNode(_ s: inout UIState, _ address: String) {
        switchTo(&s, .node)
        s.nodeAddress = address
    }

    static func cycle(_ s: inout UIState, _ d: Int) {
        let base = s.view == .node ? s.previousView : s.view
        let i = ViewID.tabs.firstIndex(of: base) ?? 0
        switchTo(&s, ViewID.tabs[(i + d + ViewID.tabs.count) % ViewID.tabs.count])
    }

    static func move(_ s: inout UIState, _ d: Int, _ count: Int) {
        if s.view == .node {
            s.scroll = max(0, min(max(0, count - 1), s.scroll + d))
            return
        }
        s.selection = max(0, min(max(0, count - 1), s.selection + d))
        if s.selection < s.scroll { s.scroll = s.selection }
        if s.selection >= s.scroll + s.pageRows { s.scroll = s.selection - s.pageRows + 1 }
    }

    static func changeRefresh(_ s: inout UIState, _ d: Int) -> [Effect] {
        let steps = UIState.refreshSteps
        let i = steps.firstIndex { $0 >= s.refreshSeconds } ?? steps.count - 1
        s.refreshSeconds = steps[max(0, min(steps.count - 1, i + d))]
        s.message = "refresh every \(Format.seconds(s.refreshSeconds))"
        return [.refreshChanged(s.refreshSeconds)]
    }

    /// The node the selection (or Node detail) points at.
    static func selectedNode(_ s: UIState, _ rows: [Row]) -> String? {
        if s.view == .node { return s.nodeAddress }
        return s.selection < rows.count ? rows[s.selection].key : nil
    }

    static func action(_ s: inout UIState, _ label: String, _ args: [String], _ snap: ConsoleSnapshot?, _ rows: [Row],
                       node: String? = nil) -> [Effect] {
        if s.readOnly { s.message = "read-only mode: \(label) refused"; return [] }
        guard let n = node ?? selectedNode(s, rows) else { s.message = "\(label): select a node first"; return [] }
        s.confirm = PendingAction(label: label, node: n, args: args)
        return []
    }

    /// FAILOVER runs on a master: on a selected replica it becomes `FAILOVER TO` that replica.
    static func failover(_ s: inout UIState, _ snap: ConsoleSnapshot?, _ rows: [Row]) -> [Effect] {
        guard let n = selectedNode(s, rows) else { s.message = "FAILOVER: select a node first"; return [] }
        let node = snap?.topology.nodes.first { $0.address == n }
        if let m = node?.replication?.master {
            let parts = n.split(separator: ":")
            return action(&s, "FAILOVER TO \(n)", ["FAILOVER", "TO", String(parts.first ?? ""), String(parts.last ?? "")],
                          snap, rows, node: m.address)
        }
        return action(&s, "FAILOVER", ["FAILOVER"], snap, rows, node: n)
    }

    static func commandKey(_ s: inout UIState, _ key: Key, _ snap: ConsoleSnapshot?) -> [Effect] {
        switch key {
        case .escape: s.commandLine = nil
        case .backspace:
            if s.commandLine!.isEmpty { s.commandLine = nil } else { s.commandLine!.removeLast() }
        case .char(let c): s.commandLine!.append(c)
        case .enter:
            let line = s.commandLine!
            s.commandLine = nil
            return command(&s, line, snap)
        default: break
        }
        return []
    }

    /// `:` commands: jumps and actions by name.
    public static func command(_ s: inout UIState, _ line: String, _ snap: ConsoleSnapshot?) -> [Effect] {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first?.lowercased() else { return [] }
        let arg = words.count > 1 ? words[1] : nil
        let rows = Views.content(s.view, snap, s, .ascii).rows(s)
        switch verb {
        case "q", "quit": return [.quit]
        case "node":
            guard let a = arg else { s.message = "usage: :node host:port"; return [] }
            let known = snap.map { ($0.topology.nodes + $0.topology.sentinels).contains { $0.address == a } } ?? false
            if known { openNode(&s, a) } else { s.message = "no node \(a) in this topology" }
        case "view":
            if let v = ViewID.allCases.first(where: { $0.title.lowercased().hasPrefix(arg?.lowercased() ?? "?") }), v != .node {
                switchTo(&s, v)
            } else { s.message = "views: overview replication sentinel locks events slots" }
        case "refresh":
            if let v = arg.flatMap(Double.init), v >= 0.1, v <= 60 {
                s.refreshSeconds = v
                s.message = "refresh every \(Format.seconds(v))"
                return [.refreshChanged(v)]
            }
            s.message = "usage: :refresh SECONDS (0.1-60)"
        case "bgsave": return action(&s, "BGSAVE", ["BGSAVE"], snap, rows, node: arg)
        case "bgrewriteaof": return action(&s, "BGREWRITEAOF", ["BGREWRITEAOF"], snap, rows, node: arg)
        case "failover": return failover(&s, snap, rows)
        case "unlock": return forceUnlock(&s, rows)
        case "export":
            guard let path = arg else { s.message = "usage: :export FILE (snapshot history as JSON lines)"; return [] }
            return [.export(path)]
        case "slot":
            switchTo(&s, .slots)
            guard let n = arg.flatMap(Int.init), (0..<16384).contains(n) else { s.message = "usage: :slot 0-16383"; return [] }
            if let t = snap?.topology, let o = Views.slotOwner(t, n) { s.message = "slot \(n) is served by \(o)" }
            else { s.message = "slot \(n): no cluster data (not a cluster, or the slot is uncovered)" }
        case "lock":
            switchTo(&s, .locks)
            s.filter = arg ?? ""
        default: s.message = "unknown command :\(verb) (try ? for help)"
        }
        return []
    }
}
