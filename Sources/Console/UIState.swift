// Everything the console shows besides the data: which view, selection, filter, sort, overlays,
// pause and refresh rate, the command line and a pending confirmation. Changed only by the
// reducer (Reducer.swift), so key handling is tested without a terminal.

public enum ViewID: Int, CaseIterable, Sendable {
    case overview = 1, replication, sentinel, locks, events, slots, node

    public var title: String {
        switch self {
        case .overview: return "Overview"
        case .replication: return "Replication"
        case .sentinel: return "Sentinel"
        case .locks: return "Locks"
        case .events: return "Events"
        case .slots: return "Slots"
        case .node: return "Node"
        }
    }

    /// Views reachable by number keys and Tab (Node detail is entered with Enter).
    public static let tabs: [ViewID] = [.overview, .replication, .sentinel, .locks, .events, .slots]
}

public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, resize, interrupt
}

/// An admin command waiting for `y`.
public struct PendingAction: Equatable, Sendable {
    public var label: String
    public var node: String
    public var args: [String]
}

/// What the reducer asks the program to do.
public enum Effect: Equatable, Sendable {
    case quit
    /// `label` names the action for the result line (a force-unlock's args are a whole script).
    case run(node: String, args: [String], label: String? = nil)
    case refreshChanged(Double)
    /// Write the snapshot history (JSON lines) to this file.
    case export(String)
}

public struct UIState: Equatable, Sendable {
    public var view: ViewID = .overview
    /// The view to return to from Node detail (breadcrumb).
    public var previousView: ViewID = .overview
    public var selection = 0
    public var scroll = 0
    public var filter = ""
    public var editingFilter = false
    /// Column index to sort by (nil = natural order: topology tree, time).
    public var sortColumn: Int?
    public var sortDescending = false
    public var showHelp = false
    public var paused = false
    public var refreshSeconds: Double
    /// Text after ':' while the command line is open.
    public var commandLine: String?
    public var confirm: PendingAction?
    public var readOnly: Bool
    /// One-line feedback (action results, refusals, errors).
    public var message = ""
    /// Address shown by Node detail.
    public var nodeAddress: String?
    /// Rows visible in the body at the last render (PgUp/PgDn step).
    public var pageRows = 10
    /// Time travel: snapshots kept by the program, and how far back the paused display is.
    public var historyCount = 0
    public var historyBack = 0

    public init(refreshSeconds: Double = 1, readOnly: Bool = false) {
        self.refreshSeconds = refreshSeconds
        self.readOnly = readOnly
    }

    public static let refreshSteps: [Double] = [0.25, 0.5, 1, 2, 5, 10, 30]
}
