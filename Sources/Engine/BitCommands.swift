// Placeholder: this family's commands arrive with their own change.
enum BitCommands {
    static func specs() -> [CommandSpec] { [] }
}
