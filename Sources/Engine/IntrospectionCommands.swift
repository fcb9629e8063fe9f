// Placeholder: this family's commands arrive with their own change.
enum IntrospectionCommands {
    static func specs() -> [CommandSpec] { [] }
}
