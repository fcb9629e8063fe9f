// Line-drawing, bars and badges in Unicode, with an ASCII set for terminals or locales that
// can't show them (`--ascii`, non-UTF-8 locale): ncurses would otherwise print `lqqk`.

public struct Glyphs: Sendable {
    public var branch: String, lastBranch: String, pipe: String
    public var barFull: Character, barEmpty: Character
    public var ok: String, warn: String, fail: String
    public var separator: String, arrow: String
    public var boxH: Character, boxV: Character, boxCorners: (Character, Character, Character, Character)
    /// Lag growing / shrinking since the previous poll.
    public var grow: String = "+", shrink: String = "-"

    public static let unicode = Glyphs(branch: "├─ ", lastBranch: "└─ ", pipe: "│  ", barFull: "█", barEmpty: "░",
                                       ok: "●", warn: "▲", fail: "✖", separator: "│", arrow: "▸",
                                       boxH: "─", boxV: "│", boxCorners: ("┌", "┐", "└", "┘"), grow: "↑", shrink: "↓")
    public static let ascii = Glyphs(branch: "|- ", lastBranch: "`- ", pipe: "|  ", barFull: "#", barEmpty: ".",
                                     ok: "*", warn: "!", fail: "X", separator: "|", arrow: ">",
                                     boxH: "-", boxV: "|", boxCorners: ("+", "+", "+", "+"))

    public func bar(_ fraction: Double, width: Int) -> String {
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let n = Int((f * Double(width)).rounded())
        return String(repeating: barFull, count: n) + String(repeating: barEmpty, count: max(0, width - n))
    }
}
