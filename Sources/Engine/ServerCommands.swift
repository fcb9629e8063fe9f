// Placeholder: this family's commands arrive with their own change.
enum ServerCommands {
    static func specs() -> [CommandSpec] { [] }
}
