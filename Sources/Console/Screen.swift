// The whole screen from a snapshot and the UI state: header, tabs, the view, the message or
// input line and the key-hint bar, plus the help overlay. Pure: the terminal only copies cells.

import Admin

public enum Screen {
    public static func render(_ snap: ConsoleSnapshot?, _ s: UIState, width: Int, height: Int, glyphs g: Glyphs,
                              now: Int64? = nil) -> Grid {
        var grid = Grid(width: width, height: height)
        guard width >= 20, height >= 6 else {
            grid.put(0, 0, "keyward: terminal too small")
            return grid
        }
        header(&grid, snap, s, g)
        tabs(&grid, s)
        let content = Views.content(s.view, snap, s, g, width: width, rows: height - 5, now: now)
        switch content {
        case .rich(let lines):
            for (i, spans) in lines.dropFirst(s.scroll).prefix(height - 5).enumerated() {
                var x = 1
                for (text, style) in spans { x = grid.put(x, 3 + i, text, style, maxX: width - 1) }
            }
        case .table(let t): _ = grid.drawTable(t, s, g, y0: 3, y1: height - 2)
        case .text(let lines):
            for (i, (text, style)) in lines.dropFirst(s.scroll).prefix(height - 5).enumerated() {
                grid.put(1, 3 + i, text, style, maxX: width - 1)
            }
        }
        footer(&grid, snap, s)
        hints(&grid, s)
        if s.showHelp { help(&grid, s, g) }
        return grid
    }

    static func header(_ grid: inout Grid, _ snap: ConsoleSnapshot?, _ s: UIState, _ g: Glyphs) {
        grid.fill(0, .header)
        var crumb = "keyward \(g.arrow) \(s.view == .node ? "\(s.previousView.title) \(g.arrow) \(s.nodeAddress ?? "")" : s.view.title)"
        if s.readOnly { crumb += " [read-only]" }
        var x = grid.put(1, 0, crumb, .header)
        guard let t = snap?.topology else { return }
        let health: Style = t.health == "healthy" ? .ok : (t.health == "degraded" ? .warn : .fail)
        let mark = t.health == "healthy" ? g.ok : (t.health == "degraded" ? g.warn : g.fail)
        let badge = " \(mark) \(t.health.uppercased()) "
        // Drop the least useful parts first when the line is narrow; the clock and rate stay.
        let pause = s.paused ? (s.historyBack > 0 ? " PAUSED -\(s.historyBack)" : " PAUSED") : ""
        let candidates = [
            ("seed \(t.seed)", "\(pause) \(t.nodes.count + t.sentinels.count) nodes  refresh \(Format.seconds(s.refreshSeconds))  \(Format.clock(t.generatedAt)) "),
            ("seed \(t.seed)", "\(pause) \(Format.seconds(s.refreshSeconds)) \(Format.clock(t.generatedAt)) "),
            ("", "\(pause) \(Format.seconds(s.refreshSeconds)) \(Format.clock(t.generatedAt)) "),
        ]
        let (seed, right) = candidates.first { x + 2 + displayWidth($0.0) + 1 + displayWidth(badge) + displayWidth($0.1) <= grid.width }
            ?? candidates[2]
        x = grid.put(x + 2, 0, seed, .header)
        let rx = max(x + 1, grid.width - displayWidth(right) - displayWidth(badge))
        grid.put(rx, 0, badge, health)
        grid.paint(rx, 0, displayWidth(badge), health)
        grid.put(rx + displayWidth(badge), 0, right, .header)
        if s.paused { grid.paint(rx + displayWidth(badge), 0, displayWidth(pause), .warn) }
    }

    static func tabs(_ grid: inout Grid, _ s: UIState) {
        var x = 1
        for v in ViewID.tabs {
            let active = v == s.view || (s.view == .node && v == s.previousView)
            x = grid.put(x, 1, " \(v.rawValue) \(v.title) ", active ? .tabActive : .tab) + 1
        }
    }

