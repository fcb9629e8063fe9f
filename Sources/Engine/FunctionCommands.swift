// FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS/KILL/HELP and FCALL/FCALL_RO
// (functions.c). The registry and loading are in Functions.swift.

enum FunctionCommands {
    static func specs() -> [CommandSpec] {
        let cat = ["scripting"]
        let keys: (Argv) -> [Int] = { ZsetCommands.numKeysKeys($0, at: 2) }
        let depends = "Depends on the function that is executed."
        func sub(_ name: String, _ arity: Int, _ flags: CommandFlags, _ summary: String, _ h: @escaping CommandHandler) -> CommandSpec {
            CommandSpec(name, arity: arity, flags: flags, categories: cat, group: "scripting", summary: summary,
                        complexity: "O(N)", since: "7.0.0", handler: h)
        }
        return [
            CommandSpec("fcall", arity: -3, flags: [.noscript, .skipMonitor, .mayReplicate, .noMandatoryKeys, .stale, .movableKeys],
                        categories: cat, group: "scripting", summary: "Invoke a function", complexity: depends, since: "7.0.0",
                        getKeys: keys, handler: { $0.engine.scripting.fcall($0, readOnly: false) }),
            CommandSpec("fcall_ro", arity: -3, flags: [.noscript, .skipMonitor, .noMandatoryKeys, .stale, .readonly, .movableKeys],
                        categories: cat, group: "scripting", summary: "Invoke a read-only function", complexity: depends, since: "7.0.0",
                        getKeys: keys, handler: { $0.engine.scripting.fcall($0, readOnly: true) }),
            CommandSpec("function", arity: -2, categories: cat, group: "scripting",
                        summary: "A container for function commands", complexity: "Depends on subcommand.", since: "7.0.0", subcommands: [
                sub("delete", 3, [.noscript, .write], "Delete a function by name", delete),
                sub("dump", 2, [.noscript], "Dump all functions into a serialized binary payload", dump),
                sub("flush", -2, [.noscript, .write], "Deleting all functions", flush),
                sub("help", 2, [.loading, .stale], "Show helpful text about the different subcommands", help),
                sub("kill", 2, [.noscript, .allowBusy], "Kill the function currently in execution.", { $0.engine.scripting.kill($0, eval: false) }),
                sub("list", -2, [.noscript], "List information about all the functions", list),
                sub("load", -3, [.noscript, .write, .denyOOM], "Create a function with the given arguments (name, code, description)", load),
                sub("restore", -3, [.noscript, .write, .denyOOM], "Restore all the functions on the given payload", restore),
                sub("stats", 2, [.noscript, .allowBusy], "Return information about the function currently running (name, description, duration)", stats),
            ], handler: { _ in }),
        ]
    }

    static func load(_ c: Call) {
        var replace = false
        var i = 2
        while i < c.argv.count - 1 {
            if c.argv.isEqual(i, "replace") { replace = true; i += 1 } else {
                c.error("ERR Unknown option given: \(c.argv.string(i))")
                return
            }
        }
        switch c.engine.scripting.loadLibrary(Array(c.argv[c.argv.count - 1]), replace: replace) {
        case .failure(let e): c.error(e.text)
        case .success(let name):
            c.engine.dirty += 1
            c.bulk(name)
        }
    }

    static func delete(_ c: Call) {
        let s = c.engine.scripting
        guard let lib = s.libraries[c.argv.string(2)] else { c.error("ERR Library not found"); return }
        s.removeLibrary(lib)
        c.engine.dirty += 1
        c.ok()
    }

    static func flush(_ c: Call) {
        if c.argv.count > 3 || (c.argv.count == 3 && !c.argv.isEqual(2, "sync") && !c.argv.isEqual(2, "async")) {
            c.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
            return
        }
        c.engine.scripting.flushFunctions()
        c.engine.dirty += 1
        c.ok()
    }

    static func list(_ c: Call) {
        var pattern: [UInt8]? = nil, withCode = false
        var i = 2
        while i < c.argv.count {
            if c.argv.isEqual(i, "withcode") { withCode = true; i += 1; continue }
            if c.argv.isEqual(i, "libraryname") {
                guard i + 1 < c.argv.count else { c.error("ERR library name argument was not given"); return }
                if pattern != nil { c.error("ERR Unknown argument given \(c.argv.string(i))"); return }
                pattern = Array(c.argv[i + 1]); i += 2; continue
            }
            c.error("ERR Unknown argument \(c.argv.string(i))")
            return
        }
        let s = c.engine.scripting
        var libs = s.libraryOrder.compactMap { s.libraries[$0] }
        if let p = pattern {
            libs = libs.filter { l in p.withUnsafeBytes { pp in Array(l.name.utf8).withUnsafeBytes { globMatch(pattern: pp, $0, nocase: false) } } }
        }
        c.array(libs.count)
        for l in libs {
            c.map(withCode ? 4 : 3)
            c.bulk("library_name"); c.bulk(l.name)
            c.bulk("engine"); c.bulk("LUA")
            c.bulk("functions")
            c.array(l.functions.count)
            for f in l.functions {
                c.map(3)
                c.bulk("name"); c.bulk(f.name)
                c.bulk("description"); if let d = f.description { c.bulk(d) } else { c.null() }
                c.bulk("flags")
                let names = ScriptFlags.names.filter { f.flags.contains($0.1) }.map(\.0)
                c.set(names.count)
                for n in names { c.simple(n) }
            }
            if withCode { c.bulk("library_code"); c.client.out.writeBulk(l.code) }
        }
    }

    static func stats(_ c: Call) {
        let s = c.engine.scripting
        if let run = s.current, run.isEval {
            c.error(s.busyError)
            return
        }
        c.map(2)
        c.bulk("running_script")
        if let run = s.current {
            c.map(3)
            c.bulk("name"); c.bulk(run.name)
            c.bulk("command"); c.array(0)
            c.bulk("duration_ms"); c.int((monotonicMicros() - run.start) / 1000)
        } else {
            c.null()
        }
        c.bulk("engines")
        c.map(1)
        c.bulk("LUA")
        c.map(2)
        c.bulk("libraries_count"); c.int(s.libraries.count)
        c.bulk("functions_count"); c.int(s.functionIndex.count)
    }

    static func help(_ c: Call) {
        let lines = [
            "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
            "HELP",
            "    Prints this help.",
        ]
        c.array(lines.count)
        for l in lines { c.simple(l) }
    }
}
