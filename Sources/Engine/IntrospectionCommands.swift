// COMMAND and its subcommands (server.c commandCommand & co.) in Redis 7.0's reply shapes,
// all derived at run time from the CommandTable specs: flags, first/last/step, ACL categories
// (setImplicitACLCategories), tips and key specs (IntrospectionCommands+KeySpecs.swift).
// redis-py's cluster client routes keys with this, so every command must be here and agree
// with its spec.

import RESP

enum IntrospectionCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("command", arity: -1, flags: [.loading, .stale, .sentinel], categories: ["connection"], group: "server",
                        summary: "Get array of Redis command details", complexity: "O(N) where N is the total number of Redis commands", since: "2.8.13", subcommands: [
                CommandSpec("count", arity: 2, flags: [.loading, .stale], categories: ["connection"], group: "server",
                            summary: "Get total number of Redis commands", complexity: "O(1)", since: "2.8.13", handler: count),
                CommandSpec("docs", arity: -2, flags: [.loading, .stale], categories: ["connection"], group: "server",
                            summary: "Get array of specific Redis command documentation", complexity: "O(N) where N is the number of commands to look up", since: "7.0.0", handler: docs),
                CommandSpec("getkeys", arity: -4, flags: [.loading, .stale], categories: ["connection"], group: "server",
                            summary: "Extract keys given a full Redis command", complexity: "O(N) where N is the number of arguments to the command", since: "2.8.13", handler: getkeys),
                CommandSpec("info", arity: -2, flags: [.loading, .stale], categories: ["connection"], group: "server",
                            summary: "Get array of specific Redis command details, or all when no argument is given.", complexity: "O(N) where N is the number of commands to look up", since: "2.8.13", handler: info),
                CommandSpec("list", arity: -2, flags: [.loading, .stale], categories: ["connection"], group: "server",
                            summary: "Get an array of Redis command names", complexity: "O(N) where N is the total number of Redis commands", since: "7.0.0", handler: list),
                CommandSpec("getkeysandflags", arity: -4, flags: [.loading, .stale], categories: ["connection"], group: "server",
                            summary: "Extract keys and access flags given a full Redis command", complexity: "O(N) where N is the number of arguments to the command", since: "7.0.0", handler: getkeysAndFlags),
                CommandSpec("help", arity: 2, flags: [.loading, .stale], categories: ["connection"], group: "server",
                            summary: "Show helpful text about the different subcommands", complexity: "O(1)", since: "5.0.0", handler: help),
            ], handler: all),
        ]
    }

    /// ACL categories in Redis's bit order.
    static let categoryOrder = ["keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
                                "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
                                "dangerous", "connection", "transaction", "scripting"]

    /// The spec's own categories plus those its flags imply (Redis's setImplicitACLCategories).
    static func aclCategories(_ cmd: CommandSpec) -> [String] {
        var s = Set(cmd.categories)
        let f = cmd.flags
        if f.contains(.write) { s.insert("write") }
        if f.contains(.readonly) && !s.contains("scripting") { s.insert("read") }
        if f.contains(.admin) { s.insert("admin"); s.insert("dangerous") }
        if f.contains(.pubsub) { s.insert("pubsub") }
        if f.contains(.fast) { s.insert("fast") }
        if f.contains(.blocking) { s.insert("blocking") }
        if !s.contains("fast") { s.insert("slow") }
        return categoryOrder.filter { s.contains($0) }
    }

    /// Looks up "name" or "container|sub" (case-insensitive).
    static func find(_ table: CommandTable, _ name: String) -> CommandSpec? {
        let parts = name.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        guard let base = table.lookup(String(parts[0])) else { return nil }
        if parts.count == 1 { return base }
        let sub = parts[1].lowercased()
        return base.subcommands.first { $0.name == sub }
    }

    /// Every command with its subcommands, depth first.
    static func allCommands(_ table: CommandTable) -> [CommandSpec] {
        var out: [CommandSpec] = []
        for c in table.commands { out.append(c); out.append(contentsOf: c.subcommands) }
        return out
    }

    static func all(_ c: Call) {
        c.array(c.engine.table.commands.count)
        for cmd in c.engine.table.commands { writeInfo(c, cmd) }
    }

    static func count(_ c: Call) { c.int(c.engine.table.commands.count) }

    static func info(_ c: Call) {
        if c.argv.count == 2 { all(c); return }
        c.array(c.argv.count - 2)
        for j in 2..<c.argv.count {
            if let cmd = find(c.engine.table, c.argv.string(j)) { writeInfo(c, cmd) } else { c.null() }
        }
    }

    /// The 10-element COMMAND INFO entry.
    static func writeInfo(_ c: Call, _ cmd: CommandSpec) {
        c.array(10)
        c.bulk(cmd.fullName)
        c.int(cmd.arity)
        let flags = cmd.flags.names
        c.set(flags.count)
        for f in flags { c.simple(f) }
        let container = !cmd.subcommands.isEmpty
        c.int(container ? 0 : cmd.firstKey)
        c.int(container ? 0 : cmd.lastKey)
        c.int(container ? 0 : cmd.step)
        let cats = aclCategories(cmd)
        c.set(cats.count)
        for cat in cats { c.simple("@" + cat) }
        let meta = KeySpecs.meta(for: cmd)
        c.set(meta.tips.count)
        for t in meta.tips { c.bulk(t) }
        c.set(meta.specs.count)
        for s in meta.specs { s.write(c) }
        if cmd.subcommands.isEmpty { c.set(0) } else {
            c.array(cmd.subcommands.count)
            for s in cmd.subcommands { writeInfo(c, s) }
        }
    }

    static func docs(_ c: Call) {
        let table = c.engine.table
        var picked: [CommandSpec] = []
        if c.argv.count == 2 { picked = table.commands } else {
            for j in 2..<c.argv.count { if let cmd = find(table, c.argv.string(j)) { picked.append(cmd) } }
        }
        c.map(picked.count)
        for cmd in picked { c.bulk(cmd.fullName); writeDocs(c, cmd) }
    }

    static func writeDocs(_ c: Call, _ cmd: CommandSpec) {
        var fields: [(String, String)] = [("summary", cmd.summary), ("since", cmd.since), ("group", cmd.group),
                                          ("complexity", cmd.complexity)]
        fields.removeAll { $0.1.isEmpty }
        c.map(fields.count + (cmd.subcommands.isEmpty ? 0 : 1))
        for (k, v) in fields { c.bulk(k); c.bulk(v) }
        if !cmd.subcommands.isEmpty {
            c.bulk("subcommands")
            c.map(cmd.subcommands.count)
            for s in cmd.subcommands { c.bulk(s.fullName); writeDocs(c, s) }
        }
    }

    static func list(_ c: Call) {
        let a = c.argv
        var filter: (CommandSpec) -> Bool = { _ in true }
        if a.count == 5 && a.isEqual(2, "filterby") {
            let arg = a.string(4)
            if a.isEqual(3, "module") {
                filter = { _ in false }
            } else if a.isEqual(3, "aclcat") {
                let cat = arg.lowercased()
                filter = { categoryOrder.contains(cat) && aclCategories($0).contains(cat) }
            } else if a.isEqual(3, "pattern") {
                filter = { ServerGlob.match(arg, $0.fullName, nocase: true) }
            } else {
                c.syntaxError(); return
            }
        } else if a.count != 2 {
            c.syntaxError(); return
        }
        let names = allCommands(c.engine.table).filter(filter).map(\.fullName)
        c.array(names.count)
        for n in names { c.bulk(n) }
    }

    static func getkeys(_ c: Call) { getKeys(c, withFlags: false) }
    static func getkeysAndFlags(_ c: Call) { getKeys(c, withFlags: true) }

    static func getKeys(_ c: Call, withFlags: Bool) {
        let a = c.argv
        let table = c.engine.table
        guard var cmd = table.lookup(a[2]) else { c.error("ERR Invalid command specified"); return }
        if !cmd.subcommands.isEmpty && a.count > 3 {
            guard let sub = table.lookupSubcommand(cmd, a[3]) else { c.error("ERR Invalid command specified"); return }
            cmd = sub
        }
        guard cmd.firstKey > 0 || cmd.getKeys != nil || cmd.flags.contains(.movableKeys) else {
            c.error("ERR The command has no key arguments"); return
        }
        let inner = Argv(a.base + 2, count: a.count - 2)
        guard cmd.arityOK(inner.count) else { c.error("ERR Invalid number of arguments specified for command"); return }
        let keys = cmd.keyIndexes(inner).filter { $0 < inner.count }
        if keys.isEmpty {
            if cmd.flags.contains(.noMandatoryKeys) { c.array(0) } else { c.error("ERR Invalid arguments specified for command") }
            return
        }
        let specs = KeySpecs.meta(for: cmd).specs
        c.array(keys.count)
        for k in keys {
            if withFlags {
                c.array(2)
                c.bulk(inner[k])
                let flags = KeySpecs.flags(forKeyAt: k, specs, inner)
                c.set(flags.count)
                for f in flags { c.simple(f) }
            } else {
                c.bulk(inner[k])
            }
        }
    }

    static func help(_ c: Call) {
        ConfigCommands.helpReply(c, "COMMAND", [
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ])
    }
}
