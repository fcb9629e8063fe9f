// `keyward` (console): the UI loop on the main thread. It never touches the network: it takes
// the poller's latest snapshot, handles keys (100 ms tick), draws only when something changed,
// and restores the terminal on quit, Ctrl-C and SIGTERM/SIGHUP.

import Admin
import Console
import Foundation
import Terminal

enum ConsoleCommand {
    static func run(_ args: Arguments) -> Int32 {
        let seed = args.flags["--seed"] ?? LocalTopology.defaultSeed()
        let refresh: Double
        do { refresh = try args.double("--refresh", 1) } catch {
            FileHandle.standardError.write(Data("keyward: \(error)\n".utf8))
            return 64
        }
        let theme = loadTheme(args.flags["--theme"] ?? "default")
        let screen: TerminalScreen
        do {
            screen = try TerminalScreen(theme: theme, forceASCII: args.switches.contains("--ascii"),
                                        colorLimit: args.switches.contains("--no-color") ? 0 : nil)
        } catch TerminalScreen.OpenError.noCursorAddressing {
            // TERM=dumb and the like: the same screen once, as text.
            let t = discover(seed: seed, options: PollOptions(password: args.flags["--password"], timeout: 1.5))
            let grid = Screen.render(ConsoleSnapshot(topology: t), UIState(refreshSeconds: refresh), width: 80, height: 24,
                                     glyphs: .ascii)
            say(grid.text)
            return t.exitCode
        } catch {
            FileHandle.standardError.write(Data("keyward: \(error)\n".utf8))
            return 2
        }
        let poller = TopologyPoller(seed: seed, options: PollOptions(password: args.flags["--password"], timeout: 1.5),
                                    interval: refresh)
        poller.start()
        defer { poller.stop(); screen.end() }
        let glyphs: Glyphs = screen.unicode ? .unicode : .ascii
        var state = UIState(refreshSeconds: refresh, readOnly: args.switches.contains("--read-only"))
        var shown: ConsoleSnapshot?
        var shownGeneration = -1
        var dirty = true
        // Time travel: the newest snapshots, one per refresh; while paused the display walks them.
        var history: [ConsoleSnapshot] = []
        var lastKept = Date.distantPast
        var lastDraw = Date.distantPast
        while terminationSignal.load(ordering: .relaxed) == 0 {
            for m in poller.takeMessages() { state.message = m; dirty = true }
            let (snap, gen) = poller.snapshot()
            if let snap, gen != shownGeneration, Date().timeIntervalSince(lastKept) >= state.refreshSeconds * 0.9 {
                history.append(snap)
                if history.count > historyLimit { history.removeFirst() }
                lastKept = Date()
            }
            state.historyCount = history.count
            if state.paused {
                let pick = history.isEmpty ? nil : history[history.count - 1 - min(state.historyBack, history.count - 1)]
                if pick != shown { shown = pick; dirty = true }
            } else if gen != shownGeneration {
                shown = snap
                shownGeneration = gen
                dirty = true
            }
            // The lease bars count down between polls: redraw the Locks view a few times a second.
            if state.view == .locks && !state.paused && Date().timeIntervalSince(lastDraw) >= 0.25 { dirty = true }
            if dirty {
                let (w, h) = screen.size
                state.pageRows = max(1, h - 7)
                let now = state.paused ? nil : Int64(Date().timeIntervalSince1970 * 1000)
                screen.draw(Screen.render(shown, state, width: w, height: h, glyphs: glyphs, now: now))
                dirty = false
                lastDraw = Date()
            }
            guard let key = screen.readKey(timeoutMs: 100) else { continue }
            dirty = true
            for effect in Reducer.reduce(&state, key, shown, glyphs: glyphs) {
                switch effect {
                case .quit: return 0
                case .refreshChanged(let s): poller.setInterval(s)
                case .run(let node, let cmd, let label): poller.run(node: node, args: cmd, label: label)
                case .export(let path): state.message = export(history, to: path)
                }
            }
        }
        return 0
    }

    static let historyLimit = 300

    /// The history as JSON lines (one TopologyStatus per line), for a post-mortem.
    static func export(_ history: [ConsoleSnapshot], to path: String) -> String {
        do {
            let text = try history.map { try AdminJSON.encode($0.topology) }.joined(separator: "\n") + "\n"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return "exported \(history.count) snapshot(s) to \(path)"
        } catch {
            return "export failed: \(error)"
        }
    }

    /// Themes/NAME.theme from $KEYWARD_THEMES, the source tree next to the binary, the working
    /// directory or /usr/share/keyward; the built-in default otherwise.
    static func loadTheme(_ name: String) -> Theme {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dirs = [ProcessInfo.processInfo.environment["KEYWARD_THEMES"]].compactMap { $0 }
        var d = (exe as NSString).deletingLastPathComponent
        for _ in 0..<4 { dirs.append(d + "/Themes"); d = (d as NSString).deletingLastPathComponent }
        dirs += [FileManager.default.currentDirectoryPath + "/Themes", "/usr/share/keyward/Themes"]
        for dir in dirs {
            if let text = try? String(contentsOfFile: "\(dir)/\(name).theme", encoding: .utf8),
               let t = try? Theme(name: name, parsing: text) { return t }
        }
        return Theme.builtIn
    }
}
