// redis.call/pcall: the checks script.c's scriptCall makes before running a command for a
// script (unknown command, arity, noscript, writes from read-only scripts), then the command
// itself on the Lua client through Engine.execute; redisCall pushes its reply to Lua straight
// from the client's output bytes (LuaBridge+Reply.swift).

extension Scripting {
    enum CallResult {
        /// Refused before running; Redis's text without the code ("ERR" is added).
        case rejected(String)
        /// Ran: the reply is in the Lua client's output buffer.
        case ran
    }

    /// The command (or subcommand) `args` names, as Redis's lookupCommand resolves it.
    func lookupCommand(_ args: Argv) -> CommandSpec? {
        let table = engine.table
        guard let cmd = table.lookup(args[0]) else { return nil }
        if cmd.subcommands.isEmpty || args.count < 2 { return cmd }
        return table.lookupSubcommand(cmd, args[1])
    }

    func call(_ args: Argv) -> CallResult {
        // unowned(unsafe): the run and the Lua client outlive the call; no retain/release.
        unowned(unsafe) let run = current!
        guard let cmd = lookupCommand(args) else {
            return reject("Unknown Redis command called from script", nil)
        }
        if !cmd.arityOK(args.count) { return reject("Wrong number of args calling Redis command from script", cmd) }
        if cmd.flags.contains(.noscript) { return reject("This Redis command is not allowed from script", cmd) }
        let writes = cmd.flags.contains(.write)
        // Redis counts may-replicate commands (PUBLISH) as writes here.
        if run.readOnly && (writes || cmd.flags.contains(.mayReplicate) || cmd.fullName == "publish" || cmd.fullName == "spublish") {
            return reject("Write commands are not allowed from read-only scripts.", cmd)
        }
        if writes { run.wrote = true }
        unowned(unsafe) let lua = luaClient
        lua.out.clear()
        engine.execute(lua, cmd, args)
        return .ran
    }

    private func reject(_ text: String, _ cmd: CommandSpec?) -> CallResult {
        engine.countError("ERR " + text)
        cmd?.stats.rejected += 1
        return .rejected(text)
    }
}
