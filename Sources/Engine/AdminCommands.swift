// ADMIN: Keyward's admin protocol on RESP (docs/admin-protocol.md). Each reply is one bulk
// string holding a JSON document of the Admin module's Codable model, so the console, scripts
// (`keyward status --json`) and the server share one schema. Real Redis answers
// `-ERR unknown command 'ADMIN'`, which is how the console tells a plain Redis node apart.
//
// The subcommands live with their concern: node status in AdminCommands+Status.swift, the lock
// index in AdminCommands+Locks.swift.

import Admin

enum AdminCommands {
    static func specs() -> [CommandSpec] {
        [
            CommandSpec("admin", arity: -2, flags: [.loading, .stale, .noscript], group: "server",
                        summary: "Keyward's admin protocol (JSON documents for the console)",
                        complexity: "Depends on subcommand.", since: "keyward",
                        subcommands: [
                            CommandSpec("help", arity: 2, flags: [.loading, .stale, .noscript], group: "server",
                                        summary: "Show helpful text about the different subcommands",
                                        since: "keyward", handler: help),
                        ] + statusSpecs() + lockSpecs(),
                        handler: { $0.error(WireError.wrongArity("admin")) }),
        ]
    }

    static func help(_ c: Call) {
        let lines = ["ADMIN <subcommand> [<arg> ...]. Subcommands are:"] + statusHelp + lockHelp + [
            "HELP",
            "    Prints this help.",
        ]
        c.array(lines.count)
        for l in lines { c.simple(l) }
    }

    /// Replies with one admin document (JSON text as a bulk string).
    static func reply<T: Encodable>(_ c: Call, _ document: T) {
        do {
            c.bulk(try AdminJSON.encode(document))
        } catch {
            c.error("ERR cannot encode admin document: \(error)")
        }
    }
}