    static func footer(_ grid: inout Grid, _ snap: ConsoleSnapshot?, _ s: UIState) {
        let y = grid.height - 2
        if let c = s.confirm {
            grid.put(1, y, "\(c.label) on \(c.node)? [y/N]", .warn)
        } else if let cmd = s.commandLine {
            grid.put(1, y, ":" + cmd + "_", .input)
        } else if s.editingFilter {
            grid.put(1, y, "/" + s.filter + "_", .input)
        } else if !s.message.isEmpty {
            grid.put(1, y, s.message, .accent, maxX: grid.width - 1)
        } else if !s.filter.isEmpty {
            grid.put(1, y, "filter /\(s.filter)  (Esc clears)", .dim)
        } else if let p = snap?.topology.problems.first {
            let more = (snap?.topology.problems.count ?? 1) > 1 ? " (+\(snap!.topology.problems.count - 1) more)" : ""
            grid.put(1, y, p + more, .warn, maxX: grid.width - 1)
        }
    }

    static func keys(_ s: UIState) -> [(String, String)] {
        if s.confirm != nil { return [("y", "Confirm"), ("any", "Cancel")] }
        if s.commandLine != nil { return [("Enter", "Run"), ("Esc", "Cancel"), (":node", "h:p"), (":view", "name"), (":refresh", "s"), (":q", "Quit")] }
        if s.editingFilter { return [("Enter", "Keep"), ("Esc", "Clear")] }
        var k: [(String, String)] = [("?", "Help"), ("1-6", "Views"), ("jk", "Move"), ("/", "Filter"), ("s", "Sort"),
                                     ("p", s.paused ? "Resume" : "Pause"), ("+-", "Rate"), (":", "Cmd")]
        if s.view == .node { k.insert(("Esc", "Back"), at: 1) } else { k.insert(("Enter", "Detail"), at: 3) }
        if s.view == .overview || s.view == .replication || s.view == .node { k.append(("b", "BGSAVE")) }
        if s.view == .locks { k.append(("u", "Unlock")) }
        k.append(("q", "Quit"))
        return k
    }

    static func hints(_ grid: inout Grid, _ s: UIState) {
        let y = grid.height - 1
        grid.fill(y, .hint)
        var x = 0
        for (key, label) in keys(s) {
            guard x + displayWidth(key) + displayWidth(label) + 2 <= grid.width else { break }
            x = grid.put(x + 1, y, key, .hintKey)
            x = grid.put(x, y, label, .hint)
        }
    }

    public static func helpLines(_ s: UIState) -> [String] {
        var l = [
            "1-6 / Tab / h l   switch view",
            "j k / arrows      move    PgUp PgDn g G  page, top, end",
            "Enter / Esc       node detail / back",
            "/                 filter rows (Enter keeps, Esc clears)",
            "s / S             sort by next column / reverse",
            "p                 pause or resume the display",
            "left / right      while paused: older / newer snapshot",
            "+ / -             refresh faster / slower",
            ":                 command: node H:P, view NAME, refresh S,",
            "                  bgsave, bgrewriteaof, failover, slot N, lock NAME,",
            "                  unlock (the selected lock),",
            "                  export FILE (history as JSON lines), q",
        ]
        switch s.view {
        case .overview, .replication, .node:
            l += ["b / w / F         BGSAVE / BGREWRITEAOF / FAILOVER on the", "                  selected node (asks to confirm)"]
        case .locks: l += ["u                 force-unlock the selected lock (asks to", "                  confirm; waiters wake)"]
        case .events: l += ["                  newest events first"]
        default: break
        }
        if s.readOnly { l += ["(read-only: admin actions are refused)"] }
        l += ["q / Ctrl-C        quit", "", "Press any key to close"]
        return l
    }

    static func help(_ grid: inout Grid, _ s: UIState, _ g: Glyphs) {
        let lines = ["Keys: \(s.view.title)"] + helpLines(s)
        let w = min(grid.width - 2, (lines.map(displayWidth).max() ?? 10) + 4)
        let h = min(grid.height - 2, lines.count + 2)
        let x0 = max(0, (grid.width - w) / 2), y0 = max(0, (grid.height - h) / 2)
        let (tl, tr, bl, br) = g.boxCorners
        grid.put(x0, y0, String(tl) + String(repeating: g.boxH, count: w - 2) + String(tr), .border)
        for i in 1..<(h - 1) {
            grid.put(x0, y0 + i, String(g.boxV) + String(repeating: " ", count: w - 2) + String(g.boxV), .border)
            if i - 1 < lines.count { grid.put(x0 + 2, y0 + i, lines[i - 1], i == 1 ? .title : .normal, maxX: x0 + w - 1) }
        }
        grid.put(x0, y0 + h - 1, String(bl) + String(repeating: g.boxH, count: w - 2) + String(br), .border)
    }
}
