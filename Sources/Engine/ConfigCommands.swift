// Placeholder: this family's commands arrive with their own change.
enum ConfigCommands {
    static func specs() -> [CommandSpec] { [] }
}
