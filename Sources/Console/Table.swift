// What a view shows: a sortable, filterable table of rows, or plain text lines. The reducer uses
// the same content to move the selection and to know which node a row stands for.

public struct TableCell: Equatable, Sendable {
    public var text: String
    public var style: Style
    /// Sort by this when set (numbers sort numerically), else by text.
    public var number: Double?
    public init(_ text: String, _ style: Style = .normal, number: Double? = nil) {
        self.text = text; self.style = style; self.number = number
    }
}

public struct Column: Equatable, Sendable {
    public var title: String
    public var width: Int
    public var right: Bool
    public init(_ title: String, _ width: Int, right: Bool = false) { self.title = title; self.width = width; self.right = right }
}

public struct Row: Equatable, Sendable {
    public var cells: [TableCell]
    /// The node address (or lock name ...) Enter drills into.
    public var key: String?
    public init(_ cells: [TableCell], key: String? = nil) { self.cells = cells; self.key = key }
}

public struct Table: Equatable, Sendable {
    public var columns: [Column]
    public var rows: [Row]
    /// A line above the header (totals, context).
    public var caption: String?
    /// The column that takes the width left over.
    public var flex: Int
    /// Lines under the caption that must be seen (lock failure alerts); not rows, not sorted.
    public var alerts: [TableCell] = []
    /// Lines under the rows (the sentinel failover timeline); they get the room the rows leave,
    /// at least half the body, and are cut at the bottom.
    public var notes: [TableCell] = []
    public init(columns: [Column], rows: [Row], caption: String? = nil, flex: Int = 0,
                alerts: [TableCell] = [], notes: [TableCell] = []) {
        self.columns = columns; self.rows = rows; self.caption = caption; self.flex = flex
        self.alerts = alerts; self.notes = notes
    }

    /// Rows matching the filter (case-insensitive substring of any cell), sorted as asked.
    public func visibleRows(filter: String, sortColumn: Int?, descending: Bool) -> [Row] {
        let f = filter.lowercased()
        var out = f.isEmpty ? rows : rows.filter { r in r.cells.contains { $0.text.lowercased().contains(f) } }
        if let c = sortColumn, c < columns.count {
            // A stable sort keeps the natural order (topology tree) among equal keys.
            out = out.enumerated().sorted { a, b in
                let x = a.element.cells[c], y = b.element.cells[c]
                let less: Bool, equal: Bool
                if let nx = x.number, let ny = y.number { less = nx < ny; equal = nx == ny }
                else { less = x.text < y.text; equal = x.text == y.text }
                if equal { return a.offset < b.offset }
                return descending ? !less : less
            }.map(\.element)
        }
        return out
    }
}

public enum ViewContent: Equatable, Sendable {
    case table(Table)
    case text([(String, Style)])
    /// Lines of differently styled spans (the slot map).
    case rich([[(String, Style)]])

    public static func == (a: ViewContent, b: ViewContent) -> Bool {
        switch (a, b) {
        case let (.table(x), .table(y)): return x == y
        case let (.text(x), .text(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.rich(x), .rich(y)):
            return x.count == y.count && zip(x, y).allSatisfy { l, r in
                l.count == r.count && zip(l, r).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            }
        default: return false
        }
    }

    public func rows(_ s: UIState) -> [Row] {
        if case .table(let t) = self { return t.visibleRows(filter: s.filter, sortColumn: s.sortColumn, descending: s.sortDescending) }
        return []
    }

    public var columnCount: Int { if case .table(let t) = self { return t.columns.count }; return 0 }

    public var lineCount: Int {
        switch self {
        case .text(let l): return l.count
        case .rich(let l): return l.count
        case .table: return 0
        }
    }
}

extension Grid {
    /// Draws a table in rows y0..<y1 with the selection highlighted and kept in view.
    mutating func drawTable(_ t: Table, _ s: UIState, _ glyphs: Glyphs, y0: Int, y1: Int) -> Int {
        var y = y0
        if let c = t.caption { put(1, y, c, .dim); y += 1 }
        for a in t.alerts.prefix(max(0, (y1 - y) / 2)) { put(1, y, a.text, a.style, maxX: width - 1); y += 1 }
        // Columns keep their widths; the flex one takes what is left of the line.
        var widths = t.columns.map(\.width)
        if t.flex < widths.count {
            let fixed = widths.enumerated().reduce(0) { $0 + ($1.offset == t.flex ? 0 : $1.element + 1) }
            widths[t.flex] = max(widths[t.flex], width - 2 - fixed)
        }
        var x = 1
        for (i, c) in t.columns.enumerated() {
            var title = c.title
            if s.sortColumn == i { title += s.sortDescending ? "v" : "^" }
            put(x, y, fit(title, widths[i], right: c.right), .title)
            x += widths[i] + 1
        }
        y += 1
        let rows = t.rows.isEmpty ? [] : t.visibleRows(filter: s.filter, sortColumn: s.sortColumn, descending: s.sortDescending)
        let room = y1 - y
        // The notes and the blank line before them.
        let noteRows = t.notes.isEmpty ? 0 : min(t.notes.count + 1, max(0, room - max(1, min(rows.count, room / 2))))
        if rows.isEmpty {
            put(1, y, t.rows.isEmpty ? "(nothing to show)" : "(no row matches /\(s.filter))", .dim)
            drawNotes(t.notes, from: y + 2, to: y1)
            return y1 - y
        }
        let visible = max(1, room - noteRows)
        let sel = min(max(0, s.selection), rows.count - 1)
        let top = min(max(0, sel - visible + 1, min(s.scroll, sel)), max(0, rows.count - visible))
        for (n, r) in rows.dropFirst(top).prefix(visible).enumerated() {
            var x = 1
            for (i, c) in t.columns.enumerated() where i < r.cells.count {
                put(x, y, fit(r.cells[i].text, widths[i], right: c.right), r.cells[i].style)
                x += widths[i] + 1
            }
            if top + n == sel { paint(0, y, width, .selected) }
            y += 1
        }
        if rows.count > visible { put(width - 12, y0, fit("\(top + 1)-\(min(rows.count, top + visible))/\(rows.count)", 11, right: true), .dim) }
        if noteRows > 1 { drawNotes(t.notes, from: y + 1, to: min(y1, y + noteRows)) }
        return visible
    }

    private mutating func drawNotes(_ notes: [TableCell], from: Int, to: Int) {
        for (i, n) in notes.prefix(max(0, to - from)).enumerated() { put(1, from + i, n.text, n.style, maxX: width - 1) }
    }
}
