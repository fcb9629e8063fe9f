// Placeholder: this family's commands arrive with their own change.
enum ExpireCommands {
    static func specs() -> [CommandSpec] { [] }
}
