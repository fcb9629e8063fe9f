// Placeholder until the console lands: the terminal UI is wired in ConsoleCommand.run.

enum ConsoleCommand {
    static func run(_ args: Arguments) -> Int32 {
        print("console not built yet; use `keyward status`")
        return 2
    }
}
