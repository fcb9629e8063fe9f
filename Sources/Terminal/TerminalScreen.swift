// The only ncurses code: opens the terminal, copies a Console Grid to it cell by cell with the
// theme's colours, and turns keystrokes into Console keys. One thread only (the UI loop).

import CNcursesw
import Console
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Set by SIGTERM/SIGHUP/SIGINT so the loop restores the terminal itself (ncurses' own handler
/// would `_exit` without running our cleanup).
public let terminationSignal = Atomic<Int32>(0)

public final class TerminalScreen {
    public let colors: Int
    public let unicode: Bool
    private let screen: OpaquePointer
    private let win: UnsafeMutablePointer<WINDOW>
    private var theme: Theme
    private var attrs: [Style: (attr_t, Int32)] = [:]
    private var ended = false

    public enum OpenError: Error, CustomStringConvertible {
        case notATerminal, noCursorAddressing(String), newtermFailed(String)
        public var description: String {
            switch self {
            case .notATerminal: return "stdin/stdout is not a terminal; use `keyward status --json` in scripts"
            case .noCursorAddressing(let t): return "terminal '\(t)' cannot address the cursor; use `keyward status`"
            case .newtermFailed(let t): return "cannot open terminal '\(t)'"
            }
        }
    }

    /// `forceASCII`: `--ascii`; `colorLimit`: `--no-color` passes 0.
    public init(theme: Theme, forceASCII: Bool, colorLimit: Int?) throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw OpenError.notATerminal }
        for s in [SIGTERM, SIGHUP, SIGINT] {
            signal(s) { n in terminationSignal.store(n, ordering: .relaxed) }
        }
        // The user's locale first; a UTF-8 locale that isn't installed falls back to C.UTF-8.
        let env = LocaleEnv.values
        if setlocale(LC_ALL, "") == nil || (!TerminalScreen.isUTF8 && env.contains { $0.uppercased().contains("UTF-8") || $0.uppercased().contains("UTF8") }) {
            setlocale(LC_ALL, "C.UTF-8")
        }
        unicode = !forceASCII && TerminalScreen.isUTF8
        let term = getenv("TERM").map { String(cString: $0) } ?? "dumb"
        guard let s = newterm(nil, fdopen(1, "w"), fdopen(0, "r")) else { throw OpenError.newtermFailed(term) }
        screen = s
        win = kw_stdscr()!
        // newterm("dumb") succeeds: without cursor addressing a full-screen UI is impossible.
        let cup = tigetstr("cup")
        if cup == nil || Int(bitPattern: cup) == -1 {
            endwin()
            delscreen(s)
            throw OpenError.noCursorAddressing(term)
        }
        var n = 0
        if has_colors() && (colorLimit ?? 1) > 0 {
            start_color()
            use_default_colors()
            n = Int(kw_colors())
            if let l = colorLimit { n = min(n, l) }
        }
        colors = n >= 256 ? 256 : (n >= 16 ? 16 : (n >= 8 ? 8 : 0))
        self.theme = theme
        raw()          // Ctrl-C arrives as a key: the loop quits and restores the terminal
        noecho()
        nonl()
        keypad(win, true)
        set_escdelay(25)
        curs_set(0)
        setTheme(theme)
    }

    public func setTheme(_ t: Theme) {
        theme = t.adapted(colors: colors)
        attrs = [:]
        for (i, style) in Style.allCases.enumerated() {
            let spec = theme.spec(style)
            var a = kw_a_normal()
            if spec.bold { a |= kw_a_bold() }
            if spec.underline { a |= kw_a_underline() }
            if spec.reverse { a |= kw_a_reverse() }
            if spec.dim { a |= kw_a_dim() }
            var pair: Int32 = 0
            if colors > 0, spec.fg != .terminalDefault || spec.bg != .terminalDefault {
                pair = Int32(i + 1)
                // init_extended_pair: COLOR_PAIR() keeps 8 bits, extended pairs don't.
                init_extended_pair(pair, TerminalScreen.index(spec.fg), TerminalScreen.index(spec.bg))
            }
            attrs[style] = (a, pair)
        }
    }

    static func index(_ c: ThemeColor) -> Int32 {
        if case .index(let n) = c { return Int32(n) }
        return -1
    }

    static var isUTF8: Bool {
        let cs = String(cString: kw_codeset()).uppercased()
        return cs == "UTF-8" || cs == "UTF8"
    }

    public var size: (width: Int, height: Int) { (Int(kw_maxx(win)), Int(kw_maxy(win))) }

    /// werase → cells → wnoutrefresh → doupdate (ncurses sends only what changed).
    public func draw(_ grid: Grid) {
        werase(win)
        var cc = cchar_t()
        var chars: [wchar_t] = [0, 0]
        for y in 0..<grid.height {
            for x in 0..<grid.width {
                let cell = grid[x, y]
                if cell.continuation { continue }
                chars[0] = wchar_t(bitPattern: cell.glyph.unicodeScalars.first?.value ?? 32)
                var (a, pair) = attrs[cell.style] ?? (kw_a_normal(), 0)
                setcchar(&cc, chars, a, 0, &pair)
                mvwadd_wch(win, Int32(y), Int32(x), &cc)
            }
        }
        wnoutrefresh(win)
        doupdate()
    }

    /// Waits up to `ms` for a key; nil on timeout.
    public func readKey(timeoutMs ms: Int32) -> Key? {
        wtimeout(win, ms)
        var ch: wint_t = 0
        let rc = wget_wch(win, &ch)
        if rc == ERR { return nil }
        let v = Int32(bitPattern: ch)
        if rc == KEY_CODE_YES {
            switch v {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_NPAGE: return .pageDown
            case KEY_PPAGE: return .pageUp
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_BTAB: return .backTab
            case KEY_BACKSPACE: return .backspace
            case KEY_ENTER: return .enter
            case KEY_RESIZE: return .resize
            default: return nil
            }
        }
        switch v {
        case 3: return .interrupt
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard v >= 32, let u = Unicode.Scalar(UInt32(v)) else { return nil }
            return .char(Character(u))
        }
    }

    /// Restores the terminal (idempotent; also called from the signal path).
    public func end() {
        guard !ended else { return }
        ended = true
        endwin()
        delscreen(screen)
    }

    deinit { end() }
}

enum LocaleEnv {
    /// LANG / LC_ALL / LC_CTYPE values (without Foundation).
    static var values: [String] {
        [getenv("LC_ALL"), getenv("LC_CTYPE"), getenv("LANG")].compactMap { $0.map { String(cString: $0) } }
    }
}
