// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (eval.c). Scripts are cached by the sha1 of
// their body; KEYS and ARGV are globals; replies and errors convert as LuaBridge+Convert.swift.

enum ScriptCommands {
    static func specs() -> [CommandSpec] {
        let cat = ["scripting"]
        let run: CommandFlags = [.noscript, .skipMonitor, .mayReplicate, .noMandatoryKeys, .stale, .movableKeys]
        let ro: CommandFlags = [.noscript, .skipMonitor, .noMandatoryKeys, .stale, .readonly, .movableKeys]
        let keys: (Argv) -> [Int] = { ZsetCommands.numKeysKeys($0, at: 2) }
        let depends = "Depends on the script that is executed."
        return [
            CommandSpec("eval", arity: -3, flags: run, categories: cat, group: "scripting",
                        summary: "Execute a Lua script server side", complexity: depends, since: "2.6.0",
                        getKeys: keys, handler: { eval($0, sha: false, readOnly: false) }),
            CommandSpec("evalsha", arity: -3, flags: run, categories: cat, group: "scripting",
                        summary: "Execute a Lua script server side", complexity: depends, since: "2.6.0",
                        getKeys: keys, handler: { eval($0, sha: true, readOnly: false) }),
            CommandSpec("eval_ro", arity: -3, flags: ro, categories: cat, group: "scripting",
                        summary: "Execute a read-only Lua script server side", complexity: depends, since: "7.0.0",
                        getKeys: keys, handler: { eval($0, sha: false, readOnly: true) }),
            CommandSpec("evalsha_ro", arity: -3, flags: ro, categories: cat, group: "scripting",
                        summary: "Execute a read-only Lua script server side", complexity: depends, since: "7.0.0",
                        getKeys: keys, handler: { eval($0, sha: true, readOnly: true) }),
            CommandSpec("script", arity: -2, categories: cat, group: "scripting",
                        summary: "A container for Lua scripts management commands", complexity: "Depends on subcommand.",
                        since: "2.6.0", subcommands: [
                CommandSpec("debug", arity: 3, flags: [.noscript], categories: cat, group: "scripting",
                            summary: "Set the debug mode for executed scripts.", since: "3.2.0", handler: scriptDebug),
                CommandSpec("exists", arity: -3, flags: [.noscript], categories: cat, group: "scripting",
                            summary: "Check existence of scripts in the script cache.",
                            complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).",
                            since: "2.6.0", handler: scriptExists),
                CommandSpec("flush", arity: -2, flags: [.noscript], categories: cat, group: "scripting",
                            summary: "Remove all the scripts from the script cache.",
                            complexity: "O(N) with N being the number of scripts in cache", since: "2.6.0", handler: scriptFlush),
                CommandSpec("help", arity: 2, flags: [.loading, .stale], categories: cat, group: "scripting",
                            summary: "Show helpful text about the different subcommands", since: "5.0.0", handler: scriptHelp),
                CommandSpec("kill", arity: 2, flags: [.noscript, .allowBusy], categories: cat, group: "scripting",
                            summary: "Kill the script currently in execution.", since: "2.6.0",
                            handler: { $0.engine.scripting.kill($0, eval: true) }),
                CommandSpec("load", arity: 3, flags: [.noscript, .stale], categories: cat, group: "scripting",
                            summary: "Load the specified Lua script into the script cache.",
                            complexity: "O(N) with N being the length in bytes of the script body.", since: "2.6.0",
                            handler: scriptLoad),
            ], handler: { _ in }),
        ]
    }

    /// KEYS and ARGV from `numkeys key... arg...` (eval.c's evalGenericCommand checks), as
    /// ranges of argv (pushed into Lua without copies).
    static func keysAndArgs(_ c: Call, from: Int) -> (ScriptArgs, ScriptArgs)? {
        guard let n = c.argv.int(from) else { c.error(WireError.notInteger); return nil }
        if n < 0 { c.error("ERR Number of keys can't be negative"); return nil }
        if n > Int64(c.argv.count - from - 1) { c.error("ERR Number of keys can't be greater than number of args"); return nil }
        let k = from + 1 + Int(n)
        return (.argv((from + 1)..<k), .argv(k..<c.argv.count))
    }

    static func eval(_ c: Call, sha: Bool, readOnly: Bool) {
        guard let (keys, args) = keysAndArgs(c, from: 2) else { return }
        let s = c.engine.scripting
        let script: CachedScript
        if sha {
            guard let id = ScriptID(c.argv[1]), let found = s.scripts[id] else {
                c.error("NOSCRIPT No matching script. Please use EVAL."); return
            }
            script = found
        } else if let found = s.scripts[ScriptID(sha1Of: c.argv[1])] {
            // EVAL of a cached body (the common case): no copy of the body, no sha String.
            script = found
        } else {
            switch s.load(Array(c.argv[1])) {
            case .failure(let e): c.error(e.text); return
            case .success(let h): script = s.scripts[ScriptID(h)!]!
            }
        }
        s.run(c, ref: script.ref, name: script.sha, keys: keys, args: args,
              readOnly: readOnly || script.flags.contains(.noWrites), isEval: true)
    }

    static func scriptLoad(_ c: Call) {
        switch c.engine.scripting.load(Array(c.argv[2])) {
        case .failure(let e): c.error(e.text)
        case .success(let sha): c.bulk(sha)
        }
    }

    static func scriptExists(_ c: Call) {
        let s = c.engine.scripting
        c.array(c.argv.count - 2)
        for i in 2..<c.argv.count { c.int(ScriptID(c.argv[i]).flatMap { s.scripts[$0] } != nil ? 1 : 0) }
    }

    static func scriptFlush(_ c: Call) {
        if c.argv.count > 3 || (c.argv.count == 3 && !c.argv.isEqual(2, "sync") && !c.argv.isEqual(2, "async")) {
            c.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
            return
        }
        c.engine.scripting.flush()
        c.ok()
    }

    static func scriptDebug(_ c: Call) {
        if c.argv.isEqual(2, "no") { c.ok(); return }
        if c.argv.isEqual(2, "yes") || c.argv.isEqual(2, "sync") {
            c.error("ERR SCRIPT DEBUG is not supported by this server")
            return
        }
        c.error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
    }

    static func scriptHelp(_ c: Call) {
        let lines = [
            "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
            "HELP",
            "    Prints this help.",
        ]
        c.array(lines.count)
        for l in lines { c.simple(l) }
    }
}
