// The in-memory screen the views draw into: a grid of cells (glyph + style). The terminal layer
// copies it to ncurses; tests compare its text with golden strings. Display widths come from our
// own table, not libc's wcwidth, which answers -1 for '█' or '中' in the C locale tests run in.

public enum Style: String, CaseIterable, Sendable {
    case normal, header, tab, tabActive, title, hint, hintKey, dim, ok, warn, fail, selected, accent, border, input
}

public struct Cell: Equatable, Sendable {
    public var glyph: Character
    public var style: Style
    /// The right half of a wide glyph: the terminal skips it.
    public var continuation: Bool = false
    public init(_ glyph: Character, _ style: Style, continuation: Bool = false) {
        self.glyph = glyph; self.style = style; self.continuation = continuation
    }
}

public struct Grid: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(" ", .normal), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }

    /// Writes `text` at (x, y), clipped at `maxX` (exclusive, default: the right edge).
    /// Returns the column after the last glyph written.
    @discardableResult
    public mutating func put(_ x: Int, _ y: Int, _ text: String, _ style: Style = .normal, maxX: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(maxX ?? width, width)
        var col = x
        for ch in text {
            let w = displayWidth(ch)
            if col + w > limit { break }
            if col >= 0 {
                cells[y * width + col] = Cell(ch, style)
                if w == 2 { cells[y * width + col + 1] = Cell(" ", style, continuation: true) }
            }
            col += w
        }
        return col
    }

    /// Paints a style over a span (selection bars, badges) keeping the glyphs.
    public mutating func paint(_ x: Int, _ y: Int, _ count: Int, _ style: Style) {
        guard y >= 0, y < height else { return }
        let lo = max(0, x), hi = min(width, x + count)
        guard lo < hi else { return }
        for c in lo..<hi { cells[y * width + c].style = style }
    }

    public mutating func fill(_ y: Int, _ style: Style) {
        guard y >= 0, y < height else { return }
        for c in 0..<width { cells[y * width + c] = Cell(" ", style) }
    }

    /// The grid as text, one line per row, trailing blanks trimmed (golden tests, TERM=dumb).
    public var text: String {
        (0..<height).map { y in
            var line = ""
            for x in 0..<width where !self[x, y].continuation { line.append(self[x, y].glyph) }
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}

/// Terminal columns a glyph takes: 2 for East Asian wide and emoji blocks, 0 for combining marks.
public func displayWidth(_ ch: Character) -> Int {
    guard let u = ch.unicodeScalars.first?.value else { return 0 }
    if u < 0x300 { return 1 }
    if (0x300...0x36F).contains(u) { return 0 }
    let wide: [ClosedRange<UInt32>] = [0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
                                        0x4E00...0x9FFF, 0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
                                        0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
                                        0x1F900...0x1F9FF, 0x20000...0x3FFFD]
    return wide.contains { $0.contains(u) } ? 2 : 1
}

public func displayWidth(_ s: String) -> Int { s.reduce(0) { $0 + displayWidth($1) } }

/// `s` cut or padded to exactly `w` columns (cut text ends with "~" so truncation shows).
public func fit(_ s: String, _ w: Int, right: Bool = false) -> String {
    guard w > 0 else { return "" }
    var out = ""
    var used = 0
    let total = displayWidth(s)
    for ch in s {
        let cw = displayWidth(ch)
        if total > w && used + cw > w - 1 { out += "~"; used += 1; break }
        if used + cw > w { break }
        out.append(ch)
        used += cw
    }
    let pad = String(repeating: " ", count: max(0, w - used))
    return right ? pad + out : out + pad
}
