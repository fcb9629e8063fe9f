// Placeholder: this family's commands arrive with their own change.
enum ClientCommands {
    static func specs() -> [CommandSpec] { [] }
}
