// ADMIN HELLO / STATUS / EVENTS: one node's status document for the console (the console issue).

extension AdminCommands {
    static func statusSpecs() -> [CommandSpec] { [] }
    static let statusHelp: [String] = []
}
