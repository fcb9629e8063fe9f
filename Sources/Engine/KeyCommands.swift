// Placeholder: this family's commands arrive with their own change.
enum KeyCommands {
    static func specs() -> [CommandSpec] { [] }
}
