// ADMIN LOCKS: the index of Redisson-layout lock keys (the locks issue).

extension AdminCommands {
    static func lockSpecs() -> [CommandSpec] { [] }
    static let lockHelp: [String] = []
}
