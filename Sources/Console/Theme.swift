// Themes are data (Themes/*.theme): one `style = attributes` line per Style, e.g.
//   header = fg:white bg:blue bold
// Colours are names (black red green yellow blue magenta cyan white, bright-*) or 0-255.
// `adapted(colors:)` degrades a theme for what the terminal can show: 256 → 8 colours → none
// (attributes only), so a 256-colour theme still reads on a vt100.

public enum ThemeColor: Equatable, Sendable {
    case terminalDefault
    case index(Int)
}

public struct StyleSpec: Equatable, Sendable {
    public var fg: ThemeColor = .terminalDefault
    public var bg: ThemeColor = .terminalDefault
    public var bold = false
    public var underline = false
    public var reverse = false
    public var dim = false
    public init() {}
}

public struct Theme: Equatable, Sendable {
    public var name: String
    public var specs: [Style: StyleSpec]

    public func spec(_ s: Style) -> StyleSpec { specs[s] ?? specs[.normal] ?? StyleSpec() }

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    public enum ParseError: Error, Equatable { case badLine(Int, String) }

    /// Parses a theme file; unknown style names are errors so typos don't pass silently.
    public init(name: String, parsing text: String) throws {
        self.name = name
        specs = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.allSatisfy({ $0 == " " || $0 == "\t" }) else { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { trim($0) }
            guard parts.count == 2 else { throw ParseError.badLine(n + 1, line) }
            if parts[0] == "name" { self.name = parts[1]; continue }
            guard let style = Style(rawValue: parts[0]) else { throw ParseError.badLine(n + 1, line) }
            var s = StyleSpec()
            for word in parts[1].split(separator: " ") {
                switch word {
                case "bold": s.bold = true
                case "underline": s.underline = true
                case "reverse": s.reverse = true
                case "dim": s.dim = true
                default:
                    guard word.hasPrefix("fg:") || word.hasPrefix("bg:"),
                          let c = Theme.color(String(word.dropFirst(3))) else { throw ParseError.badLine(n + 1, line) }
                    if word.hasPrefix("fg:") { s.fg = c } else { s.bg = c }
                }
            }
            specs[style] = s
        }
    }

    public init(name: String, specs: [Style: StyleSpec]) { self.name = name; self.specs = specs }

    static func color(_ w: String) -> ThemeColor? {
        if w == "default" { return .terminalDefault }
        if let n = Int(w), (0...255).contains(n) { return .index(n) }
        if let i = names.firstIndex(of: w) { return .index(i) }
        if w.hasPrefix("bright-"), let i = names.firstIndex(of: String(w.dropFirst(7))) { return .index(i + 8) }
        return nil
    }

    /// The theme as a terminal with `colors` colours can show it (0 = no colour).
    public func adapted(colors: Int) -> Theme {
        guard colors < 256 else { return self }
        var out = self
        for (k, var s) in specs {
            if colors == 0 {
                // Without colour, whatever stood out by colour stands out by attribute.
                let coloured = s.bg != .terminalDefault
                s.fg = .terminalDefault; s.bg = .terminalDefault
                if coloured { s.reverse = true }
                if k == .fail || k == .warn || k == .title || k == .hintKey { s.bold = true }
            } else {
                s.fg = Theme.to8(s.fg, colors: colors, bold: &s.bold)
                var ignored = false
                s.bg = Theme.to8(s.bg, colors: colors, bold: &ignored)
            }
            out.specs[k] = s
        }
        out.name = name + (colors == 0 ? " (no colour)" : " (\(colors) colours)")
        return out
    }

    /// 256 → 8: bright colours become bold normal ones; greys black or white.
    static func to8(_ c: ThemeColor, colors: Int, bold: inout Bool) -> ThemeColor {
        guard case .index(let n) = c else { return c }
        if n < 8 { return c }
        if n < 16 {
            if colors >= 16 { return c }
            bold = true
            return .index(n - 8)
        }
        if n >= 232 { return .index(n >= 244 ? 7 : 0) }
        // Cube colours keep their dominant channels (those above half the strongest one).
        let v = n - 16, r = v / 36, g = (v / 6) % 6, b = v % 6, top = max(r, g, b)
        if top <= 1 { return .index(0) }
        return .index((r * 2 > top ? 1 : 0) | (g * 2 > top ? 2 : 0) | (b * 2 > top ? 4 : 0))
    }

    /// Used when no Themes/ folder is found (and as the golden tests' theme).
    public static let builtIn = try! Theme(name: "default", parsing: """
        normal = fg:default
        header = fg:white bg:blue bold
        tab = fg:default
        tabActive = fg:black bg:cyan bold
        title = fg:cyan bold
        hint = fg:default bg:black
        hintKey = fg:yellow bg:black bold
        dim = fg:8
        ok = fg:green
        warn = fg:yellow bold
        fail = fg:red bold
        selected = reverse
        accent = fg:magenta
        border = fg:cyan
        input = fg:yellow
        """)
}

func trim<S: StringProtocol>(_ s: S) -> String {
    var sub = Substring(s)
    while let f = sub.first, f == " " || f == "\t" { sub = sub.dropFirst() }
    while let l = sub.last, l == " " || l == "\t" { sub = sub.dropLast() }
    return String(sub)
}
